"""The one place a comment's status changes, so counts and the audit trail can never drift from the rows.

Counts are denormalised (Article.comment_count, Comment.reply_count: published only) and updated here, in the
same transaction as the status change, as `count = count + delta` in the UPDATE so concurrent changes cannot lose one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationDecision

PUBLISHED = Comment.Status.PUBLISHED
# Fields a reader sees on a published comment: changing one in place notifies the on_comments_changed hooks.
VISIBLE_FIELDS = frozenset({"body", "author_name", "edited_at"})

# Called after commit with the article ids whose published comments changed (page fragments, ETags, ...), each
# with whether it also runs when the change moved the articles' published count.
_on_change_hooks: list[tuple[Callable[[set[int]], None], bool]] = []


def on_comments_changed(hook: Callable[[set[int]], None], *, when_counted: bool = True) -> Callable[[set[int]], None]:
    """Register `hook(article_ids)` to run after any commit that changed what readers see.

    `when_counted=False`: not after a change that also moved each article's published comment count (a new
    published comment), for a hook whose cache keys already hold that count."""
    _on_change_hooks.append((hook, when_counted))
    return hook


def _notify(article_ids: set[int], *, counted: bool = False) -> None:
    for hook, when_counted in _on_change_hooks:
        if when_counted or not counted:
            hook(article_ids)


# Called inside the changing transaction (e.g. a version counter that must commit together with the change).
_in_transaction_hooks: list[Callable[[set[int]], None]] = []


def on_comments_changing(hook: Callable[[set[int]], None]) -> Callable[[set[int]], None]:
    """Register `hook(article_ids)` to run inside every transaction that changes what readers see; it commits or
    rolls back with the change. Keep it to a statement or two: it runs under the change's locks."""
    _in_transaction_hooks.append(hook)
    return hook


def changed(article_ids: set[int], *, applied: tuple = (), counted: bool = False) -> None:
    """Call inside the transaction: in-transaction hooks now, after-commit hooks on commit.

    `applied`: in-transaction hooks whose write the caller already made in its own statement (posting on
    PostgreSQL writes the new comment, its counts and the comments version in one statement); they are skipped.
    `counted`: the change moved every one of these articles' published count (a new published comment).
    """
    for hook in _in_transaction_hooks:
        if hook not in applied:
            hook(article_ids)
    transaction.on_commit(lambda: _notify(article_ids, counted=counted))


def unapplied_hooks(applied: tuple) -> bool:
    """Whether an in-transaction hook other than `applied` is registered (the caller then needs a transaction)."""
    return any(hook not in applied for hook in _in_transaction_hooks)


@dataclass(frozen=True)
class Transition:
    comment: Comment
    before: str
    after: str
    decision: ModerationDecision | None


def apply_count_deltas(published_deltas: dict[tuple[int, int | None], int]) -> None:
    """Apply published-count deltas keyed by (article_id, parent_id); call inside the status change's transaction."""
    by_article: dict[int, int] = {}
    by_parent: dict[int, int] = {}
    for (article_id, parent_id), delta in published_deltas.items():
        by_article[article_id] = by_article.get(article_id, 0) + delta
        if parent_id is not None:
            by_parent[parent_id] = by_parent.get(parent_id, 0) + delta
    _add_counts(Article, "comment_count", by_article)
    _add_counts(Comment, "reply_count", by_parent)
    article_ids = set(by_article)
    if article_ids:
        changed(article_ids)


def _add_counts(model, field: str, deltas: dict[int, int]) -> None:
    """One UPDATE for all rows (a bulk decision touches hundreds of articles: one round trip, not hundreds).

    Written as SQL: for one row (every new comment) building the ORM's UPDATE costs five times running it, and
    for many Django's Case(When(...)) resolves and copies every branch, ~0.2 ms each, i.e. ~100 ms of Python for
    the few hundred articles of a 500-comment bulk, for the same statement."""
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return
    quote = connection.ops.quote_name
    table, column, pk_column = (
        quote(model._meta.db_table),
        quote(model._meta.get_field(field).column),
        quote(model._meta.pk.column),
    )
    if len(deltas) == 1:
        ((pk, delta),) = deltas.items()
        sql, params = f"UPDATE {table} SET {column} = {column} + %s WHERE {pk_column} = %s", [delta, pk]
    else:
        pks = sorted(deltas)
        whens = " ".join(["WHEN %s THEN %s"] * len(pks))
        sql = (
            f"UPDATE {table} SET {column} = {column} + CASE {pk_column} {whens} ELSE 0 END "
            f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))})"
        )
        params = [*(value for pk in pks for value in (pk, deltas[pk])), *pks]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def published_delta(before: str, after: str) -> int:
    return (after == PUBLISHED) - (before == PUBLISHED)


def comment_transition(
    *,
    comment: Comment,
    to_status: str,
    action: str | None,
    actor=None,
    reason: str = "",
    note: str = "",
    request_id: str = "",
    reviewed: bool | None = None,
    extra_fields: dict | None = None,
) -> Transition:
    """Move one comment to `to_status`, keep counts exact and write one audit row when `action` is given.

    Locks the row (select_for_update) and re-reads its status, so callers may pass a stale instance. With
    `reviewed` (default: an actor is given) the comment counts as seen by a person (leaves "unreviewed").
    `extra_fields` are saved in the same update (e.g. scoring results, an edited body).
    """
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        before = locked.status
        now = timezone.now()
        fields = {"status": to_status, **(extra_fields or {})}
        if before != to_status:
            fields["status_changed_at"] = now
        if reviewed if reviewed is not None else actor is not None:
            fields.update(reviewed_at=now, reviewed_by=actor)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
        delta = published_delta(before, to_status)
        if delta:
            apply_count_deltas({(locked.article_id, locked.parent_id): delta})
        elif to_status == PUBLISHED and VISIBLE_FIELDS & set(extra_fields or {}):
            # A published comment changed in place (an author's edit): readers see it, counts do not move.
            changed({locked.article_id})
        decision = None
        if action:
            decision = ModerationDecision.objects.create(
                comment=locked,
                actor=actor,
                action=action,
                reason=reason,
                note=note,
                status_before=before,
                status_after=to_status,
                created_at=now,
                request_id=request_id,
            )
    return Transition(comment=locked, before=before, after=to_status, decision=decision)
