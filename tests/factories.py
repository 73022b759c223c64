"""Shared factory_boy factories. Portal: sections, articles and what hangs off them; other apps add theirs below."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section
from comments.models import Comment, thread_path


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


class CommentFactory(DjangoModelFactory):
    """A comment row with a correct thread position (root, depth, path). It does not touch the denormalised
    counts: tests about counts create comments through `comment_create` instead."""

    class Meta:
        model = Comment

    parent = None
    article = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.article"),
        no_declaration=factory.SubFactory("tests.factories.ArticleFactory"),
    )
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = factory.Sequence(lambda n: f"Comment number {n}: a thought about the article.")
    status = Comment.Status.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        if parent is not None:
            kwargs.setdefault("root_id", parent.root_id or parent.pk)
            kwargs.setdefault("depth", parent.depth + 1)
        comment = super()._create(model_class, *args, **kwargs)
        comment.path = thread_path(parent.path if parent else "", comment.pk)
        comment.save(update_fields=["path"])
        return comment
