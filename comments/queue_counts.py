"""PostgreSQL keeps exact comment counts per (article, status, reviewed) in comments_queuecount.

One statement-level trigger per operation reads the statement's transition tables (OLD/NEW rows), nets the
changes per key and applies them with one INSERT ... ON CONFLICT, in the transaction of the change, so the
counts are exact whatever code path (ORM save, bulk UPDATE, COPY, raw SQL) wrote the comments. A statement
that changes no key (a lease, a score) nets to nothing and touches no counter row. Keys are applied in a fixed
order so two transactions cannot deadlock on them.
"""

_NET = """
    INSERT INTO comments_queuecount (article_id, status, reviewed, n)
    SELECT article_id, status, reviewed, SUM(d) FROM ({rows}) AS changes
    GROUP BY article_id, status, reviewed
    HAVING SUM(d) <> 0
    ORDER BY article_id, status, reviewed
    ON CONFLICT (article_id, status, reviewed) DO UPDATE SET n = comments_queuecount.n + EXCLUDED.n;
"""
_OLD = "SELECT article_id, status, reviewed_at IS NOT NULL AS reviewed, -1 AS d FROM old_rows"
_NEW = "SELECT article_id, status, reviewed_at IS NOT NULL AS reviewed, 1 AS d FROM new_rows"

SQL_CREATE = f"""
CREATE OR REPLACE FUNCTION comments_queuecount_ins() RETURNS trigger AS $$
BEGIN {_NET.format(rows=_NEW)} RETURN NULL; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION comments_queuecount_upd() RETURNS trigger AS $$
BEGIN {_NET.format(rows=_OLD + " UNION ALL " + _NEW)} RETURN NULL; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION comments_queuecount_del() RETURNS trigger AS $$
BEGIN {_NET.format(rows=_OLD)} RETURN NULL; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS comments_queuecount_ins ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_upd ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_del ON comments_comment;
CREATE TRIGGER comments_queuecount_ins AFTER INSERT ON comments_comment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_queuecount_ins();
CREATE TRIGGER comments_queuecount_upd AFTER UPDATE ON comments_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_queuecount_upd();
CREATE TRIGGER comments_queuecount_del AFTER DELETE ON comments_comment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_queuecount_del();
"""

SQL_DROP = """
DROP TRIGGER IF EXISTS comments_queuecount_ins ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_upd ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_del ON comments_comment;
DROP FUNCTION IF EXISTS comments_queuecount_ins();
DROP FUNCTION IF EXISTS comments_queuecount_upd();
DROP FUNCTION IF EXISTS comments_queuecount_del();
"""

# Rebuild from the rows (the migration, and `recount` after anything that bypassed the triggers, e.g. TRUNCATE).
SQL_RECOUNT = """
DELETE FROM comments_queuecount;
INSERT INTO comments_queuecount (article_id, status, reviewed, n)
SELECT article_id, status, reviewed_at IS NOT NULL, COUNT(*) FROM comments_comment GROUP BY 1, 2, 3;
"""


def install(connection) -> None:
    """Create (or replace) the triggers and recount; PostgreSQL only, a no-op elsewhere."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(SQL_CREATE)
        cursor.execute("LOCK TABLE comments_comment IN SHARE MODE")  # no writes between recount and triggers
        cursor.execute(SQL_RECOUNT)


def uses_counters(connection) -> bool:
    return connection.vendor == "postgresql"
