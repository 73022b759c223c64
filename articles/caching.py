"""Cached page fragments: what every visitor sees alike is rendered once and kept for a short while.

Two kinds of fragment (Django's `{% cache %}` tag in the templates):
- the article's own content (breadcrumb, headline, photo, body, pager, "We Recommend") is keyed by the article's
  id, its `updated_at` and the page number, so an edit makes a new key at once; saving a page, photo or related
  link touches the article's `updated_at` (articles/signals.py);
- the shared blocks (site navigation, "Latest News", "Most Popular", the curated lists, the home page's lists)
  live `SHARED_TIMEOUT` seconds and are deleted after any commit that changes articles, sections or curated
  lists (and `SHARED_VERSION_KEY` moves, for the whole cached pages of articles/page_cache.py). With the
  local-memory cache of the embedded default each process holds its own copy, so another
  process may show the old block until the timeout; with Redis (production) the delete reaches every process.

Nothing a visitor typed or owns is inside a fragment: the comment block and its CSRF token render per request.
"""

import time

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import transaction

SHARED_TIMEOUT = 60
ARTICLE_TIMEOUT = 600

# Fragment names used in the templates; the shared ones vary only on a section id ("" = site-wide).
ARTICLE_MAIN = "article-main"
SITE_NAV = "site-nav"
SIDEBAR = "sidebar"
LATEST_TICKER = "latest-ticker"
HOME_LISTS = "home-lists"
# Moved with every invalidation of the shared blocks: whole cached pages that contain them (articles/page_cache.py)
# carry it in their version.
SHARED_VERSION_KEY = "articles:shared-version"


def shared_fragment_keys(section_ids) -> list[str]:
    keys = [
        make_template_fragment_key(SITE_NAV),
        make_template_fragment_key(LATEST_TICKER),
        make_template_fragment_key(HOME_LISTS),
        make_template_fragment_key(SIDEBAR, [""]),
    ]
    keys += [make_template_fragment_key(SIDEBAR, [section_id]) for section_id in section_ids]
    return keys


def shared_fragments_invalidate() -> None:
    """Drop the shared blocks after the current transaction commits (at once outside one).

    Also the hook for the Most Popular ranking job once it stores a new snapshot.
    """
    transaction.on_commit(_delete_shared_fragments)


def _delete_shared_fragments() -> None:
    from articles.models import Section

    cache.delete_many(shared_fragment_keys(Section.objects.values_list("pk", flat=True)))
    cache.set(SHARED_VERSION_KEY, time.time_ns(), timeout=None)
