"""Most Popular: what counting a view costs the article page (issue 6: on >= 95% of off, same run).

Both sides send a browser's User-Agent (wrk sends none, and a request without one is a crawler to the counter,
so it would count nothing). No cookie is kept, so every request takes the IP + user-agent path: the first is a
new view, the rest are the same reader's repeat views in the hour, deduplicated by the store (the common case).
The server has no REDIS_URL here, so the embedded in-memory store counts; the Redis store costs one EVALSHA
round trip more per view.
"""

from bench.harness import Scenario

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
}

SCENARIOS = [
    Scenario(
        f"article page, view counting {label}",
        lambda ctx: ctx.seed_article_path(),
        ceiling="django",
        target=None,
        headers=BROWSER,
        server_env={"NEWSPORTAL_COUNT_VIEWS": switch},
    )
    for label, switch in (("on", "1"), ("off", "0"))
]
