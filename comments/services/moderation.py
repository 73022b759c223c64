"""Moderators' writes: decisions (one and bulk, with undo), leases, bans and word lists.

Every status change goes through the lifecycle (comment_transition, or apply_count_deltas for bulk paths in one
transaction), and every decision writes one ModerationDecision per comment in the same transaction. After a
person's approve / reject / spam commits, the spam model is told (comments.tasks.learn_from_decision), guarded
so that a dead broker or a missing task never fails the decision.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from comments.models import Ban, Comment, Flag, ModerationDecision, WordRule
from comments.selectors_moderation import lease_seconds, moderator_section_ids
from comments.services.lifecycle import apply_count_deltas, comment_transition, published_delta
from newsportal.errors import ApplicationError
from newsportal.transactions import atomic_retried

logger = logging.getLogger(__name__)

ACTIONS = ("approve", "reject", "spam", "restore")
TARGET = {
    "approve": Comment.Status.PUBLISHED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
    "restore": Comment.Status.PENDING,  # back to the pending queue for another look
}
REJECT_REASONS = {
    "off_topic": "Off-topic",
    "abuse": "Abuse",
    "spam": "Spam",
    "personal_data": "Personal data",
    "duplicate": "Duplicate",
    "other": "Other",
}
PAST_TENSE = {"approve": "approved", "reject": "rejected", "spam": "marked as spam", "restore": "put back to pending"}
LEARNING_ACTIONS = {"approve", "reject", "spam"}
MAX_BULK = 500
BULK_LEARNING = 20


def _check_action(action: str, reason: str) -> str:
    if action not in ACTIONS:
        raise ApplicationError(
            f"Unknown action {action!r}.", code="invalid", errors={"action": [f"One of {', '.join(ACTIONS)}."]}
        )
    if action == "reject":
        reason = reason or "other"
        if reason not in REJECT_REASONS:
            raise ApplicationError(
                f"Unknown reason {reason!r}.",
                code="invalid",
                errors={"reason": [f"One of {', '.join(REJECT_REASONS)}."]},
            )
    return reason[:100]


def _in_scope(section_id: int | None, scope: set[int] | None) -> bool:
    return scope is None or section_id in scope


def _enqueue_learning(decision_ids: list[int]) -> None:
    """Tell the spam model about people's decisions; never raise (the decision is already committed).

    One learn_from_decision task per decision; a bulk of more than BULK_LEARNING decisions sends the spam
    helper's one batch task instead (learn_pending: labels every recent decision without one, then learns),
    so a 500-comment bulk waits for one publish, not 500. A missing task (no spam app) is skipped quietly."""
    try:
        from comments import tasks
    except ImportError:
        return
    batch = getattr(tasks, "learn_pending", None)
    if len(decision_ids) > BULK_LEARNING and batch is not None:
        _publish(batch)
        return
    task = getattr(tasks, "learn_from_decision", None)
    if task is None:
        return
    for decision_id in decision_ids:
        _publish(task, decision_id)


def _publish(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # a dead broker must not fail a moderator's decision (the beat job catches up)
        logger.warning("could not enqueue %s%s", getattr(task, "name", task), args, exc_info=True)


def _after_commit_learning(decisions: Iterable[ModerationDecision], actor) -> None:
    ids = [d.pk for d in decisions if actor is not None and d.action in LEARNING_ACTIONS]
    if ids:
        transaction.on_commit(lambda: _enqueue_learning(ids))


def comment_decide(
    *, comment: Comment, action: str, actor, reason: str = "", request_id: str = "", note: str = ""
) -> ModerationDecision:
    """One moderator decision on one comment (any queue). Approving, rejecting or marking spam also resolves the
    comment's open reports; every decision releases the moderator's lease. Raises ApplicationError for an unknown
    action or reason, a deleted comment (409) or a comment outside the moderator's sections (403)."""
    reason = _check_action(action, reason)
    if not _in_scope(comment.article.section_id, moderator_section_ids(actor) if actor else None):
        raise ApplicationError("This comment is outside your sections.", code="out_of_scope", status=403)

    def decide_once() -> ModerationDecision:
        with transaction.atomic():
            if Comment.objects.filter(pk=comment.pk, status=Comment.Status.DELETED).exists():
                raise ApplicationError("The comment was deleted by its author.", code="comment_deleted", status=409)
            extra = {"leased_by": None, "lease_expires_at": None}
            if action != "restore":
                extra["flag_count"] = 0
                Flag.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=timezone.now())
            result = comment_transition(
                comment=comment,
                to_status=TARGET[action],
                action=action,
                actor=actor,
                reason=reason,
                note=note,
                request_id=request_id,
                extra_fields=extra,
            )
            _after_commit_learning([result.decision], actor)
        return result.decision

    return atomic_retried(decide_once)


