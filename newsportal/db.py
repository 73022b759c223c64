"""Prepared statements for the few hand-written statements of hot write paths (PostgreSQL).

Django sends every statement as text with the values bound on the client, so PostgreSQL parses and plans it
again each time. For the statements of a comment POST that planning was most of the database's work: the
effective-policy lookup alone (a recursive walk up the sections) planned in 0.6 ms and ran in 0.1 ms. A
statement run through `fetch_one()` is bound on the server and prepared once per connection (psycopg keeps the
prepared statements per connection and re-prepares after a reconnect or a schema change), and then only runs.

The statement still goes through Django's cursor wrapper: errors become django.db errors, execute wrappers and
the test suite's query capture see it. Other databases (SQLite, the embedded default) get a plain cursor.

Only for statements whose text is fixed (values as %s parameters): each distinct text is one prepared statement
on every connection. Parameters are bound with their Python types (str as text of unknown type, int, bool,
datetime as timestamptz), so write casts where PostgreSQL cannot infer a type, e.g. `CAST(%s AS jsonb)`.
"""

import select
from functools import cache

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

try:
    import psycopg
except ImportError:  # the embedded default needs no PostgreSQL driver
    psycopg = None


if psycopg is not None:

    class _PreparingCursor(psycopg.Cursor):
        """A server-side binding cursor whose every statement is prepared (psycopg's own statement cache)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)


def fetch_one(sql: str, params, *, read_only: bool = False):
    """Run one statement, prepared on PostgreSQL (a plain cursor elsewhere), and return its first row or None.

    Like Django's own cursors, a persistent connection is health-checked before its first use in a request
    (CONN_HEALTH_CHECKS), so a connection the server closed meanwhile is replaced instead of failing the request.
    Django checks with a `SELECT 1` round trip (about 7% of a comment POST's Python); these statements do not:
    - A `read_only` statement is its own check: should it fail on a connection that turns out to be dead, the
      connection is replaced and the statement sent once more, which is safe because it changed nothing (the
      health check's own promise).
    - Any other statement is sent once only, after a check without a round trip (_seems_closed): a server that
      closes a connection says so first (PostgreSQL's FATAL message on a restart, an administrator's
      pg_terminate_backend, idle_session_timeout) or the socket reads as ended, and either makes the idle
      connection's socket readable. A connection that died without a word (a host lost) is not seen: that
      request fails with the database's error (a 503, newsportal.middleware), and Django closes the
      connection at the end of it.
    """
    # This thread's connection, looked up once: every `connection.x` goes through Django's proxy and a
    # thread-local lookup, and a POST's two statements made 18 of them.
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or psycopg is None:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    pending = db.connection is not None and db.health_check_enabled and not db.health_check_done
    if not pending:
        return _fetch_one(db, sql, params)
    db.health_check_done = True
    if not read_only:
        if _seems_closed(db.connection):
            db.close()
        return _fetch_one(db, sql, params)
    try:
        return _fetch_one(db, sql, params)
    except DatabaseError:
        if db.in_atomic_block or db.is_usable():
            raise  # an error of the statement itself, or of a transaction: never repeated
        db.close()  # the server closed it while it waited between requests
        return _fetch_one(db, sql, params)


def _seems_closed(raw) -> bool:
    """Whether an idle psycopg connection is known or seen to be closed, without a round trip: between requests
    the server has nothing to say, so anything to read on its socket (a FATAL message, the end of the stream)
    means it is going away. A server's rare unprompted notice reads as closed too: a needless reconnect."""
    if raw.closed or raw.broken:
        return True
    poller = select.poll()  # not select.select(), which refuses descriptors past 1023
    try:
        poller.register(raw.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _fetch_one(db, sql: str, params):
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = _PreparingCursor(db.connection)
    # Django's own wrapping of a new cursor: error translation, execute wrappers, query logging in tests.
    cursor = db._prepare_cursor(raw)
    try:
        cursor.execute(sql, params)
        return cursor.fetchone()
    finally:
        cursor.close()


def select_columns(model) -> str:
    """The quoted columns of `model`'s concrete fields, in the order `instance_from_row` expects."""
    quote = connection.ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.concrete_fields)


@cache
def _converters(model, vendor: str) -> list:
    """(index, column, converters) of the concrete fields whose database values need converting on this backend (on
    SQLite, datetimes become aware; on PostgreSQL, none do)."""
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        funcs = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if funcs:
            found.append((index, column, funcs))
    return found


@cache
def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _fields_by_attname(model) -> list:
    return [(field.attname, field) for field in model._meta.concrete_fields]


def new_instance(model, related: dict | None = None, **values):
    """A new, unsaved `model` instance from attribute values (`article_id`, not `article`), every other field at
    its default; `related` caches related objects already at hand ({"article": article}), as the keyword
    constructor does for `article=article`.

    Built positionally, the constructor's own fast path (Model.from_db takes it too). The keyword path checks each
    of a comment's 31 fields against the keywords and each related object against the database routers.
    """
    args = [values.pop(name) if name in values else field.get_default() for name, field in _fields_by_attname(model)]
    if values:
        raise TypeError(f"{model.__name__} has no fields {sorted(values)}")
    instance = model(*args)
    for name, obj in (related or {}).items():
        model._meta.get_field(name).set_cached_value(instance, obj)
    return instance


def instance_from_row(model, row):
    """A model instance from a row of `select_columns(model)`, converted as the ORM converts it."""
    values = list(row)
    for index, column, funcs in _converters(model, connection.vendor):
        for func in funcs:
            values[index] = func(values[index], column, connection)
    return model.from_db(connection.alias, _attnames(model), values)
