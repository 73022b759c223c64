"""PostgreSQL keeps exact comment counts at two levels: per (article, status, reviewed) in comments_queuecount, and
per (section, status, reviewed, stripe) in comments_sectionqueuecount.

One statement-level trigger per operation reads the statement's transition tables (OLD/NEW rows), nets the
changes per key and applies them to both levels with INSERT ... ON CONFLICT, in the transaction of the change, so
the counts are exact whatever code path (ORM save, bulk UPDATE, COPY, raw SQL) wrote the comments. A statement
that changes no key (a lease, a score) nets to nothing and touches no counter row. Keys are applied in a fixed
order (sections, then articles; each sorted) so two statements cannot deadlock on them, and a section's
(pending, not reviewed) row of the transaction's stripe is taken first, as that section's lock: two transactions
of several counting statements (an undo) in one section and stripe then queue instead of deadlocking.

The section level is what the unfiltered and section-scoped queue counts read: a few hundred rows whatever the
number of articles (the article level is ~7 rows per article). Each transaction writes the stripe
`txid % STRIPES` of a section's key, so concurrent posters in one section do not all wait on one row lock until
the first commits; the reader sums the stripes.

An article moving to another section moves its counts (`comments_sectionqueuecount_move`, a row trigger on
articles_article that fires only when section_id changes). For that to be exact, the section a writer credits
and the counts the move reads must not race: every counting statement takes FOR KEY SHARE on its articles' rows
(which does not conflict with other writers, nor with updates of an article's comment_count), then reads their
sections in a new statement (a fresh snapshot). The move upgrades its article row to FOR UPDATE, which conflicts
with those locks, with NOWAIT: while a writer of that article is in flight the move retries for a moment and
then fails (SQLSTATE 55P03, "move it again"), so a writer never waits on a move that waits on it, and never
fails because of one. A move that got its lock reads committed per-article counts only (no writer of that
article is in flight; one that comes now waits for the move to commit, then reads the new section), and writes
them to its own stripe, MOVE_STRIPE, which no writer uses, so it never waits on a writer's counter rows either.
"""

# Measured (bench/counter_stripes.py, docs/benchmarks.md "Moderation"): 8 writers posting in one section make
# 879 posts/s with 1 stripe, 1678 with 8, 1694 with 16; 2009 with no section level at all.
STRIPES = 8
MOVE_STRIPE = -1  # article moves write here: never a writer's row (those are 0 to STRIPES - 1)
MOVE_TRIES = 20  # x 10 ms: how long a move waits for that article's writers in flight

