"""Comments, reader reports, moderation policy and its audit trail.

A comment's moderation state is the one `status` field; queues are selectors over it (comments/selectors.py).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

# One length rule for the form, the API and the database (the CheckConstraint below).
BODY_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 80
# Replies are stored under a materialized path of fixed-width segments (one per ancestor, base-36 ids), so a
# reply is inserted without touching any other row and a thread reads in order with one index range scan.
PATH_SEGMENT = 8
MAX_DEPTH = 100


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        DELETED = "deleted", "Deleted"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The top-level comment of the thread (empty for a top-level comment).",
    )
    depth = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=PATH_SEGMENT * (MAX_DEPTH + 1), blank=True, editable=False)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author_name = models.CharField(max_length=NAME_MAX_LENGTH)
    author_email = models.EmailField(blank=True)
    body = models.TextField(max_length=BODY_MAX_LENGTH)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Set when a person (not the system) last decided on it: published + never reviewed = the "unreviewed" queue.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hold_reasons = models.JSONField(default=list, blank=True, help_text="Why the gates or the policy held it.")

    # Denormalised, kept in the same transaction as every status change (reconcile_counts proves them).
    reply_count = models.PositiveIntegerField(default=0, help_text="Published direct replies.")
    flag_count = models.PositiveIntegerField(default=0, help_text="Open reader reports.")

    # Who sent it, without keeping raw personal data: salted hashes of client IP and user agent.
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    ua_hash = models.CharField(max_length=64, blank=True)
    signals = models.JSONField(default=dict, blank=True, help_text="Captured at posting: honeypot, time to submit.")
    secret_hash = models.CharField(max_length=128, blank=True, help_text="Hash of the guest's edit secret.")
    body_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Fingerprint of the text (the repeated-text gate)."
    )

    spam_score = models.FloatField(null=True, blank=True)
    spam_reasons = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)

    # A moderator's lease on the card, so two moderators never work the same comment. Neither lease column is
    # indexed, so taking or renewing a lease (every opening of the pending page) is a HOT update on PostgreSQL:
    # it adds no entry to the table's indexes (with an index here, 25 new entries in each of ~20 indexes, the
    # trigram one included, per page view). Nothing looks comments up by their lease holder.
    leased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The pending queue's order, kept by a database trigger (comments/moderation/priority.py explains the formula):
    # every writer (posting, scoring, reports) changes its inputs without having to know about it.
    priority = models.FloatField(default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("can_moderate", "Can moderate comments")]
        indexes = [
            models.Index(fields=["article", "status", "parent", "created_at"], name="comment_article_list"),
            models.Index(fields=["article", "path"], name="comment_thread"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
            models.Index(fields=["user", "status"], name="comment_author"),
            models.Index(fields=["scored_at", "status"], name="comment_unscored"),
            models.Index(fields=["body_hash", "created_at"], name="comment_repeated_text"),
            models.Index(fields=["article", "status", "parent", "-reply_count"], name="comment_most_replies"),
            # Moderation queues (comments/selectors_moderation.py): each pages and counts through its own index.
            models.Index(
                fields=["-priority", "id"], name="comment_pending_priority", condition=models.Q(status="pending")
            ),
            models.Index(
                fields=["-created_at"],
                name="comment_unreviewed",
                condition=models.Q(status="published", reviewed_at__isnull=True),
            ),
            models.Index(
                fields=["-flag_count", "-created_at"],
                name="comment_reported",
                condition=models.Q(status="published", flag_count__gt=0),
            ),
            models.Index(
                fields=["article"],
                name="comment_reviewed_published",
                condition=models.Q(status="published", reviewed_at__isnull=False),
            ),
            models.Index(fields=["author_email", "status"], name="comment_author_email"),
        ]
        constraints = [
            # A deleted comment may keep an empty body (its tombstone); every other one obeys the length rule.
            models.CheckConstraint(
                condition=models.Q(status="deleted")
                | models.Q(GreaterThanOrEqual(Length("body"), 1), LessThanOrEqual(Length("body"), BODY_MAX_LENGTH)),
                name="comment_body_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:50]}"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


class Flag(models.Model):
    """A reader's report on a comment; one per reader per comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.TextField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_key = models.CharField(max_length=80, help_text="user:<id>, or a salted hash of a guest's client.")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["comment", "reporter_key"], name="flag_one_per_reader")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.comment_id}"


class Ban(models.Model):
    class Kind(models.TextChoices):
        USER = "user", "User"
        IP = "ip", "IP (hashed)"
        EMAIL = "email", "E-mail"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text="User id, IP hash or lower-cased e-mail address.")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "value"], name="ban_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} ban {self.value}"


