"""Walks EVERY route under /moderation/ and /api/v1/moderation/ (found by introspecting the URL resolver, so a new
route is covered without touching this file) as anonymous, reader and moderator, with GET and POST."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from comments.models import Ban, Comment, Flag, ModerationDecision, WordRule
from tests.factories import CommentFactory, UserFactory, make_moderator, report

pytestmark = pytest.mark.django_db

PREFIXES = ("moderation/", "api/v1/moderation/")
# The sign-in page must open for everyone, and signing out is harmless: both are refused nothing by design.
PUBLIC = {"/moderation/login/", "/moderation/logout/"}


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def moderation_routes() -> list[str]:
    routes = [r.lstrip("^").rstrip("$") for r in walk(get_resolver().url_patterns)]
    return sorted({r for r in routes if r.startswith(PREFIXES)})


@pytest.fixture
def world():
    comment = CommentFactory(status=Comment.Status.PENDING)
    published = CommentFactory(status=Comment.Status.PUBLISHED)
    report(published, 1)
    mod = make_moderator()
    ban = Ban.objects.create(kind="ip", value="z" * 64, created_by=mod)
    rule = WordRule.objects.create(kind="banned", word="scam")
    return {"comment_id": comment.pk, "ban_id": ban.pk, "rule_id": rule.pk, "name": "pending", "mod": mod}


def concrete(route: str, world: dict) -> str:
    def fill(match):
        name = match.group(2)
        assert name in world, f"the authz walker does not know how to fill <{match.group(0)}> in {route}"
        return str(world[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def state() -> dict:
    """Everything a decision could change (leases are not decisions and may change on GET)."""
    return {
        "statuses": dict(Comment.objects.values_list("id", "status")),
        "flags": dict(Comment.objects.values_list("id", "flag_count")),
        "resolved": Flag.objects.filter(resolved_at__isnull=False).count(),
        "decisions": ModerationDecision.objects.count(),
        "bans": list(Ban.objects.values_list("id", "expires_at")),
        "words": list(WordRule.objects.values_list("id", flat=True)),
    }


def refused(response, api: bool, signed_in: bool) -> bool:
    if api:
        return response.status_code == (403 if signed_in else 401)
    if signed_in:
        return response.status_code == 403
    return response.status_code == 302 and "/login/" in response["Location"]


def test_the_walker_sees_every_moderation_route():
    routes = moderation_routes()
    assert "moderation/" in routes and "api/v1/moderation/decisions/" in routes
    assert len(routes) >= 18, routes


def test_every_moderation_route_refuses_outsiders_and_no_get_changes_state(world):
    routes = moderation_routes()
    reader = Client()
    reader.force_login(UserFactory(username="plainreader"))
    reader_api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(username='apireader')).key}")
    moderator = Client()
    moderator.force_login(world["mod"])
    moderator_api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world['mod']).key}")
    before = state()
    holes = []

    for route in routes:
        url = concrete(route, world)
        api = route.startswith("api/")
        if url in PUBLIC:
            continue
        for who, client, signed_in in (
            ("anonymous", Client(), False),
            ("reader", reader_api if api else reader, True),
        ):
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if not refused(response, api, signed_in):
                    holes.append(f"{who} {method.upper()} {url} -> {response.status_code}")
        response = (moderator_api if api else moderator).get(url)
        if response.status_code not in (200, 405):
            holes.append(f"moderator GET {url} -> {response.status_code}")
        if state() != before:
            holes.append(f"state changed after GETs of {url}")
            before = state()

    assert holes == []
    assert state() == before


def test_moderator_post_reaches_the_decision_routes(world):
    moderator = Client()
    moderator.force_login(world["mod"])

    response = moderator.post(f"/moderation/comments/{world['comment_id']}/decide/", {"action": "approve"})

    assert response.status_code == 303
    assert Comment.objects.get(pk=world["comment_id"]).status == Comment.Status.PUBLISHED
