"""Posting a comment: the synchronous gates, the initial status, the save and the hand-off to spam scoring.

Gates run in this order (docs/comments.md): article open -> bans -> rate limits -> honeypot -> banned words ->
suspect words, links, repeated text -> length and required fields -> policy. A gate either refuses the comment
(ApplicationError, nothing saved) or adds a reason to hold it as pending for a moderator.
"""

import hashlib
import hmac
import logging
import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from articles.models import Article
from comments import policy, ratelimit, text
from comments.models import (
    BODY_MAX_LENGTH,
    MAX_DEPTH,
    NAME_MAX_LENGTH,
    Ban,
    Comment,
    ModerationPolicy,
    WordRule,
    thread_path,
)
from comments.selectors import article_closed_reason, default_policy, policy_for_article, policy_sql
from comments.services import lifecycle
from comments.services.lifecycle import apply_count_deltas
from newsportal.db import fetch_one, instance_from_row, new_instance, select_columns
from newsportal.errors import ApplicationError
from newsportal.http import ClientInfo
from newsportal.services import comments_version_bump, comments_version_upsert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommentCreated:
    comment: Comment
    secret: str | None  # a guest's edit secret in plain text: returned once, stored only as a hash
    published: bool


def comment_create(
    *,
    article: Article,
    body: str,
    client: ClientInfo,
    user=None,
    author_name: str = "",
    author_email: str = "",
    parent: Comment | None = None,
    signals: dict | None = None,
) -> CommentCreated:
    """Run the gates, save the comment as published or pending, count it, and enqueue scoring after commit.

    `body` is normalised once (CRLF -> LF) and otherwise stored exactly. `signals` are what the client side
    observed: {"honeypot": bool, "seconds_to_submit": float, ...}; they are kept on the comment for scoring.
    """
    user = user if user is not None and user.is_authenticated else None
    body = text.normalise_body(body)
    signals = dict(signals or {})
    now = timezone.now()

    ip_hash = client.ip_hash
    body_hash = text.fingerprint(body)
    found = _lookups(user=user, ip_hash=ip_hash, email=author_email, body_hash=body_hash, article=article, now=now)
    article, effective = found.article, found.policy
    _check_open(article, now=now, effective=effective)
    if found.banned:
        raise ApplicationError("You may not post comments at the moment.", code="banned", status=403)
    _check_rate_limits(article=article, ip_hash=ip_hash)
    hold = _honeypot_reasons(signals)
    check_banned_words(body, author_name, patterns=found.patterns)
    hold += hold_reasons_for_text(body, patterns=found.patterns)
    if found.repeated:
        hold.append("repeated_text")
    name = user.get_username() if user else author_name
    _validate(body=body, name=name, email=author_email, is_guest=user is None)

    decision = policy_decision(
        article=article, body=body, user=user, email=author_email, hold_reasons=hold, effective=effective
    )
    secret = None if user else secrets.token_urlsafe(24)
    comment = new_instance(
        Comment,
        related={"article": article, "user": user},
        id=found.comment_id,
        article_id=article.pk,
        user_id=user.pk if user else None,
        author_name=name,
        author_email=author_email,
        body=body,
        body_hash=body_hash,
        status=decision.status,
        created_at=now,
        status_changed_at=now,
        hold_reasons=decision.reasons,
        ip_hash=ip_hash,
        ua_hash=client.ua_hash,
        signals=signals,
        secret_hash=secret_hash(secret) if secret else "",
    )
    if found.comment_id is not None:
        _save_in_one_statement(comment, parent=parent, published=decision.published)
    else:
        _save(comment, parent=parent, published=decision.published)
    enqueue_scoring_on_commit(comment.pk)
    return CommentCreated(comment=comment, secret=secret, published=decision.published)


def _place(comment: Comment, parent: Comment | None) -> None:
    """Set the comment's place in its thread from its (locked) parent; the path (it ends with the comment's id)
    once the id is known."""
    comment.parent = parent
    comment.root_id = (parent.root_id or parent.pk) if parent else None
    comment.depth = parent.depth + 1 if parent else 0
    comment.path = thread_path(parent.path if parent else "", comment.pk) if comment.pk else ""


def _save(comment: Comment, *, parent: Comment | None, published: bool) -> None:
    """The portable save (SQLite): the id is known after the INSERT, so the path follows in an UPDATE."""
    with transaction.atomic():
        if parent is not None:
            parent = _lock_parent(parent, article=comment.article)
        _place(comment, parent)
        comment.save(force_insert=True)
        _place(comment, parent)
        comment.save(update_fields=["path"])
        if published:
            apply_count_deltas({(comment.article_id, parent.pk if parent else None): 1})


