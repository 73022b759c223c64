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
import time
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
    PATH_SEGMENT,
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
    draft = _Draft(
        user=user,
        name=user.get_username() if user else author_name,
        typed_name=author_name,
        email=author_email,
        body=body,
        body_hash=text.fingerprint(body),
        ip_hash=client.ip_hash,
        ua_hash=client.ua_hash,
        signals=dict(signals or {}),
        now=timezone.now(),
    )
    if parent is None and connection.vendor == "postgresql":
        created = _create_in_one_round_trip(article, draft)
        if created is not None:
            return created

    found = _lookups(article, draft)
    article = found.article
    decision = _run_gates(
        article, draft, effective=found.policy, patterns=found.patterns, banned=found.banned, repeated=found.repeated
    )
    comment, secret = _new_comment(article, draft, decision, comment_id=found.comment_id)
    if found.comment_id is not None:
        _save_in_one_statement(comment, parent=parent, published=decision.published)
    else:
        _save(comment, parent=parent, published=decision.published)
    enqueue_scoring_on_commit(comment.pk)
    return CommentCreated(comment=comment, secret=secret, published=decision.published)


@dataclass(frozen=True)
class _Draft:
    """A new comment as sent, before the gates: who, what, from where, when."""

    user: object  # a signed-in user, or None for a guest
    name: str  # the name shown: the user's username, else what the guest typed
    typed_name: str  # the name field as sent (the banned words apply to it, whoever sends it)
    email: str
    body: str  # normalised (text.normalise_body)
    body_hash: str
    ip_hash: str
    ua_hash: str
    signals: dict
    now: object  # the aware datetime of the post


def _run_gates(
    article: Article,
    draft: _Draft,
    *,
    effective: ModerationPolicy,
    patterns: dict,
    banned: bool,
    repeated: bool,
    counted: list | None = None,
) -> policy.InitialStatus:
    """The gates, in their order (the module docstring), on what the lookups read; the comment's initial status.
    Raises the ApplicationError of the first gate that refuses. `counted` collects the rate-limit hits made."""
    _check_open(article, now=draft.now, effective=effective)
    if banned:
        raise ApplicationError("You may not post comments at the moment.", code="banned", status=403)
    _check_rate_limits(article=article, ip_hash=draft.ip_hash, counted=counted)
    hold = _honeypot_reasons(draft.signals)
    check_banned_words(draft.body, draft.typed_name, patterns=patterns)
    hold += hold_reasons_for_text(draft.body, patterns=patterns)
    if repeated:
        hold.append("repeated_text")
    _validate(body=draft.body, name=draft.name, email=draft.email, is_guest=draft.user is None)
    return policy_decision(
        article=article, body=draft.body, user=draft.user, email=draft.email, hold_reasons=hold, effective=effective
    )


def _new_comment(
    article: Article, draft: _Draft, decision: policy.InitialStatus, *, comment_id: int | None
) -> tuple[Comment, str | None]:
    """The unsaved comment, and a guest's edit secret in plain text (None for a signed-in user)."""
    user = draft.user
    secret = None if user else secrets.token_urlsafe(24)
    comment = new_instance(
        Comment,
        related={"article": article, "user": user},
        id=comment_id,
        article_id=article.pk,
        user_id=user.pk if user else None,
        author_name=draft.name,
        author_email=draft.email,
        body=draft.body,
        body_hash=draft.body_hash,
        status=decision.status,
        created_at=draft.now,
        status_changed_at=draft.now,
        hold_reasons=decision.reasons,
        ip_hash=draft.ip_hash,
        ua_hash=draft.ua_hash,
        signals=draft.signals,
        secret_hash=secret_hash(secret) if secret else "",
    )
    return comment, secret


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
        params = _column_params(comment, _COLUMNS)
        if published:
            changed_at = comment.created_at
            params += [comment.article_id, *([parent.pk] if parent is not None else []), comment.article_id, changed_at]
        fetch_one(_insert_sql(published=published, reply=parent is not None), params)
        comment._state.adding, comment._state.db = False, connection.alias
        if published:
            lifecycle.changed({comment.article_id}, applied=applied, counted=True)


