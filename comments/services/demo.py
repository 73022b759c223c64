"""Synthetic demo comments in bulk: threads with replies, some held for moderation, counts exact afterwards.

Ids are assigned here (after the current maximum) so each comment's materialized path is known before the
insert: one INSERT per batch, no second pass. Run it while nobody posts (it is a set-up command): a comment
posted meanwhile could take an id this run also chose. Counts are not guessed: reply_count comes from the very
replies generated (their parents are all new), and Article.comment_count is recounted from the rows at the end.
"""

import hashlib
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.caching import shared_fragments_invalidate
from articles.demo import DEMO_MARK, DEMO_SLUG_PREFIX, demo_sentence
from articles.models import Article
from comments.models import Comment, thread_path
from newsportal.bulk import BulkInserter, next_id, reset_id_sequence

BATCH_SIZE = 20000
# The varying columns of a demo comment row, and the positions the generator reads back.
COLUMNS = [
    "id", "article_id", "parent_id", "root_id", "depth", "path", "author_name", "body", "status", "created_at",
    "status_changed_at", "ip_hash", "ua_hash", "spam_score", "scored_at", "reply_count",
]  # fmt: skip
ID, ROOT, DEPTH, PATH, REPLY_COUNT = 0, 3, 4, 5, 15
REPLY_SHARE = 0.3
MAX_DEMO_DEPTH = 4
MODEL_VERSION = "demo"
PUBLISHED = Comment.Status.PUBLISHED
PENDING = Comment.Status.PENDING


def _fake_hashes(prefix: str, size: int) -> list[str]:
    return [hashlib.sha256(f"{prefix}-{n}".encode()).hexdigest() for n in range(size)]


def _article_weights(rng: random.Random, count: int) -> list[float]:
    """A few articles draw many comments, most draw few (a long tail), in no particular order."""
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(count)]
    rng.shuffle(weights)
    return weights


def demo_comments_create(
    *, count: int, pending: int, rng: random.Random, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Add `count` demo comments to the demo articles, `pending` of them held (status pending). Returns count."""
    if count <= 0:
        return 0
    if not 0 <= pending <= count:
        raise ValueError("pending must be between 0 and the number of comments")
    articles = list(
        Article.objects.filter(slug__startswith=DEMO_SLUG_PREFIX).order_by("pk").values_list("pk", "published_at")
    )
    if not articles:
        raise ValueError("no demo articles to comment on: create some with --articles")

    per_article = Counter(rng.choices(range(len(articles)), weights=_article_weights(rng, len(articles)), k=count))
    held = set(rng.sample(range(count), pending))
    ip_hashes, ua_hashes = _fake_hashes("demo-ip", 5000), _fake_hashes("demo-ua", 200)
    bodies = [f"{DEMO_MARK} " + " ".join(demo_sentence(rng, rng.randint(6, 20)) for _ in range(rng.randint(1, 3)))
              for _ in range(2000)]  # fmt: skip
    inserter = BulkInserter(Comment, COLUMNS, {"model_version": MODEL_VERSION})
    now = timezone.now()
    first_id = next_id(Comment)
    made, batch = 0, []

    for index in sorted(per_article):
        article_id, published_at = articles[index]
        window = max((now - published_at).total_seconds(), 60.0)
        offsets = sorted(rng.random() * window for _ in range(per_article[index]))
        thread: list[list] = []  # this article's published comments (rows), possible parents
        for offset in offsets:
            pk = first_id + made
            created_at = published_at + timedelta(seconds=offset)
            status = PENDING if made in held else PUBLISHED
            parent = rng.choice(thread[-20:]) if thread and rng.random() < REPLY_SHARE else None
            if parent is not None and parent[DEPTH] >= MAX_DEMO_DEPTH:
                parent = None
            row = [
                pk,
                article_id,
                parent[ID] if parent else None,
                (parent[ROOT] or parent[ID]) if parent else None,
                parent[DEPTH] + 1 if parent else 0,
                thread_path(parent[PATH] if parent else "", pk),
                f"Demo reader {rng.randint(1, 9999)}",
                rng.choice(bodies),
                status,
                created_at,
                created_at,
                rng.choice(ip_hashes),
                rng.choice(ua_hashes),
                round(rng.uniform(0.3, 0.9) if status == PENDING else rng.uniform(0.0, 0.3), 3),
                created_at,
                0,
            ]
            if status == PUBLISHED:
                thread.append(row)
                if parent is not None:
                    parent[REPLY_COUNT] += 1
            batch.append(row)
            made += 1
        if len(batch) >= BATCH_SIZE:
            _insert(inserter, batch)
            progress(len(batch))
            batch = []
    if batch:
        _insert(inserter, batch)
        progress(len(batch))

    reset_id_sequence(Comment)
    _recount_articles([articles[index][0] for index in per_article])
    shared_fragments_invalidate()
    return made


def _insert(inserter: BulkInserter, batch: list[list]) -> None:
    # Whole threads are in one batch (grouped by article) and parents precede replies, so foreign keys hold.
    with transaction.atomic():
        inserter.insert(batch)


def _recount_articles(article_ids: list[int], chunk: int = 5000) -> None:
    """Article.comment_count = its published comments, counted from the rows."""
    published = (
        Comment.objects.filter(article=OuterRef("pk"), status=PUBLISHED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    article_ids = sorted(article_ids)
    for start in range(0, len(article_ids), chunk):
        with transaction.atomic():
            Article.objects.filter(pk__in=article_ids[start : start + chunk]).update(
                comment_count=Coalesce(Subquery(published, output_field=IntegerField()), Value(0))
            )