def _save_in_one_statement(comment: Comment, *, parent: Comment | None, published: bool) -> None:
    """PostgreSQL: the comment, its article's count, its parent's reply count and the article's comments version
    in one prepared statement (data-modifying CTEs: all of it or none), the id drawn beforehand by _lookups.

    A top-level comment then needs no transaction of its own (the statement is one); a reply locks its parent
    first, in a transaction with the statement. The counts and the version are what apply_count_deltas and its
    in-transaction hook comments_version_bump write; any other in-transaction hook still runs, in a transaction.
    """
    applied = (comments_version_bump,) if published else ()
    needs_transaction = parent is not None or (published and lifecycle.unapplied_hooks(applied))
    with transaction.atomic() if needs_transaction else nullcontext():
        if parent is not None:
            parent = _lock_parent(parent, article=comment.article)
        _place(comment, parent)
        values = [getattr(comment, field.attname) for field in _COMMENT_FIELDS]
        params = [
            field.get_db_prep_save(value, connection) if field in _PREPARED_FIELDS else value
            for field, value in zip(_COMMENT_FIELDS, values, strict=True)
        ]
        if published:
            changed_at = comment.created_at
            params += [comment.article_id, *([parent.pk] if parent is not None else []), comment.article_id, changed_at]
        fetch_one(_insert_sql(published=published, reply=parent is not None), params)
        comment._state.adding, comment._state.db = False, connection.alias
        if published:
            lifecycle.changed({comment.article_id}, applied=applied, counted=True)


_COMMENT_FIELDS = Comment._meta.concrete_fields
# The values psycopg cannot bind as they are: JSON (Django wraps it). Every other field holds what comment_create
# put there, already of the column's type (int, str, aware datetime, float, None), and asking each of the 31
# fields for its database value cost about 5% of the POST's Python.
_PREPARED_FIELDS = frozenset(field for field in _COMMENT_FIELDS if isinstance(field, models.JSONField))


@cache
def _insert_sql(*, published: bool, reply: bool) -> str:
    """The statement of _save_in_one_statement (one text per shape, each prepared once per connection)."""
    quote = connection.ops.quote_name
    comments, articles = quote(Comment._meta.db_table), quote(Article._meta.db_table)
    values = ", ".join(["%s"] * len(_COMMENT_FIELDS))
    parts = [f"new AS (INSERT INTO {comments} ({select_columns(Comment)}) VALUES ({values}) RETURNING id)"]
    if published:
        parts.append(f"article_count AS (UPDATE {articles} SET comment_count = comment_count + 1 WHERE id = %s)")
        if reply:
            parts.append(f"reply_count AS (UPDATE {comments} SET reply_count = reply_count + 1 WHERE id = %s)")
        parts.append(f"version AS ({comments_version_upsert('VALUES (%s, 1, %s)')})")
    return "WITH " + ",\n".join(parts) + "\nSELECT id FROM new"


def policy_decision(
    *,
    article: Article,
    body: str,
    user,
    email: str,
    hold_reasons: list[str],
    effective: ModerationPolicy | None = None,
) -> policy.InitialStatus:
    """Where a new or edited text starts under the article's effective policy (read unless given), given the
    gates' hold reasons."""
    effective = effective or policy_for_article(article)
    return policy.initial_status(
        mode=effective.mode,
        is_guest=user is None,
        has_links=bool(text.find_links(body)),
        approved_count=_approved_count(user=user, email=email, mode=effective.mode),
        new_commenter_threshold=effective.new_commenter_threshold,
        hold_reasons=hold_reasons,
    )