_COMMENT_FIELDS = Comment._meta.concrete_fields
# The comment's columns as the statements bind them, in order: (attribute, the field when its value needs
# preparing, else None). Only JSON does (Django wraps it for psycopg): every other field holds what comment_create
# put there, already of the column's type (int, str, aware datetime, float, None), and asking each of the 31
# fields for its database value cost about 5% of the POST's Python. (Looking fields up in a set costs too: a
# field's hash is Python code.)
_COLUMNS = tuple((field.attname, field if isinstance(field, models.JSONField) else None) for field in _COMMENT_FIELDS)
# The same without the columns the one-round-trip statement fills itself: the id it draws and the path made of it.
_DRAWN = ("id", "path")
_GIVEN_COLUMNS = tuple(column for column in _COLUMNS if column[0] not in _DRAWN)


def _column_params(comment: Comment, columns) -> list:
    return [
        getattr(comment, name) if field is None else field.get_db_prep_save(getattr(comment, name), connection)
        for name, field in columns
    ]


@cache
def _insert_sql(*, published: bool, reply: bool) -> str:
    """The statement of _save_in_one_statement (one text per shape, each prepared once per connection)."""
    comments = connection.ops.quote_name(Comment._meta.db_table)
    values = ", ".join(["%s"] * len(_COMMENT_FIELDS))
    parts = [f"new AS (INSERT INTO {comments} ({select_columns(Comment)}) VALUES ({values}) RETURNING id)"]
    if published:
        parts += _count_writes(reply=reply)
    return "WITH " + ",\n".join(parts) + "\nSELECT id FROM new"


def _count_writes(*, reply: bool) -> list[str]:
    """The CTEs that count a published comment once the CTE `new` has inserted it (none when it inserted
    nothing): its article's count, its parent's reply count (a reply), the article's comments version. Their
    parameters: the article id, the parent id (a reply), the article id and the time of the change."""
    quote = connection.ops.quote_name
    comments, articles = quote(Comment._meta.db_table), quote(Article._meta.db_table)
    writes = [
        f"article_count AS (UPDATE {articles} SET comment_count = comment_count + 1 "
        "WHERE id = %s AND EXISTS (SELECT FROM new))"
    ]
    if reply:
        writes.append(
            f"reply_count AS (UPDATE {comments} SET reply_count = reply_count + 1 "
            "WHERE id = %s AND EXISTS (SELECT FROM new))"
        )
    writes.append(f"version AS ({comments_version_upsert('SELECT %s, 1, %s FROM new')})")
    return writes


# --- PostgreSQL: a top-level comment in one round trip ----------------------------------------------------------
#
# The full path reads the gates' inputs in one statement (_lookups), runs the gates in Python, then writes in a
# second statement. What it reads about the article (its gate columns, its effective policy, the word rules)
# changes only when an editor or a moderator changes it, so each process keeps the last read per article
# (_GATES), with a digest of it that PostgreSQL computes. The next top-level comment on that article runs the
# gates on the kept copy and sends one statement that recomputes the digest, checks the client's bans and the
# repeated text, and inserts and counts the comment only if the digest is the same and neither check holds.
# Otherwise it inserts nothing, the rate-limit hits it made are taken back, and the full path runs: it reads
# everything again (refreshing the copy) and decides as it always does. So the outcome is the full path's:
# - a gate that refuses on the kept copy hands over to the full path too (the kept copy may be stale, and a ban,
#   which the full path checks first, would answer before it);
# - the comment's id comes from the sequence inside the statement, and its path (thread_path: the id in
#   base 36, zero-padded) is computed there by a recursive CTE; a test compares the two.
# A reply keeps the full path: it locks its parent first.

