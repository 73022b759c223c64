"""The comment block's cached part: the rendered thread list.

The thread list HTML (sort links, comments, paging) is the same for every visitor who owns none of the comments
shown (anonymous, no edit secrets in the session), so it is rendered once per article, sort, page and version.
The key holds the article's `updated_at` and `comment_count` (every publish/unpublish moves the count, and the
article row is read anyway) and a per-article version moved after every commit that changes what readers see
(`on_comments_changed`, e.g. an edited text). With Redis the version reaches every process at once; with the
embedded local-memory cache another process may show an edit's old text until LIST_TIMEOUT passes.

The article's effective moderation policy is cached for the block the same way (key: article, `updated_at` and
a version moved whenever any policy is saved or deleted); posting always reads it from the database.

A cache that fails is bypassed: the block renders from the database.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")

LIST_TIMEOUT = 60
POLICY_TIMEOUT = 60
POLICY_VERSION_KEY = "comments:policy-version"


def _version_key(article_id: int) -> str:
    return f"comments:list-version:{article_id}"


def list_versions_bump(article_ids) -> None:
    """An on_comments_changed hook: new keys for these articles' cached thread lists."""
    try:
        cache.set_many({_version_key(pk): time.time_ns() for pk in article_ids}, timeout=24 * 3600)
    except Exception:
        logger.warning("could not bump comment list versions for %s", article_ids, exc_info=True)


def _article_stamp(article) -> str:
    """Identifies this article row as it is now (pk, last edit): ids reused by another database never collide."""
    return f"{article.pk}:{article.updated_at.timestamp() if article.updated_at else 0}"


def _get_or_make(make_key: Callable[[], str], make: Callable[[], T], timeout: int) -> T:
    """The cached value under make_key(), else make() (cached on the way); a failing cache is bypassed."""
    try:
        key = make_key()
        value = cache.get(key)
    except Exception:
        logger.warning("comments cache unavailable", exc_info=True)
        return make()
    if value is None:
        value = make()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.warning("could not cache %s", key, exc_info=True)
    return value


def thread_html(*, article, sort: str, page: int, closed: bool, render: Callable[[], str]) -> str:
    """The cached thread list of one article page, or `render()` when missing."""

    def key() -> str:
        version = cache.get(_version_key(article.pk), 0)
        return f"comments:list:{_article_stamp(article)}:{article.comment_count}:{version}:{sort}:{page}:{int(closed)}"

    return _get_or_make(key, render, LIST_TIMEOUT)


def policy_cached(article, load: Callable[[], T]) -> T:
    """The article's effective policy from the cache, or `load()` when missing."""

    def key() -> str:
        return f"comments:policy:{cache.get(POLICY_VERSION_KEY, 0)}:{_article_stamp(article)}:{article.section_id}"

    return _get_or_make(key, load, POLICY_TIMEOUT)


def policies_changed(**kwargs) -> None:
    """post_save/post_delete receiver for ModerationPolicy: every cached effective policy is out of date."""
    try:
        cache.set(POLICY_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.warning("could not move the policy cache version", exc_info=True)
