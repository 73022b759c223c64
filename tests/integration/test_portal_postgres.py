"""The portal on real PostgreSQL and Redis: the COPY path of seed_demo and the cached article page."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count, F, Q

from articles.models import Article
from comments.models import Comment, thread_path

pytestmark = pytest.mark.django_db

SEED_URL = "/articles/xi-china-russia-ties-prioritized-in-chinese-diplomacy/"


def test_seed_demo_on_postgresql_is_exact_and_moves_the_id_sequences():
    call_command("seed_demo", articles=40, comments=500, pending=50, no_progress=True)

    assert Article.objects.filter(slug__startswith="demo-").count() == 40
    assert Comment.objects.filter(status="pending").count() == 50
    assert not Article.objects.annotate(n=Count("comments", filter=Q(comments__status="published"))).exclude(
        n=F("comment_count")
    )
    assert not Comment.objects.annotate(n=Count("replies", filter=Q(replies__status="published"))).exclude(
        n=F("reply_count")
    )
    reply = Comment.objects.filter(parent__isnull=False).select_related("parent").first()
    assert reply.path == thread_path(reply.parent.path, reply.pk)
    # Rows made afterwards by the ORM take the next ids, not ones the bulk insert used.
    article = Article.objects.create(section=Article.objects.first().section, slug="after", headline="After")
    comment = Comment.objects.create(article=article, author_name="Reader", body="After the demo.")
    assert article.pk > Article.objects.exclude(pk=article.pk).order_by("-pk").first().pk
    assert comment.pk > Comment.objects.exclude(pk=comment.pk).order_by("-pk").first().pk


def test_the_article_page_through_redis_fragments(client, django_assert_max_num_queries):
    cache.clear()
    call_command("load_seed")
    assert client.get(SEED_URL).status_code == 200

    with django_assert_max_num_queries(1):
        response = client.get(SEED_URL)

    assert response.status_code == 200
    assert "08:01, January 09, 2013" in response.content.decode()
    cache.clear()