# The digest of what _Gates keeps, in SQL: the article's gate columns, the word rules, the nearest policy's row.
_GATE_DIGEST = (
    "md5(CAST(ROW({article_columns}) AS text) || CAST(ARRAY({words_query}) AS text) "
    "|| CAST(ROW({policy_columns}) AS text))"
)
_WORDS_QUERY = "SELECT ARRAY[CAST(kind AS TEXT), CAST(word AS TEXT)] FROM {words} ORDER BY kind, word"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_ONE_ROUND_TRIP_SQL = """
WITH RECURSIVE {chain},
gate AS (
    SELECT {digest} = %s AS fresh, EXISTS ({ban}) AS banned, EXISTS ({repeated}) AS repeated
    FROM {articles} AS article LEFT JOIN LATERAL ({nearest}) AS policy ON TRUE
    WHERE article.id = %s
),
drawn AS (SELECT nextval(CAST('{sequence}' AS regclass)) AS id FROM gate WHERE fresh AND NOT banned AND NOT repeated),
segment (rest, digits) AS (
    SELECT id / 36, substr('{base36}', CAST(id %% 36 AS int) + 1, 1) FROM drawn
    UNION ALL
    SELECT rest / 36, substr('{base36}', CAST(rest %% 36 AS int) + 1, 1) || digits FROM segment WHERE rest > 0
),
{writes}
SELECT (SELECT id FROM new), fresh, banned, repeated FROM gate
"""


@dataclass(frozen=True)
class _Gates:
    """What the last lookup of an article read about it (not about the client), as PostgreSQL digested it."""

    digest: str
    values: tuple  # the article's _GATE_FIELDS
    patterns: dict  # word_patterns of the word rules
    policy: ModerationPolicy | None  # the nearest policy; None: none, default_policy() applies


_GATES: dict[int, _Gates] = {}  # article id -> what posting last read about it, in this process
_GATES_KEPT = 2048  # articles; past this the whole copy starts again (commented articles are the recent ones)


def _keep_gates(article_id: int, gates: _Gates) -> None:
    if len(_GATES) >= _GATES_KEPT and article_id not in _GATES:
        _GATES.clear()
    _GATES[article_id] = gates


def _create_in_one_round_trip(article: Article, draft: _Draft) -> CommentCreated | None:
    """Post a top-level comment with one statement on the kept copy of the article's gates; None: the full path
    must run (no copy yet, a gate refused, or the statement found the copy stale, a ban or a repeated text)."""
    gates = _GATES.get(article.pk)
    if gates is None or not _agrees(article, gates.values):
        return None
    if lifecycle.unapplied_hooks((comments_version_bump,)):
        return None  # another in-transaction hook: the full path runs it in the post's transaction
    counted: list = []
    try:
        decision = _run_gates(
            article,
            draft,
            effective=gates.policy or default_policy(),
            patterns=gates.patterns,
            banned=False,
            repeated=False,
            counted=counted,
        )
    except ApplicationError:
        _take_back(counted)
        return None
    # A new instance is already at the top of no thread (no parent, no root, depth 0): its path follows its id.
    comment, secret = _new_comment(article, draft, decision, comment_id=None)
    params = [
        article.pk,
        gates.digest,
        *_client_params(draft, article),
        article.pk,
        article.pk,
        *_column_params(comment, _GIVEN_COLUMNS),
    ]
    if decision.published:
        params += [article.pk, article.pk, draft.now]
    row = fetch_one(_one_round_trip_sql(published=decision.published), params)
    if row is None or row[0] is None:  # no article row (gone), or the statement held back
        _take_back(counted)
        return None
    comment.pk = row[0]
    comment.path = thread_path("", comment.pk)
    comment._state.adding, comment._state.db = False, connection.alias
    if decision.published:
        lifecycle.changed({article.pk}, applied=(comments_version_bump,), counted=True)
    enqueue_scoring_on_commit(comment.pk)
    return CommentCreated(comment=comment, secret=secret, published=decision.published)


def _client_params(draft: _Draft, article: Article) -> list:
    """PostgreSQL: the parameters of the ban and repeated-text checks (_BAN_SQL with its three kinds, then
    _REPEATED_SQL) in the statements' order. An absent user or e-mail is a NULL that matches no ban."""
    since = draft.now - timedelta(minutes=settings.NEWSPORTAL_DUPLICATE_WINDOW_MINUTES)
    user = draft.user
    return [
        *(draft.ip_hash, str(user.pk) if user is not None else None, _email_key(draft), draft.now),
        *(draft.body_hash, since, draft.ip_hash, article.pk),
    ]