class WordRule(models.Model):
    """A banned word rejects a comment outright; a suspect word holds it for a moderator."""

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned (reject)"
        SUSPECT = "suspect", "Suspect (hold for review)"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    word = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "word"]
        constraints = [models.UniqueConstraint(fields=["kind", "word"], name="wordrule_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.word}"


class ModerationPolicy(models.Model):
    """How comments are moderated in a section, or in one article (an article's own policy wins)."""

    class Mode(models.TextChoices):
        POST = "post", "Post-moderation (publish at once)"
        PRE_ALL = "pre_all", "Pre-moderate all comments"
        PRE_GUESTS = "pre_guests", "Pre-moderate guests"
        PRE_LINKS = "pre_links", "Pre-moderate comments with links"
        PRE_NEW = "pre_new", "Pre-moderate new commenters"

    section = models.OneToOneField(
        "articles.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_policy"
    )
    article = models.OneToOneField(
        "articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_policy"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.POST)
    new_commenter_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="With 'pre-moderate new commenters': approved comments needed before publishing at once."
    )
    comments_closed = models.BooleanField(default=False)
    auto_close_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Close comments this many days after publication."
    )
    spam_hold_threshold = models.FloatField(default=0.5, help_text="Spam score at or above which a comment is held.")
    spam_threshold = models.FloatField(default=0.9, help_text="Spam score at or above which a comment is spam.")

    class Meta:
        verbose_name_plural = "moderation policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(section__isnull=False, article__isnull=True)
                | models.Q(section__isnull=True, article__isnull=False),
                name="policy_for_section_or_article",
            ),
        ]

    def __str__(self) -> str:
        return f"Policy for {self.article or self.section}"


class ModerationDecision(models.Model):
    """The audit trail: one row per comment per decision, written in the same transaction as the change."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        SPAM = "spam", "Spam"
        RESTORE = "restore", "Restore"
        DELETE = "delete", "Delete"
        EDIT = "edit", "Edit"
        BAN = "ban", "Ban author"
        SCORE = "score", "Scored by the system"
        REPORT = "report", "Reported by readers"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: the system decided.",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    status_before = models.CharField(max_length=10, choices=Comment.Status.choices)
    status_after = models.CharField(max_length=10, choices=Comment.Status.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "created_at"], name="decision_actor")]

    def __str__(self) -> str:
        return f"{self.action} {self.comment_id} by {self.actor or 'system'}"


class QueueCount(models.Model):
    """Comments per (article, status, reviewed by a person), kept by a PostgreSQL statement-level trigger in the
    same transaction as every insert, update and delete of a comment (comments/queue_counts.py), so the moderation
    queues' exact counts for one article are a sum over a few rows (SectionQueueCount below serves the unfiltered
    and section counts) instead of a scan of a million. SQLite (the embedded
    default) has no statement triggers: there the counts are plain COUNT queries and this table stays empty."""

    article_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Comment.Status.choices)
    reviewed = models.BooleanField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article_id", "status", "reviewed"], name="queuecount_unique"),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} {self.status}{' reviewed' if self.reviewed else ''}: {self.n}"


class SectionQueueCount(models.Model):
    """The same counts per (section, status, reviewed), in a few stripes per key (summed on read), kept by the same
    PostgreSQL triggers in the same statement (comments/queue_counts.py), so the unfiltered and section-scoped queue
    counts read a few hundred rows however many articles there are. A stripe spreads concurrent writers in one
    section over several rows (each transaction writes the stripe of its transaction id); article moves between
    sections write their own stripe. Empty on SQLite, like QueueCount."""

    section_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Comment.Status.choices)
    reviewed = models.BooleanField()
    stripe = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section_id", "status", "reviewed", "stripe"], name="sectionqueuecount_unique"
            ),
        ]

    def __str__(self) -> str:
        reviewed = " reviewed" if self.reviewed else ""
        return f"section {self.section_id} {self.status}{reviewed} (stripe {self.stripe}): {self.n}"


class ModeratorScope(models.Model):
    """Limits a moderator to some sections; a moderator with no scope rows moderates every section."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_scopes")
    section = models.ForeignKey("articles.Section", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "section"], name="moderatorscope_unique")]

    def __str__(self) -> str:
        return f"{self.user} moderates {self.section}"


def thread_path(parent_path: str, comment_id: int) -> str:
    """The materialized path of a comment: its parent's path plus its own id as one fixed-width base-36 segment.

    Sorting by path lists a thread depth-first with every reply under its parent, oldest first.
    """
    digits, n = "", comment_id
    while True:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
        if n == 0:
            break
    return parent_path + digits.rjust(PATH_SEGMENT, "0")


class SpamModel(models.Model):
    """One trained spam text model (comments.spam.model.TextModel, serialised); exactly one is active.

    Its version is "<id>.<revision>": online learning updates the active row in place and bumps `revision`, a
    promoted full retrain is a new row. Workers compare the active version (kept in the cache) with the one they
    hold and reload when it changed, without a restart.
    """

    class Kind(models.TextChoices):
        BOOTSTRAP = "bootstrap", "Bootstrap corpus"
        FULL = "full", "Full retrain from labels"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=0, help_text="Online updates applied since it was trained.")
    is_active = models.BooleanField(default=False)
    labels_seen = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True, help_text="Holdout metrics when trained; why (not) promoted.")
    blob = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="spammodel_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"spam model {self.version} ({self.kind}{', active' if self.is_active else ''})"

    @property
    def version(self) -> str:
        return f"{self.pk}.{self.revision}"


class SpamLabel(models.Model):
    """A training label from one person's decision (see comments.spam.learning.label_for_decision).

    The text is copied as it was when decided. Holdout labels (a fixed share by comment id) are never trained on;
    they judge whether a retrained model may be promoted. `applied` = learned by the active model.
    """

    decision = models.OneToOneField(ModerationDecision, on_delete=models.CASCADE, related_name="spam_label")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    is_spam = models.BooleanField()
    weight = models.FloatField(default=1.0)
    holdout = models.BooleanField(default=False)
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["applied", "holdout"], name="spamlabel_pending")]

    def __str__(self) -> str:
        return f"{'spam' if self.is_spam else 'ham'} label for comment {self.comment_id}"
