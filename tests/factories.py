"""Shared factory_boy factories (the portal adds SectionFactory/ArticleFactory; others add theirs at the end)."""

import factory
from factory.django import DjangoModelFactory

from comments.models import Comment, thread_path


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
