import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from articles.models import Article, ArticlePage
from comments.models import Comment, thread_path

pytestmark = pytest.mark.django_db

SEED_SLUG = "xi-china-russia-ties-prioritized-in-chinese-diplomacy"


def _demo(**options):
    call_command("seed_demo", no_progress=True, **options)


def test_seed_demo_makes_exactly_what_it_was_asked_for():
    _demo(articles=50, comments=400, pending=40)

    demo = Article.objects.filter(slug__startswith="demo-")
    assert demo.count() == 50
    assert all(a.headline.startswith("[demo]") for a in demo)
    assert ArticlePage.objects.filter(article__in=demo).count() >= 50
    assert Comment.objects.count() == 400
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 40
    assert Comment.objects.filter(status=Comment.Status.PUBLISHED).count() == 360
    assert all(body.startswith("[demo]") for body in Comment.objects.values_list("body", flat=True))


def test_the_seed_article_stays_first_and_without_comments():
    _demo(articles=20, comments=300)

    first = Article.objects.order_by("pk").first()
    assert first.slug == SEED_SLUG
    assert first.comment_count == 0
    assert not first.comments.exists()


def test_counts_equal_the_published_rows():
    _demo(articles=30, comments=600, pending=100)

    articles_off = Article.objects.annotate(n=Count("comments", filter=Q(comments__status="published"))).exclude(
        n=F("comment_count")
    )
    comments_off = Comment.objects.annotate(n=Count("replies", filter=Q(replies__status="published"))).exclude(
        n=F("reply_count")
    )
    assert articles_off.count() == 0
    assert comments_off.count() == 0
    assert Comment.objects.filter(parent__isnull=False).exists()


def test_replies_carry_their_parents_path_and_thread():
    _demo(articles=10, comments=300)

    for reply in Comment.objects.filter(parent__isnull=False).select_related("parent"):
        assert reply.path == thread_path(reply.parent.path, reply.pk)
        assert reply.depth == reply.parent.depth + 1
        assert reply.root_id == (reply.parent.root_id or reply.parent_id)
        assert reply.article_id == reply.parent.article_id
        assert reply.created_at >= reply.parent.created_at
    for top in Comment.objects.filter(parent__isnull=True)[:50]:
        assert top.path == thread_path("", top.pk)


def test_a_second_run_adds_and_keeps_counts_exact_and_ids_moving():
    _demo(articles=10, comments=100)
    _demo(articles=5, comments=50)

    assert Article.objects.filter(slug__startswith="demo-").count() == 15
    assert Comment.objects.count() == 150
    after = Comment.objects.create(article=Article.objects.last(), author_name="Reader", body="Posted later.")
    assert after.pk == Comment.objects.order_by("-pk").values_list("pk", flat=True)[1] + 1


def test_if_empty_does_nothing_when_demo_data_exists():
    _demo(articles=5, comments=10)

    _demo(articles=5, comments=10, if_empty=True)

    assert Article.objects.filter(slug__startswith="demo-").count() == 5
    assert Comment.objects.count() == 10


def test_bad_counts_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _demo(articles=1, comments=5, pending=6)
    with pytest.raises(CommandError):
        _demo(comments=5)  # no demo articles to comment on