def _email_key(draft: _Draft) -> str | None:
    """How an e-mail ban stores the address: trimmed and lower-case (None: no address)."""
    return draft.email.strip().lower() if draft.email else None


def _sql_cast(field) -> str:
    """The type a parameter of `field` is cast to in an INSERT ... SELECT (which infers none from its columns):
    text for the character columns, so that PostgreSQL's assignment still refuses a value that is too long."""
    if field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
        return "text"
    return field.db_type(connection)


@cache
def _one_round_trip_sql(*, published: bool) -> str:
    """The statement of _create_in_one_round_trip (two texts: a pending comment counts nothing)."""
    quote = connection.ops.quote_name
    comments, articles = quote(Comment._meta.db_table), quote(Article._meta.db_table)
    width = PATH_SEGMENT
    path = (
        f"(SELECT CASE WHEN length(digits) >= {width} THEN digits ELSE lpad(digits, {width}, '0') END "
        "FROM segment WHERE rest = 0)"
    )
    selected = []
    for field in _COMMENT_FIELDS:  # in the order of _COLUMNS: the drawn ones, else the next of _GIVEN_COLUMNS
        if field.attname == "id":
            selected.append("drawn.id")
        elif field.attname == "path":
            selected.append(path)
        else:
            selected.append(f"CAST(%s AS {_sql_cast(field)})")
    writes = [
        f"new AS (INSERT INTO {comments} ({select_columns(Comment)}) SELECT {', '.join(selected)} FROM drawn "
        "RETURNING id)"
    ]
    if published:
        writes += _count_writes(reply=False)
    parts = _lookup_parts()
    return _ONE_ROUND_TRIP_SQL.format(
        chain=parts["chain"],
        digest=parts["digest"],
        ban=parts["ban"],
        repeated=parts["repeated"],
        articles=articles,
        nearest=parts["nearest"],
        sequence=parts["sequence"],
        base36=_BASE36,
        writes=",\n".join(writes),
    )


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
    ARRAY({words_query}),
    EXISTS ({ban}),
    EXISTS ({repeated}),
    nextval(CAST('{sequence}' AS regclass)),
    {digest},
    {policy_columns}