def secret_hash(secret: str) -> str:
    """A guest's edit secret is a random 192-bit token, so a keyed SHA-256 is enough (no slow password hash)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256${digest}"


def secret_matches(comment: Comment, secret: str | None) -> bool:
    return bool(secret and comment.secret_hash) and hmac.compare_digest(comment.secret_hash, secret_hash(secret))


def enqueue_scoring_on_commit(comment_id: int) -> None:
    """After commit, hand the comment to spam scoring through this process's outbox (comments.dispatch: batched,
    published off the request path); a dead broker is logged, never raised (the sweeper re-enqueues comments
    that stay unscored)."""
    from comments.dispatch import submit

    transaction.on_commit(lambda: submit(comment_id))


# --- gates ---------------------------------------------------------------------------------------------------


def _check_open(article: Article, *, now, effective: ModerationPolicy) -> None:
    if not article.is_published:
        raise ApplicationError("No such article.", code="not_found", status=404)
    reason = article_closed_reason(article, now=now, effective=effective)
    if reason:
        raise ApplicationError(reason, code="comments_closed", status=403)


@dataclass(frozen=True)
class Lookups:
    """What the gates read from the database about a new comment, fetched together (_lookups)."""

    banned: bool  # an active ban on the client's IP, user or e-mail
    repeated: bool  # the same text recently from the same client (any article), or on another article
    patterns: dict  # WordRule kind -> one pattern of its words, or None (word_patterns)
    article: Article  # the article as it is now (the caller's copy may be older: the API's is cached)
    policy: ModerationPolicy  # the article's effective moderation policy (comments.selectors.policy_for_article)
    comment_id: int | None  # PostgreSQL: the new comment's id, drawn from its sequence (its path needs it)


# Posting reads five things before it writes: the article as it is now, its effective policy, the word rules,
# whether a ban applies and whether the text was just posted. Every statement of the POST costs a round trip and
# ORM work, so:
# - On PostgreSQL they are one prepared statement (newsportal.db: planning the recursive policy walk cost more
#   than running it) returning one row (none: the article is gone): the article's columns that the gates read,
#   the word rules as an array of (kind, word), the two EXISTS, the new comment's id drawn from the table's
#   sequence (so the INSERT carries the comment's path, which ends with its id; an id drawn for a comment that a
#   gate then refuses is a gap in the ids, as a rolled-back INSERT leaves one) and the nearest policy's columns
#   (NULL: none). Its text is fixed: an absent user or e-mail is a NULL that matches no ban.
# - On SQLite, one statement returns the word rules as (kind, word) rows plus a marker row for each EXISTS that
#   holds (the markers are no WordRule kind); the article and the policy are read by their own queries.
# The indexes used are ban_lookup and comment_repeated_text.
_BAN_SQL = """SELECT 1 FROM {bans} WHERE ({who}) AND (expires_at IS NULL OR expires_at > %s)"""
_REPEATED_SQL = """SELECT 1 FROM {comments}
    WHERE body_hash = %s AND created_at >= %s AND (ip_hash = %s OR article_id <> %s)"""
BAN_MARKER, REPEATED_MARKER = ":ban", ":repeat"
_LOOKUPS_SQL = """
SELECT CAST(kind AS TEXT), CAST(word AS TEXT) FROM {words}
UNION ALL
SELECT '{ban_marker}', '' WHERE EXISTS ({ban})
UNION ALL
SELECT '{repeated_marker}', '' WHERE EXISTS ({repeated})
"""
_PG_LOOKUPS_SQL = """
WITH RECURSIVE {chain}
SELECT
    {article_columns},
    ARRAY(SELECT ARRAY[CAST(kind AS TEXT), CAST(word AS TEXT)] FROM {words}),
    EXISTS ({ban}),
    EXISTS ({repeated}),
    nextval(CAST('{sequence}' AS regclass)),
    {policy_columns}