# Before migration 0009 (and after reversing it) only the article level was kept: migration 0006 installs that.
_NET_ARTICLES = """
    INSERT INTO comments_queuecount (article_id, status, reviewed, n)
    SELECT article_id, status, reviewed, SUM(d) FROM ({rows}) AS changes
    GROUP BY article_id, status, reviewed
    HAVING SUM(d) <> 0
    ORDER BY article_id, status, reviewed
    ON CONFLICT (article_id, status, reviewed) DO UPDATE SET n = comments_queuecount.n + EXCLUDED.n;
"""
# Four statements, each with a fresh snapshot (a VOLATILE function's statements take one each):
# 1. the articles whose counts change (none: nothing to do, as for a lease or a score);
# 2. FOR KEY SHARE on them (waits for a move of one that holds its row FOR UPDATE; makes a move that has not got
#    there yet fail, see _MOVE);
# 3. the section level, reading each article's section AFTER that lock (not from the locked row itself: FOR KEY
#    SHARE on a row a move has updated returns the version the statement's snapshot saw, the old section). Each
#    section's (pending, not reviewed) row of this stripe is written first, even when its count does not change:
#    it is the section's lock for the stripe, so two transactions in one stripe cannot take one section's rows
#    (or, next, its articles' rows) in opposite orders over several statements, and cannot deadlock there;
# 4. the article level. Each level in a fixed order (sections, then articles).
_NET = """
    SELECT array_agg(DISTINCT article_id ORDER BY article_id) INTO changed FROM (
        SELECT article_id FROM ({rows}) AS c GROUP BY article_id, status, reviewed HAVING SUM(d) <> 0
    ) AS keys;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM articles_article WHERE id = ANY(changed) ORDER BY id FOR KEY SHARE;
    INSERT INTO comments_sectionqueuecount (section_id, status, reviewed, stripe, n)
    SELECT section_id, status, reviewed, txid_current() % {stripes}, SUM(d) FROM (
        SELECT a.section_id, c.status, c.reviewed, c.d
        FROM ({rows}) AS c JOIN articles_article a ON a.id = c.article_id
        UNION ALL
        SELECT section_id, 'pending', false, 0 FROM articles_article WHERE id = ANY(changed)
    ) AS by_section
    GROUP BY section_id, status, reviewed
    HAVING SUM(d) <> 0 OR (status = 'pending' AND NOT reviewed)
    ORDER BY section_id, (status = 'pending' AND NOT reviewed) DESC, status, reviewed
    ON CONFLICT (section_id, status, reviewed, stripe)
        DO UPDATE SET n = comments_sectionqueuecount.n + EXCLUDED.n;
    INSERT INTO comments_queuecount (article_id, status, reviewed, n)
    SELECT article_id, status, reviewed, SUM(d) FROM ({rows}) AS c
    GROUP BY article_id, status, reviewed HAVING SUM(d) <> 0
    ORDER BY article_id, status, reviewed
    ON CONFLICT (article_id, status, reviewed) DO UPDATE SET n = comments_queuecount.n + EXCLUDED.n;
"""
# The INSERT of one row (every comment posted) takes the same four steps without grouping a transition table:
# its article is the one changed, locked FOR KEY SHARE; its section's (pending, not reviewed) row of the stripe
# first, then its own key's (one row when that is its key); then its article level. The same writes in the same
# order as _NET on a one-row table, in half the time (the trigger ran inside the post's lock on its article).
_NET_ONE_NEW = """
    SELECT count(*) INTO rows_in FROM (SELECT 1 FROM new_rows LIMIT 2) AS up_to_two;
    IF rows_in = 1 THEN
        SELECT article_id, status, reviewed_at IS NOT NULL INTO one_article, one_status, one_reviewed FROM new_rows;
        PERFORM 1 FROM articles_article WHERE id = one_article FOR KEY SHARE;
        INSERT INTO comments_sectionqueuecount (section_id, status, reviewed, stripe, n)
        SELECT a.section_id, k.status, k.reviewed, txid_current() % {stripes}, k.d
        FROM articles_article AS a, (
            SELECT 0, 'pending', false, 0 WHERE NOT (one_status = 'pending' AND NOT one_reviewed)
            UNION ALL
            SELECT 1, one_status, one_reviewed, 1
        ) AS k (step, status, reviewed, d)
        WHERE a.id = one_article
        ORDER BY k.step
        ON CONFLICT (section_id, status, reviewed, stripe)
            DO UPDATE SET n = comments_sectionqueuecount.n + EXCLUDED.n;
        INSERT INTO comments_queuecount (article_id, status, reviewed, n)
        VALUES (one_article, one_status, one_reviewed, 1)
        ON CONFLICT (article_id, status, reviewed) DO UPDATE SET n = comments_queuecount.n + EXCLUDED.n;
        RETURN NULL;
    END IF;
"""
_OLD = "SELECT article_id, status, reviewed_at IS NOT NULL AS reviewed, -1 AS d FROM old_rows"
_NEW = "SELECT article_id, status, reviewed_at IS NOT NULL AS reviewed, 1 AS d FROM new_rows"

_MOVE = f"""
CREATE OR REPLACE FUNCTION comments_sectionqueuecount_move() RETURNS trigger AS $$
DECLARE tries int := 0;
BEGIN
    LOOP
        BEGIN
            PERFORM 1 FROM articles_article WHERE id = NEW.id FOR UPDATE NOWAIT;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            tries := tries + 1;
            IF tries >= {MOVE_TRIES} THEN
                RAISE EXCEPTION 'article %: comments on it are being written; move it again', NEW.id
                    USING ERRCODE = 'lock_not_available';
            END IF;
            PERFORM pg_sleep(0.01);
        END;
    END LOOP;
    INSERT INTO comments_sectionqueuecount (section_id, status, reviewed, stripe, n)
    SELECT section_id, status, reviewed, {MOVE_STRIPE}, SUM(d) FROM (
        SELECT OLD.section_id AS section_id, status, reviewed, -n AS d FROM comments_queuecount
        WHERE article_id = NEW.id
        UNION ALL
        SELECT NEW.section_id, status, reviewed, n FROM comments_queuecount WHERE article_id = NEW.id
    ) AS moved
    GROUP BY section_id, status, reviewed HAVING SUM(d) <> 0
    ORDER BY section_id, status, reviewed
    ON CONFLICT (section_id, status, reviewed, stripe)
        DO UPDATE SET n = comments_sectionqueuecount.n + EXCLUDED.n;
    RETURN NULL;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS comments_sectionqueuecount_move ON articles_article;
CREATE TRIGGER comments_sectionqueuecount_move AFTER UPDATE OF section_id ON articles_article
    FOR EACH ROW WHEN (OLD.section_id IS DISTINCT FROM NEW.section_id)
    EXECUTE FUNCTION comments_sectionqueuecount_move();
"""