FROM {articles} AS article LEFT JOIN LATERAL ({nearest}) AS policy ON TRUE
WHERE article.id = %s
"""


@cache
def _lookup_parts() -> dict[str, str]:
    """The pieces of SQL that the lookup statement and the one-round-trip statement share (PostgreSQL)."""
    quote = connection.ops.quote_name
    articles = quote(Article._meta.db_table)
    chain, nearest = policy_sql(start=f"(SELECT section_id FROM {articles} WHERE id = %s)")
    who = " OR ".join(f"(kind = '{kind}' AND value = %s)" for kind in (Ban.Kind.IP, Ban.Kind.USER, Ban.Kind.EMAIL))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Comment._meta.db_table])
        (sequence,) = cursor.fetchone()
    article_columns = ", ".join(f"article.{quote(Article._meta.get_field(name).column)}" for name in _GATE_FIELDS)
    policy_columns = ", ".join(f"policy.{quote(field.column)}" for field in ModerationPolicy._meta.concrete_fields)
    words_query = _WORDS_QUERY.format(words=quote(WordRule._meta.db_table))
    return {
        "chain": chain,
        "nearest": nearest,
        "ban": _BAN_SQL.format(bans=quote(Ban._meta.db_table), who=who),
        "repeated": _REPEATED_SQL.format(comments=quote(Comment._meta.db_table)),
        "sequence": sequence,
        "article_columns": article_columns,
        "policy_columns": policy_columns,
        "words_query": words_query,
        "digest": _GATE_DIGEST.format(
            article_columns=article_columns, words_query=words_query, policy_columns=policy_columns
        ),
    }


@cache
def _pg_lookups_sql() -> str:
    parts = _lookup_parts()
    return _PG_LOOKUPS_SQL.format(articles=connection.ops.quote_name(Article._meta.db_table), **parts)


# What the gates read of an article. The lookup statement returns these columns only (a whole article row cost a
# POST a dozen column conversions, timestamps among them); where the caller's copy agrees on all of them, it
# serves as is.
_GATE_FIELDS = ("status", "published_at", "comments_open", "comments_close_at", "section_id")


def _current(article: Article, gate_values) -> Article | None:
    """The caller's article if the fresh values (PostgreSQL: they need no conversion) of every field the gates
    read agree with it, else the article read again (None: it is gone). The caller's copy may be cached
    (comments.api.selectors.published_article); it is stale only after an editor changed one of these."""
    if _agrees(article, gate_values):
        return article
    return Article.objects.filter(pk=article.pk).first()


def _agrees(article: Article, gate_values) -> bool:
    """Whether `article` holds these values of every field the gates read (_GATE_FIELDS, in order)."""
    return all(getattr(article, name) == value for name, value in zip(_GATE_FIELDS, gate_values, strict=True))


def _lookups(article: Article, draft: _Draft) -> Lookups:
    """The article's effective policy; bans on the IP, user or e-mail; the same text within
    NEWSPORTAL_DUPLICATE_WINDOW_MINUTES from this client on any article or from anyone on another article; and
    the word rules."""
    if connection.vendor == "postgresql":
        params = [article.pk, *_client_params(draft, article), article.pk, article.pk]
        row = fetch_one(_pg_lookups_sql(), params, read_only=True)  # nextval aside, which only leaves a gap
        if row is None:
            raise ApplicationError("No such article.", code="not_found", status=404)
        split = len(_GATE_FIELDS)
        words, banned, repeated, comment_id, digest, *policy_row = row[split:]
        gates = _Gates(
            digest=digest,
            values=tuple(row[:split]),
            patterns=_patterns(words),
            policy=instance_from_row(ModerationPolicy, policy_row) if policy_row[0] is not None else None,
        )
        _keep_gates(article.pk, gates)
        fresh = _current(article, gates.values)
        if fresh is None:
            raise ApplicationError("No such article.", code="not_found", status=404)
        return Lookups(
            banned=banned,
            repeated=repeated,
            patterns=gates.patterns,
            article=fresh,
            policy=gates.policy or default_policy(),
            comment_id=comment_id,
        )

    adapt = connection.ops.adapt_datetimefield_value
    user, ip_hash, email_key = draft.user, draft.ip_hash, _email_key(draft)
    since = draft.now - timedelta(minutes=settings.NEWSPORTAL_DUPLICATE_WINDOW_MINUTES)
    repeated_params = [draft.body_hash, adapt(since), ip_hash, article.pk]
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
        cursor.execute(sql, [*who_params, adapt(draft.now), *repeated_params])
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


def _check_rate_limits(*, article: Article, ip_hash: str, counted: list | None = None) -> None:
    """Count this post against the client's and the article's limits (429 past either). `counted` (a list)
    collects (key, rate, time) of each hit made, for _take_back."""
    if not settings.NEWSPORTAL_RATE_LIMITS_ENABLED:
        return
    limits = [
        (f"client:{ip_hash}", settings.NEWSPORTAL_RATE_LIMIT_CLIENT),
        (f"article:{article.pk}", settings.NEWSPORTAL_RATE_LIMIT_ARTICLE),
    ]
    for key, rate in limits:
        key, rate, now = f"comments:{key}", ratelimit.Rate.parse(rate), time.time()
        retry_after = ratelimit.hit(key, rate, now=now)
        if counted is not None:
            counted.append((key, rate, now))
        if retry_after is not None:
            raise ApplicationError(
                f"Too many comments; please try again in {retry_after} seconds.",
                code="rate_limited",
                status=429,
                headers={"Retry-After": str(retry_after)},
            )


def _take_back(counted: list) -> None:
    """Undo the rate-limit hits of a post that the one-round-trip path hands over to the full path (which counts
    the post itself, after the ban gate, as the gate order says)."""
    for key, rate, now in counted:
        ratelimit.take_back(key, rate, now=now)


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