@dataclass
class BulkResult:
    batch: str
    results: dict[int, str] = field(default_factory=dict)  # id -> "ok" | "not_found" | "deleted" | ...
    decisions: list[ModerationDecision] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return len(self.decisions)


def _decide_rows(
    *,
    ids: list[int],
    target: Callable[[Comment], str | None],
    action: str,
    actor,
    reason: str,
    note: str,
    request_id: str,
    resolve_flags: bool,
) -> BulkResult:
    """The bulk path: lock the chosen rows, change them with one UPDATE per target status, keep counts with
    apply_count_deltas and write the decisions with one INSERT, all in one transaction (run again if PostgreSQL
    cancels it to break a deadlock with another moderator's bulk: newsportal.transactions).
    `target(row)` gives a row's new status, or None to leave it alone (its result then says why: "changed")."""
    unique_ids = list(dict.fromkeys(ids))
    scope = moderator_section_ids(actor) if actor is not None else None
    return atomic_retried(
        lambda: _decide_rows_once(unique_ids, scope, target, action, actor, reason, note, request_id, resolve_flags)
    )


def _decide_rows_once(unique_ids, scope, target, action, actor, reason, note, request_id, resolve_flags) -> BulkResult:
    result = BulkResult(batch=uuid.uuid4().hex[:12])
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in Comment.objects.select_for_update(of=("self",))
            .filter(pk__in=unique_ids)
            .only("id", "status", "article_id", "parent_id")
        }
        sections = dict(
            Article.objects.filter(pk__in={r.article_id for r in rows.values()}).values_list("id", "section_id")
        )
        now = timezone.now()
        by_target: dict[tuple[str, bool], list[int]] = {}
        deltas: dict[tuple[int, int | None], int] = {}
        decisions = []
        for cid in unique_ids:
            row = rows.get(cid)
            if row is None:
                result.results[cid] = "not_found"
                continue
            if row.status == Comment.Status.DELETED:
                result.results[cid] = "deleted"
                continue
            if not _in_scope(sections.get(row.article_id), scope):
                result.results[cid] = "out_of_scope"
                continue
            after = target(row)
            if after is None:
                result.results[cid] = "changed"
                continue
            by_target.setdefault((after, after != row.status), []).append(cid)
            delta = published_delta(row.status, after)
            if delta:
                key = (row.article_id, row.parent_id)
                deltas[key] = deltas.get(key, 0) + delta
            decisions.append(
                ModerationDecision(
                    comment_id=cid,
                    actor=actor,
                    action=action,
                    reason=reason,
                    note=note,
                    status_before=row.status,
                    status_after=after,
                    created_at=now,
                    request_id=request_id,
                )
            )
            result.results[cid] = "ok"
        common = {"reviewed_at": now, "reviewed_by": actor, "leased_by": None, "lease_expires_at": None}
        if resolve_flags:
            common["flag_count"] = 0
        for (after, changed), chosen in by_target.items():
            fields = {**common, "status": after, **({"status_changed_at": now} if changed else {})}
            Comment.objects.filter(pk__in=chosen).update(**fields)
        decided_ids = [d.comment_id for d in decisions]
        if resolve_flags and decided_ids:
            Flag.objects.filter(comment_id__in=decided_ids, resolved_at__isnull=True).update(resolved_at=now)
        apply_count_deltas(deltas)
        result.decisions = ModerationDecision.objects.bulk_create(decisions)
        _after_commit_learning(result.decisions, actor)
    return result


