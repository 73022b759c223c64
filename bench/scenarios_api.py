"""The comment API under load (issue 7): the list at 50 per page and a guest POST, against hello-world DRF.

Targets: the list >= 50% of the DRF ceiling's req/s, the POST >= 20%, p99 < 50 ms at 16 connections (the p99
column of the table). The list's data: 60 published comments on the seed article, made through the same
services as the API (comment_create, then comment_transition as a moderator's approval would).
"""

import os

from bench.harness import Context, Scenario

SEED_COMMENTS = """
from articles.models import Article
from comments.models import Comment
from comments.services.lifecycle import comment_transition
from comments.services.posting import comment_create
from newsportal.http import ClientInfo

article = Article.objects.get(pk={article_id})
have = Comment.objects.filter(article=article, status="published", parent__isnull=True).count()
for i in range(have, 60):
    created = comment_create(
        article=article,
        body=f"Reader {{i}} on the talks: I would like more reporting on how this affects families (note {{i}}).",
        client=ClientInfo(ip=f"127.20.0.{{i + 1}}", user_agent="bench"),
        author_name=f"Reader {{i}}",
    )
    if created.comment.status != "published":
        comment_transition(comment=created.comment, to_status="published", action=None)
print(Comment.objects.filter(article=article, status="published", parent__isnull=True).count())
"""

# Unique text (and key) per request: the duplicate gate would hold a repeated text as pending, and a repeated
# Idempotency-Key replays the first answer. Each wrk thread has its own Lua state with the same random seed, so
# the text carries the thread's number (setup) and the run's start time as well as a per-thread counter.
_UNIQUE_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function init(args)
  prefix = os.time() .. "-" .. thread_number .. "-"
  counter = 0
end
"""
POST_LUA = (
    _UNIQUE_LUA
    + """
request = function()
  counter = counter + 1
  local body = '{"name":"Bench Reader","body":"Bench comment ' .. prefix .. counter .. '"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Accept"] = "application/json"}, body)
end
"""
)

# The same POST as a mobile app sends it, with a new Idempotency-Key each (docs/api.md): the key is stored with
# the comment in the same transaction.
POST_KEY_LUA = (
    _UNIQUE_LUA
    + """
request = function()
  counter = counter + 1
  local n = prefix .. counter
  local body = '{"name":"Bench Reader","body":"Bench comment ' .. n .. '"}'
  local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
  headers["Idempotency-Key"] = "bench-" .. n
  return wrk.format("POST", nil, headers, body)
end
"""
)

# The load comes from one address: the posting and API write limits would answer 429 to almost all of it.
# Spam scoring goes to a broker as in production (DESIGN.md section 5); without one the embedded default scores
# inline in the request, which is what a broker-less `make run` does, not what the API promises to serve.
POST_ENV = {
    "NEWSPORTAL_RATE_LIMITS_ENABLED": "0",
    "NEWSPORTAL_API_RATE_WRITE": "off",
    "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8"),
}


def comment_list(ctx: Context) -> str:
    article_id = ctx.seed_article_id()
    count = ctx.shell(SEED_COMMENTS.format(article_id=article_id)).splitlines()[-1]
    if int(count) < 50:
        raise RuntimeError(f"only {count} published comments on the seed article")
    return f"/api/v1/articles/{article_id}/comments/?page_size=50"


def comment_post(ctx: Context) -> str:
    return f"/api/v1/articles/{ctx.seed_article_id()}/comments/"


SCENARIOS = [
    Scenario(
        "API comment list, 50 per page",
        comment_list,
        ceiling="drf",
        target=0.5,
        headers={"Accept": "application/json"},
    ),
    Scenario(
        "API comment list, 50 per page, PostgreSQL",
        comment_list,
        ceiling="drf",
        target=None,
        headers={"Accept": "application/json"},
        postgres=True,
    ),
    # Writes on PostgreSQL, as in production (SQLite serialises writers: 16 connections meet "database is locked").
    Scenario(
        "API POST a guest comment, PostgreSQL",
        comment_post,
        ceiling="drf",
        target=0.2,
        lua=POST_LUA,
        server_env=POST_ENV,
        postgres=True,
    ),
    Scenario(
        "API POST a guest comment with an Idempotency-Key, PostgreSQL",
        comment_post,
        ceiling="drf",
        target=None,
        lua=POST_KEY_LUA,
        server_env=POST_ENV,
        postgres=True,
    ),
]
