"""The blocks around every page (navigation, "Latest News" ticker, sidebar), cached for all visitors alike.

Tags rather than view context, so any page that extends base.html (comments, moderation, accounts) gets the
same header without its view knowing about articles.
"""

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from articles import caching, selectors

register = template.Library()


def _cached(name: str, vary_on: list, template_name: str, build_context) -> str:
    key = make_template_fragment_key(name, vary_on)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, build_context())
        cache.set(key, html, caching.SHARED_TIMEOUT)
    # Rendered by our own templates, which escaped every value.
    return mark_safe(html)


@register.simple_tag
def site_nav() -> str:
    return _cached(caching.SITE_NAV, [], "articles/_site_nav.html", lambda: {"sections": selectors.section_roots()})


@register.simple_tag
def latest_ticker() -> str:
    return _cached(
        caching.LATEST_TICKER,
        [],
        "articles/_latest_ticker.html",
        lambda: {"latest": selectors.latest_articles(limit=selectors.TICKER_LIMIT)},
    )


@register.simple_tag
def portal_sidebar(section=None) -> str:
    """Selections for you, Most Popular (of `section`, or site-wide), What's happening in China, Latest News."""

    def build() -> dict:
        return {
            "selections": selectors.curated_list_get(slug=selectors.SELECTIONS),
            "most_popular": selectors.most_popular(section=section),
            "whats_happening": selectors.curated_list_get(slug=selectors.WHATS_HAPPENING),
            "latest": selectors.latest_articles(),
        }

    return _cached(caching.SIDEBAR, [section.pk if section else ""], "articles/_sidebar.html", build)