def comments_decide_bulk(*, ids: list[int], action: str, actor, reason: str = "", request_id: str = "") -> BulkResult:
    """One decision on up to MAX_BULK comments in one transaction; one audit row per comment decided.
    Comments that are gone, deleted by their author or outside the moderator's sections are reported per id."""
    reason = _check_action(action, reason)
    if not ids:
        raise ApplicationError("No comments chosen.", code="invalid", errors={"ids": ["Choose at least one."]})
    if len(ids) > MAX_BULK:
        raise ApplicationError(
            f"At most {MAX_BULK} comments at once.", code="invalid", errors={"ids": [f"At most {MAX_BULK}."]}
        )
    status = TARGET[action]
    return _decide_rows(
        ids=ids,
        target=lambda row: status,
        action=action,
        actor=actor,
        reason=reason,
        note="",
        request_id=request_id,
        resolve_flags=action != "restore",
    )


def decisions_undo(*, decision_ids: list[int], actor, request_id: str = "") -> BulkResult:
    """Undo decisions (typically one bulk): each comment goes back to its status before, audited as a restore.
    A comment that changed again since is left alone (result "changed")."""
    if len(decision_ids) > MAX_BULK:
        raise ApplicationError(f"At most {MAX_BULK} decisions at once.", code="invalid")
    undo = {
        d.comment_id: d
        for d in ModerationDecision.objects.filter(pk__in=decision_ids).exclude(action=ModerationDecision.Action.BAN)
    }

    def previous(row: Comment) -> str | None:
        decision = undo[row.pk]
        return decision.status_before if row.status == decision.status_after else None

    return _decide_rows(
        ids=list(undo),
        target=previous,
        action=ModerationDecision.Action.RESTORE,
        actor=actor,
        reason="undo",
        note="undo of decisions " + ",".join(str(d.pk) for d in undo.values())[:500],
        request_id=request_id,
        resolve_flags=False,
    )


def comments_lease(*, ids: list[int], moderator, seconds: int | None = None) -> int:
    """Hold these cards for `seconds` (NEWSPORTAL_LEASE_SECONDS) so other moderators' batches skip them. Cards
    another moderator holds under a live lease are left alone. A lease ends by itself (a time comparison)."""
    now = timezone.now()
    until = now + timedelta(seconds=lease_seconds() if seconds is None else seconds)
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now) | Q(leased_by=moderator)
    return Comment.objects.filter(free, pk__in=ids).update(leased_by=moderator, lease_expires_at=until)


def comments_lease_page(*, queryset, offset: int, limit: int, moderator, seconds: int | None = None) -> list[int]:
    """Lease the page `queryset[offset:offset + limit]` of a pending queue (in its order, with other moderators'
    live leases left out: comment_list_moderation_queue(..., skip_leased=True)) to `moderator`; returns its ids.

    On PostgreSQL one statement picks and leases the page, `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`:
    rows another moderator is leasing at this instant are skipped instead of shown to both, so two moderators
    opening the queue together get different cards. Elsewhere (SQLite serialises writers) the page is read, then
    leased with comments_lease."""
    page = queryset.values_list("id", flat=True)[offset : offset + limit]
    if connection.vendor != "postgresql":
        ids = list(page)
        comments_lease(ids=ids, moderator=moderator, seconds=seconds)
        return ids
    until = timezone.now() + timedelta(seconds=lease_seconds() if seconds is None else seconds)
    sql, params = page.query.sql_with_params()
    table = connection.ops.quote_name(Comment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET leased_by_id = %s, lease_expires_at = %s "
            f"FROM ({sql} FOR UPDATE OF {table} SKIP LOCKED) AS page WHERE {table}.id = page.id "
            f"RETURNING {table}.id",
            [moderator.pk, until, *params],
        )
        return [row[0] for row in cursor.fetchall()]


# --- bans -------------------------------------------------------------------------------------------------


@dataclass
class BanResult:
    ban: Ban
    rejected: list[int] = field(default_factory=list)


