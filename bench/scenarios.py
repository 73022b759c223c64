"""The core load scenarios. Other issues add theirs in bench/scenarios_<name>.py, each a module-level
`SCENARIOS = [Scenario(...), ...]` that bench/run.py finds by itself (no shared list to merge).

Example (a POST with wrk's Lua, against its own server with a documented test-only switch):

    from bench.harness import Scenario

    SCENARIOS = [
        Scenario("comment list, 50 per page", lambda ctx: f"/api/v1/articles/{ctx.seed_article_id()}/comments/"
                 "?page_size=50", ceiling="drf", headers={"Accept": "application/json"}),
        Scenario("POST a guest comment", lambda ctx: f"/api/v1/articles/{ctx.seed_article_id()}/comments/",
                 ceiling="drf", target=None, server_env={"SOME_RATE_LIMIT_SWITCH": "0"},
                 lua='wrk.method = "POST"\\nwrk.body = \\'{"name": "Bench", "body": "Hello"}\\'\\n'
                     'wrk.headers["Content-Type"] = "application/json"\\n'),
    ]
"""

from bench.harness import Scenario

SCENARIOS = [
    # Issue 2's promise: the seed article page at >= 50% of hello-world Django (as ../shared/checks/perf-article).
    Scenario("article page (seed article)", lambda ctx: ctx.seed_article_path(), ceiling="django", target=0.5),
    # The production shape: the page cache's version check is a round trip to another process's database.
    Scenario(
        "article page (seed article), PostgreSQL",
        lambda ctx: ctx.seed_article_path(),
        ceiling="django",
        target=None,
        postgres=True,
    ),
    # The same page without the access-log line: what one JSON log line per request costs.
    Scenario(
        "article page, access log off",
        lambda ctx: ctx.seed_article_path(),
        ceiling="django",
        target=None,
        server_env={"NEWSPORTAL_ACCESS_LOG": "0"},
    ),
    # The floor of the project's own stack: every middleware, no database.
    Scenario("/healthz (full middleware stack)", "/healthz", ceiling="django", target=None),
]
