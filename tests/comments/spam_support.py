"""Factories the spam tests share (kept here until tests/factories.py grows its own comment factories)."""

import factory
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from articles.models import Article, Section
from comments.models import Comment
from comments.text import fingerprint


class SpamSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    slug = factory.Sequence(lambda n: f"spam-section-{n}")
    name = factory.Sequence(lambda n: f"Section {n}")


class SpamArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    section = factory.SubFactory(SpamSectionFactory)
    slug = factory.Sequence(lambda n: f"spam-article-{n}")
    headline = factory.Sequence(lambda n: f"Headline {n}")
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class SpamUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"spam-user-{n}")


class SpamCommentFactory(factory.django.DjangoModelFactory):
    """A comment as comment_create leaves it: published (post-moderation) and not yet scored."""

    class Meta:
        model = Comment
        skip_postgeneration_save = True

    article = factory.SubFactory(SpamArticleFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = factory.Sequence(lambda n: f"I think the council should explain the bus timetable change number {n}.")
    status = Comment.Status.PUBLISHED
    ip_hash = factory.Sequence(lambda n: f"ip-{n}")
    body_hash = factory.LazyAttribute(lambda c: fingerprint(c.body))

    @factory.post_generation
    def count(obj, create, extracted, **kwargs):
        """Keep Article.comment_count equal to the published rows, as comment_create does."""
        if create and obj.status == Comment.Status.PUBLISHED:
            Article.objects.filter(pk=obj.article_id).update(comment_count=F("comment_count") + 1)
            obj.article.refresh_from_db()


HAM_TEXT = "Interesting piece on the harbour expansion, but the numbers in paragraph three look off to me."
SPAM_TEXT = "URGENT! You have won a 5000 cash prize. Call 0800 123 4567 now to claim http://bit.ly/xyz123"