def _ban_value(kind: str, value: str | None, comment: Comment | None) -> str:
    if value:
        value = value.strip()
        return value.lower() if kind == Ban.Kind.EMAIL else value
    if comment is None:
        raise ApplicationError("Say whom to ban.", code="invalid", errors={"value": ["A value or a comment."]})
    taken = {
        Ban.Kind.USER: str(comment.user_id or ""),
        Ban.Kind.IP: comment.ip_hash,
        Ban.Kind.EMAIL: comment.author_email.lower(),
    }[kind]
    if not taken:
        raise ApplicationError(f"This comment has no {kind} to ban.", code="invalid", errors={"kind": ["Not known."]})
    return taken


def _pending_by(kind: str, value: str):
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    if kind == Ban.Kind.USER:
        return pending.filter(user_id=int(value)) if value.isdigit() else pending.none()
    if kind == Ban.Kind.IP:
        return pending.filter(ip_hash=value)
    return pending.filter(author_email__iexact=value)


def ban_create(
    *,
    kind: str,
    actor,
    value: str | None = None,
    comment: Comment | None = None,
    reason: str = "",
    expires_at: datetime | None = None,
    reject_pending: bool = False,
    request_id: str = "",
) -> BanResult:
    """Ban an author by account, IP hash or e-mail (taken from `comment` when no value is given), optionally until
    `expires_at`; with `reject_pending` their pending comments are rejected in the same transaction (audited)."""
    if kind not in Ban.Kind.values:
        raise ApplicationError("Unknown ban kind.", code="invalid", errors={"kind": [f"One of {Ban.Kind.values}."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("The expiry is in the past.", code="invalid", errors={"expires_at": ["In the future."]})
    value = _ban_value(kind, value, comment)
    with transaction.atomic():
        ban = Ban.objects.create(kind=kind, value=value, reason=reason[:300], created_by=actor, expires_at=expires_at)
        if comment is not None:
            ModerationDecision.objects.create(
                comment=comment,
                actor=actor,
                action=ModerationDecision.Action.BAN,
                reason=kind,
                note=reason,
                status_before=comment.status,
                status_after=comment.status,
                request_id=request_id,
            )
        rejected: list[int] = []
        if reject_pending:
            ids = list(_pending_by(kind, value).values_list("id", flat=True))
            for start in range(0, len(ids), MAX_BULK):
                done = _decide_rows(
                    ids=ids[start : start + MAX_BULK],
                    target=lambda row: Comment.Status.REJECTED,
                    action=ModerationDecision.Action.REJECT,
                    actor=actor,
                    reason="abuse",
                    note=f"author banned (ban {ban.pk})",
                    request_id=request_id,
                    resolve_flags=True,
                )
                rejected += [cid for cid, outcome in done.results.items() if outcome == "ok"]
    return BanResult(ban=ban, rejected=rejected)


def ban_lift(*, ban: Ban, actor) -> Ban:
    """End a ban now (kept as a row, so the history stays)."""
    ban.expires_at = timezone.now()
    ban.save(update_fields=["expires_at"])
    logger.info("ban %s lifted by %s", ban.pk, actor)
    return ban


# --- word lists -------------------------------------------------------------------------------------------


def word_rule_add(*, kind: str, word: str, actor) -> WordRule:
    word = " ".join(word.split()).lower()
    if kind not in WordRule.Kind.values:
        raise ApplicationError("Unknown list.", code="invalid", errors={"kind": [f"One of {WordRule.Kind.values}."]})
    if not word or len(word) > 100:
        raise ApplicationError("A word of 1 to 100 characters.", code="invalid", errors={"word": ["1 to 100 chars."]})
    rule, created = WordRule.objects.get_or_create(kind=kind, word=word, defaults={"created_by": actor})
    if not created:
        raise ApplicationError(f"{word!r} is already on the list.", code="duplicate", status=409)
    return rule


def word_rule_remove(*, rule: WordRule, actor) -> None:
    logger.info("word rule %s (%s) removed by %s", rule.word, rule.kind, actor)
    rule.delete()