def sql_create(*, sections: bool = True, stripes: int = STRIPES) -> str:
    """The trigger functions and triggers; `sections=False`: the article level only (migration 0006)."""
    net = _NET.replace("{stripes}", str(stripes)) if sections else _NET_ARTICLES
    one_new = _NET_ONE_NEW.replace("{stripes}", str(stripes)) if sections else ""
    return f"""
CREATE OR REPLACE FUNCTION comments_queuecount_ins() RETURNS trigger AS $$
DECLARE changed bigint[]; rows_in int; one_article bigint; one_status text; one_reviewed boolean;
BEGIN {one_new} {net.format(rows=_NEW)} RETURN NULL; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION comments_queuecount_upd() RETURNS trigger AS $$
DECLARE changed bigint[]; BEGIN {net.format(rows=_OLD + " UNION ALL " + _NEW)} RETURN NULL; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION comments_queuecount_del() RETURNS trigger AS $$
DECLARE changed bigint[]; BEGIN {net.format(rows=_OLD)} RETURN NULL; END; $$ LANGUAGE plpgsql;
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
{_MOVE if sections else _DROP_MOVE}"""


_DROP_MOVE = """
DROP TRIGGER IF EXISTS comments_sectionqueuecount_move ON articles_article;
DROP FUNCTION IF EXISTS comments_sectionqueuecount_move();
"""
SQL_DROP = f"""
DROP TRIGGER IF EXISTS comments_queuecount_ins ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_upd ON comments_comment;
DROP TRIGGER IF EXISTS comments_queuecount_del ON comments_comment;
DROP FUNCTION IF EXISTS comments_queuecount_ins();
DROP FUNCTION IF EXISTS comments_queuecount_upd();
DROP FUNCTION IF EXISTS comments_queuecount_del();
{_DROP_MOVE}"""

# Rebuild from the rows (the migrations, and `reconcile_counts --fix` after anything that bypassed the triggers,
# e.g. TRUNCATE), under SQL_RECOUNT_LOCKS: no comment written, no article moved meanwhile.
SQL_RECOUNT_ARTICLES = """
DELETE FROM comments_queuecount;
INSERT INTO comments_queuecount (article_id, status, reviewed, n)
SELECT article_id, status, reviewed_at IS NOT NULL, COUNT(*) FROM comments_comment GROUP BY 1, 2, 3;
"""
SQL_RECOUNT_SECTIONS = """
DELETE FROM comments_sectionqueuecount;
INSERT INTO comments_sectionqueuecount (section_id, status, reviewed, stripe, n)
SELECT a.section_id, q.status, q.reviewed, 0, SUM(q.n)
FROM comments_queuecount q JOIN articles_article a ON a.id = q.article_id GROUP BY 1, 2, 3;
"""
SQL_RECOUNT_LOCKS = """
LOCK TABLE comments_comment IN SHARE MODE;
LOCK TABLE articles_article IN SHARE MODE;
"""

# Every key whose counter differs from COUNT(*) over the rows, per level; one statement each, so the rows and the
# counters are read in one snapshot (the triggers change both in the same transaction: no false drift while
# comments are being written).
_DRIFT = """
SELECT key, status, reviewed, COALESCE(kept.n, 0), COALESCE(truth.n, 0)
FROM ({truth}) AS truth FULL JOIN ({kept}) AS kept USING (key, status, reviewed)
WHERE COALESCE(kept.n, 0) <> COALESCE(truth.n, 0) ORDER BY 1, 2, 3
"""
SQL_DRIFT = {
    "article": _DRIFT.format(
        truth="SELECT article_id AS key, status, reviewed_at IS NOT NULL AS reviewed, COUNT(*) AS n "
        "FROM comments_comment GROUP BY 1, 2, 3",
        kept="SELECT article_id AS key, status, reviewed, n FROM comments_queuecount",
    ),
    "section": _DRIFT.format(
        truth="SELECT a.section_id AS key, c.status, c.reviewed_at IS NOT NULL AS reviewed, COUNT(*) AS n "
        "FROM comments_comment c JOIN articles_article a ON a.id = c.article_id GROUP BY 1, 2, 3",
        kept="SELECT section_id AS key, status, reviewed, SUM(n) AS n FROM comments_sectionqueuecount GROUP BY 1, 2, 3",
    ),
}


def install(connection, *, sections: bool = True) -> None:
    """Create (or replace) the triggers and recount; PostgreSQL only, a no-op elsewhere."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(sql_create(sections=sections))
    recount(connection, sections=sections)


def recount(connection, *, sections: bool = True) -> None:
    """Rebuild the counters from the comment rows, writes held off meanwhile (call inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(SQL_RECOUNT_LOCKS)  # no writes between the recount and the triggers
        cursor.execute(SQL_RECOUNT_ARTICLES)
        if sections:
            cursor.execute(SQL_RECOUNT_SECTIONS)


def drift(connection) -> list[tuple[str, tuple, int, int]]:
    """[(level, (article or section id, status, reviewed), counter, rows)] for every key that drifts."""
    out = []
    with connection.cursor() as cursor:
        for level, sql in SQL_DRIFT.items():
            cursor.execute(sql)
            out += [(level, (key, status, reviewed), kept, truth) for key, status, reviewed, kept, truth in cursor]
    return out


def uses_counters(connection) -> bool:
    return connection.vendor == "postgresql"
