"""Project-wide API state: idempotency keys and the per-article comments version behind ETags and page caches."""

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The first successful answer to a POST sent with an `Idempotency-Key` header (Stripe's semantics).

    Written in the same transaction as what the request created, so a key exists exactly when its effect does.
    `scope` separates clients ("user:<id>", or "guest" for anonymous callers, whose keys are global);
    `fingerprint` is a hash of method, path and canonical body, to refuse a reused key with another body.
    Purged after NEWSPORTAL_IDEMPOTENCY_TTL_HOURS by the beat task newsportal.tasks.purge_idempotency_keys.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class CommentsVersion(models.Model):
    """A counter bumped after every commit that changes what readers see in an article's comments.

    Read with the article in one query, it keys the API's cached comment pages and their ETags; living in the
    database (not only the cache), it is right for every web process even with a per-process cache.
    """

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="comments_version"
    )
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.article_id}@{self.version}"
