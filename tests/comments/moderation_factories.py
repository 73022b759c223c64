"""Factories for the moderation tests (kept apart from tests/factories.py, which other helpers fill)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles.models import Article, Section
from comments.models import Comment, Flag
from comments.services.lifecycle import apply_count_deltas


class UserFactory(factory.django.DjangoModelFactory):
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


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    slug = factory.Sequence(lambda n: f"mod-section-{n}")
    name = factory.Sequence(lambda n: f"Section {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    section = factory.SubFactory(SectionFactory)
    slug = factory.Sequence(lambda n: f"mod-article-{n}")
    headline = factory.Sequence(lambda n: f"Headline {n}")
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment in any status; a published one counts on its article (as the lifecycle would have done)."""

    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = factory.Sequence(lambda n: f"Comment body number {n}.")
    status = Comment.Status.PENDING
    ip_hash = factory.Sequence(lambda n: f"{n:064x}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        comment = super()._create(model_class, *args, **kwargs)
        if comment.status == Comment.Status.PUBLISHED:
            apply_count_deltas({(comment.article_id, comment.parent_id): 1})
        comment.refresh_from_db()
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
