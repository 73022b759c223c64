"""The shared factory_boy factories: users and moderators, sections, articles and what hangs off them, comments
and their reports. Every test module takes its factories from here."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section
from comments.models import Comment, Flag, thread_path
from comments.services.lifecycle import apply_count_deltas
from comments.text import fingerprint

# --- people ---


class UserFactory(factory.django.DjangoModelFactory):
    """A reader's account; every factory user logs in with the password "pw-for-tests-1"."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw-for-tests-1")


def make_moderator(username: str = "mod", **kwargs):
    """A member of the Moderators group (comments.can_moderate), as the create_moderator command makes one."""
    user = UserFactory(username=username, **kwargs)
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="can_moderate", content_type__app_label="comments"))
    user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


# --- articles ---


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    parent = None


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article (an hour old) with one page of two paragraphs; `pages=3` for more, `pages=0` for none."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory)
    headline = factory.Sequence(lambda n: f"Test headline {n}")
    slug = factory.Sequence(lambda n: f"test-article-{n}")
    summary = "A summary for lists."
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    source = "Test Agency"
    status = Article.Status.PUBLISHED

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT)
        future = factory.Trait(published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)))

    @factory.post_generation
    def pages(self, create, extracted, **kwargs):
        if not create:
            return
        for number in range(1, (1 if extracted is None else extracted) + 1):
            ArticlePageFactory(article=self, number=number)


class ArticlePageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticlePage

    article = factory.SubFactory(ArticleFactory, pages=0)
    number = 1
    body = factory.LazyAttribute(lambda page: f"First paragraph of page {page.number}.\n\nSecond paragraph.")


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    article = factory.SubFactory(ArticleFactory)
    caption = "A caption for the photo."
    credit = "Agency/Photographer"


class RelatedLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedLink

    article = factory.SubFactory(ArticleFactory)
    target = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n)


class CuratedListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CuratedList
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"list-{n}")
    title = factory.Sequence(lambda n: f"List {n}")


class CuratedItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CuratedItem

    curated_list = factory.SubFactory(CuratedListFactory)
    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n)


# --- comments ---


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment as comment_create leaves it under post-moderation: published and not yet scored, with its thread
    position (root, depth, path), its body_hash and a client (ip_hash) of its own. Pass `status=` for any other.

    A published comment counts on its article and its parent (Article.comment_count, Comment.reply_count) as the
    lifecycle counts it, and the article and parent instances passed in are refreshed to show the new counts. To
    test drift, change the counts behind its back with `.update()`."""

    class Meta:
        model = Comment

    parent = None
    article = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.article"),
        no_declaration=factory.SubFactory(ArticleFactory),
    )
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = factory.Sequence(lambda n: f"Comment number {n}: a thought about the article.")
    body_hash = factory.LazyAttribute(lambda c: fingerprint(c.body))
    status = Comment.Status.PUBLISHED
    ip_hash = factory.Sequence(lambda n: f"{n:064x}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent, article = kwargs.get("parent"), kwargs["article"]
        if parent is not None:
            kwargs.setdefault("root_id", parent.root_id or parent.pk)
            kwargs.setdefault("depth", parent.depth + 1)
        with transaction.atomic():
            comment = super()._create(model_class, *args, **kwargs)
            comment.path = thread_path(parent.path if parent else "", comment.pk)
            comment.save(update_fields=["path"])
            if comment.status == Comment.Status.PUBLISHED:
                apply_count_deltas({(comment.article_id, comment.parent_id): 1})
                article.refresh_from_db(fields=["comment_count"])
                if parent is not None:
                    parent.refresh_from_db(fields=["reply_count"])
        comment.refresh_from_db(fields=["priority"])  # kept by a database trigger
        return comment


def report(comment: Comment, n: int = 1, reason: str = "abuse", note: str = "") -> list[Flag]:
    """n open reader reports on a comment, counted as the flags service counts them."""
    flags = [
        Flag.objects.create(comment=comment, reason=reason, note=note, reporter_key=f"k{comment.pk}-{i}-{reason}")
        for i in range(n)
    ]
    Comment.objects.filter(pk=comment.pk).update(flag_count=comment.flag_count + n)
    comment.refresh_from_db()
    return flags
