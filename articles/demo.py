"""Synthetic demo articles: clearly marked "[demo]", made fast with raw bulk inserts (newsportal/bulk.py).

Text is drawn from a fixed vocabulary of neutral newsroom words; nothing reads as a real report or quotes
anyone. `seed_demo` (comments/management/commands/seed_demo.py) calls this, then adds comments.
"""

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from articles.caching import shared_fragments_invalidate
from articles.models import Article, ArticlePage, Section
from newsportal.bulk import BulkInserter, next_id, reset_id_sequence

DEMO_MARK = "[demo]"
DEMO_SLUG_PREFIX = "demo-"
BATCH_SIZE = 5000
# Every tenth demo article has three pages, so the pager has something to page through.
MULTI_PAGE_EVERY = 10
SPREAD = timedelta(days=365)

WORDS = (
    "synthetic sample placeholder council district harbour railway market bridge festival library museum "
    "committee report survey season weather river valley province county village school clinic garden "
    "project budget schedule plan review meeting forum exhibition program network station airport road "
    "energy water housing transport science research culture sport league team match final record "
    "update notice statement figure chart table index quarter annual monthly weekly local regional national"
).split()
TOPICS = (
    "Harbour", "Railway", "Market", "Library", "Museum", "Festival", "Survey", "Budget", "Forum", "Exhibition",
    "League", "Research", "Housing", "Transport", "Energy", "Garden", "Clinic", "Bridge", "Station", "Weather",
)  # fmt: skip


def demo_sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choices(WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def _paragraph_pool(rng: random.Random, size: int = 300) -> list[str]:
    return [
        f"{DEMO_MARK} " + " ".join(demo_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(2, 4)))
        for _ in range(size)
    ]


def demo_articles_exist() -> bool:
    return Article.objects.filter(slug__startswith=DEMO_SLUG_PREFIX).exists()


def _next_demo_number() -> int:
    last = Article.objects.filter(slug__startswith=DEMO_SLUG_PREFIX).order_by("-slug").values_list("slug", flat=True)
    for slug in last[:1]:
        return int(slug.removeprefix(DEMO_SLUG_PREFIX)) + 1
    return 1


def _demo_sections() -> list[Section]:
    """Sections that hold articles (leaves); a fresh database gets the seed's sections first (see seed_demo)."""
    sections = list(Section.objects.filter(children__isnull=True))
    if not sections:
        raise ValueError("no sections: run load_seed first")
    return sections


ARTICLE_COLUMNS = ["id", "section_id", "slug", "headline", "summary", "published_at"]


def demo_articles_create(*, count: int, rng: random.Random, progress: Callable[[int], None] = lambda n: None) -> int:
    """Create `count` published demo articles (with their pages), dated over the last year. Returns the count."""
    if count <= 0:
        return 0
    sections = [section.pk for section in _demo_sections()]
    pool = _paragraph_pool(rng)
    first_number, first_id = _next_demo_number(), next_id(Article)
    now = timezone.now()
    step = SPREAD / count
    articles = BulkInserter(
        Article,
        ARTICLE_COLUMNS,
        {"source": "newsportal demo", "status": Article.Status.PUBLISHED, "created_at": now, "updated_at": now},
    )
    pages = BulkInserter(ArticlePage, ["article_id", "number", "body"])
    done = 0
    while done < count:
        size = min(BATCH_SIZE, count - done)
        article_rows, page_rows = [], []
        for i in range(done, done + size):
            pk, number = first_id + i, first_number + i
            topic = rng.choice(TOPICS)
            article_rows.append(
                (
                    pk,
                    rng.choice(sections),
                    f"{DEMO_SLUG_PREFIX}{number:07d}",
                    f"{DEMO_MARK} {topic} {demo_sentence(rng, rng.randint(4, 8))[:-1].lower()} ({number})",
                    f"{DEMO_MARK} {demo_sentence(rng)}",
                    # Oldest first, so ids and dates rise together; the newest demo article is a minute old.
                    now - timedelta(minutes=1) - step * (count - 1 - i) - timedelta(seconds=rng.random()),
                )
            )
            for page in range(1, 4 if pk % MULTI_PAGE_EVERY == 0 else 2):
                page_rows.append((pk, page, "\n\n".join(rng.sample(pool, rng.randint(3, 6)))))
        with transaction.atomic():
            articles.insert(article_rows)
            pages.insert(page_rows)
        done += size
        progress(size)
    reset_id_sequence(Article)
    reset_id_sequence(ArticlePage)
    shared_fragments_invalidate()
    return done