FROM {articles} AS article LEFT JOIN LATERAL ({nearest}) AS policy ON TRUE
WHERE article.id = %s
"""


@cache
def _pg_lookups_sql() -> str:
    quote = connection.ops.quote_name
    articles = quote(Article._meta.db_table)
    chain, nearest = policy_sql(start=f"(SELECT section_id FROM {articles} WHERE id = %s)")
    who = " OR ".join(f"(kind = '{kind}' AND value = %s)" for kind in (Ban.Kind.IP, Ban.Kind.USER, Ban.Kind.EMAIL))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Comment._meta.db_table])
        (sequence,) = cursor.fetchone()
    return _PG_LOOKUPS_SQL.format(
        chain=chain,
        article_columns=", ".join(f"article.{quote(Article._meta.get_field(name).column)}" for name in _GATE_FIELDS),
        articles=articles,
        words=quote(WordRule._meta.db_table),
        ban=_BAN_SQL.format(bans=quote(Ban._meta.db_table), who=who),
        repeated=_REPEATED_SQL.format(comments=quote(Comment._meta.db_table)),
        sequence=sequence,
        policy_columns=", ".join(f"policy.{quote(field.column)}" for field in ModerationPolicy._meta.concrete_fields),
        nearest=nearest,
    )


# What the gates read of an article. The lookup statement returns these columns only (a whole article row cost a
# POST a dozen column conversions, timestamps among them); where the caller's copy agrees on all of them, it
# serves as is.
_GATE_FIELDS = ("status", "published_at", "comments_open", "comments_close_at", "section_id")


def _current(article: Article, gate_values) -> Article | None:
    """The caller's article if the fresh values (PostgreSQL: they need no conversion) of every field the gates
    read agree with it, else the article read again (None: it is gone). The caller's copy may be cached
    (comments.api.selectors.published_article); it is stale only after an editor changed one of these."""
    if all(getattr(article, name) == value for name, value in zip(_GATE_FIELDS, gate_values, strict=True)):
        return article
    return Article.objects.filter(pk=article.pk).first()


def _lookups(*, user, ip_hash: str, email: str, body_hash: str, article: Article, now) -> Lookups:
    """The article's effective policy; bans on the IP, user or e-mail; the same text within
    NEWSPORTAL_DUPLICATE_WINDOW_MINUTES from this client on any article or from anyone on another article; and
    the word rules."""
    adapt = connection.ops.adapt_datetimefield_value
    since = now - timedelta(minutes=settings.NEWSPORTAL_DUPLICATE_WINDOW_MINUTES)
    email_key = email.strip().lower() if email else None
    repeated_params = [body_hash, adapt(since), ip_hash, article.pk]
    if connection.vendor == "postgresql":
        params = [
            article.pk,
            *(ip_hash, str(user.pk) if user is not None else None, email_key, now),
            *repeated_params,
            article.pk,
            article.pk,
        ]
        row = fetch_one(_pg_lookups_sql(), params, read_only=True)  # nextval aside, which only leaves a gap
        if row is None:
            raise ApplicationError("No such article.", code="not_found", status=404)
        split = len(_GATE_FIELDS)
        words, banned, repeated, comment_id, *policy_row = row[split:]
        has_policy = policy_row[0] is not None
        fresh = _current(article, row[:split])
        if fresh is None:
            raise ApplicationError("No such article.", code="not_found", status=404)
        return Lookups(
            banned=banned,
            repeated=repeated,
            patterns=_patterns(words),
            article=fresh,
            policy=instance_from_row(ModerationPolicy, policy_row) if has_policy else default_policy(),
            comment_id=comment_id,
        )

    who, who_params = ["(kind = %s AND value = %s)"], [Ban.Kind.IP, ip_hash]
    if user is not None:
        who.append("(kind = %s AND value = %s)")
        who_params += [Ban.Kind.USER, str(user.pk)]
    if email_key:
        who.append("(kind = %s AND value = %s)")
        who_params += [Ban.Kind.EMAIL, email_key]
    quote = connection.ops.quote_name
    sql = _LOOKUPS_SQL.format(
        words=quote(WordRule._meta.db_table),
        ban=_BAN_SQL.format(bans=quote(Ban._meta.db_table), who=" OR ".join(who)),
        repeated=_REPEATED_SQL.format(comments=quote(Comment._meta.db_table)),
        ban_marker=BAN_MARKER,
        repeated_marker=REPEATED_MARKER,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*who_params, adapt(now), *repeated_params])
        rows = cursor.fetchall()
    markers = {kind for kind, _ in rows if kind in (BAN_MARKER, REPEATED_MARKER)}
    fresh = Article.objects.filter(pk=article.pk).first()
    if fresh is None:
        raise ApplicationError("No such article.", code="not_found", status=404)
    return Lookups(
        article=fresh,
        banned=BAN_MARKER in markers,
        repeated=REPEATED_MARKER in markers,
        patterns=_patterns((kind, word) for kind, word in rows if kind not in markers),
        policy=policy_for_article(fresh),
        comment_id=None,
    )


def _check_rate_limits(*, article: Article, ip_hash: str) -> None:
    if not settings.NEWSPORTAL_RATE_LIMITS_ENABLED:
        return
    limits = [
        (f"client:{ip_hash}", settings.NEWSPORTAL_RATE_LIMIT_CLIENT),
        (f"article:{article.pk}", settings.NEWSPORTAL_RATE_LIMIT_ARTICLE),
    ]
    for key, rate in limits:
        retry_after = ratelimit.hit(f"comments:{key}", ratelimit.Rate.parse(rate))
        if retry_after is not None:
            raise ApplicationError(
                f"Too many comments; please try again in {retry_after} seconds.",
                code="rate_limited",
                status=429,
                headers={"Retry-After": str(retry_after)},
            )


def _honeypot_reasons(signals: dict) -> list[str]:
    """A filled honeypot or a form sent faster than a person types is held silently (never rejected: the bot
    learns nothing, and a moderator can still release a false positive)."""
    reasons = []
    if signals.get("honeypot"):
        reasons.append("honeypot")
    seconds = signals.get("seconds_to_submit")
    if isinstance(seconds, int | float) and seconds < settings.NEWSPORTAL_FORM_MIN_SECONDS:
        reasons.append("too_fast")
    return reasons


def word_patterns() -> dict[str, re.Pattern | None]:
    """The banned and the suspect words, each kind as one pattern (None: no words of that kind); one query."""
    return _patterns(WordRule.objects.order_by().values_list("kind", "word"))


def _patterns(rules) -> dict[str, re.Pattern | None]:
    words: dict[str, list[str]] = {WordRule.Kind.BANNED: [], WordRule.Kind.SUSPECT: []}
    for kind, word in rules:
        words.setdefault(kind, []).append(word)
    return {kind: text.word_pattern(found) for kind, found in words.items()}


def check_banned_words(body: str, name: str = "", *, patterns: dict | None = None) -> None:
    pattern = (patterns or word_patterns()).get(WordRule.Kind.BANNED)
    if pattern is None:
        return
    for field, value in (("body", body), ("author_name", name)):
        match = pattern.search(value)
        if match:
            message = f"The word “{match.group(0)}” is not allowed here; please rephrase."
            raise ApplicationError(message, code="banned_word", status=400, errors={field: [message]})


def hold_reasons_for_text(body: str, *, patterns: dict | None = None) -> list[str]:
    """Suspect words and too many links: reasons to hold the text for a moderator."""
    reasons = []
    pattern = (patterns or word_patterns()).get(WordRule.Kind.SUSPECT)
    if pattern is not None:
        found = sorted({m.group(0).lower() for m in pattern.finditer(body)})
        reasons += [f"suspect_word:{word}" for word in found]
    if len(text.find_links(body)) > settings.NEWSPORTAL_COMMENT_MAX_LINKS:
        reasons.append("too_many_links")
    return reasons


def validate_body(body: str) -> None:
    """The one length rule (BODY_MAX_LENGTH, also a DB constraint and the form's max_length)."""
    errors = _body_errors(body)
    if errors:
        raise ApplicationError(errors[0], code="invalid", status=400, errors={"body": errors})


def _body_errors(body: str) -> list[str]:
    bad = text.invalid_text_reason(body)
    if bad:
        return [f"The comment {bad}."]
    if not body.strip():
        return ["Please write a comment."]
    if len(body) > BODY_MAX_LENGTH:
        return [f"A comment may have at most {BODY_MAX_LENGTH} characters (it has {len(body)})."]
    return []


def _validate(*, body: str, name: str, email: str, is_guest: bool) -> None:
    errors: dict[str, list[str]] = {}
    if body_errors := _body_errors(body):
        errors["body"] = body_errors
    if is_guest:
        bad = text.invalid_text_reason(name)
        if bad:
            errors["author_name"] = [f"The name {bad}."]
        elif not name.strip():
            errors["author_name"] = ["Please give a name."]
        elif len(name) > NAME_MAX_LENGTH:
            errors["author_name"] = [f"A name may have at most {NAME_MAX_LENGTH} characters."]
    if email and (len(email) > 254 or "@" not in email or text.invalid_text_reason(email)):
        errors["author_email"] = ["Enter a valid e-mail address."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code="invalid", status=400, errors=errors)


def _approved_count(*, user, email: str, mode: str) -> int:
    """Published comments by this author (user, else e-mail); only the "pre-moderate new" mode needs it."""
    if mode != policy.PRE_NEW:
        return 0
    published = Comment.objects.filter(status=Comment.Status.PUBLISHED)
    if user is not None:
        return published.filter(user=user).count()
    if email:
        return published.filter(user__isnull=True, author_email__iexact=email.strip()).count()
    return 0


def _lock_parent(parent: Comment, *, article: Article) -> Comment:
    """Re-read the parent under a row lock: a reply needs a published parent on the same article."""
    locked = Comment.objects.select_for_update().filter(pk=parent.pk).first()
    if locked is None or locked.article_id != article.pk or locked.status != Comment.Status.PUBLISHED:
        message = "You can only reply to a published comment on this article."
        raise ApplicationError(message, code="invalid", status=400, errors={"parent": [message]})
    if locked.depth + 1 > MAX_DEPTH:
        message = "This thread is too deep to reply to."
        raise ApplicationError(message, code="invalid", status=400, errors={"parent": [message]})
    return locked
