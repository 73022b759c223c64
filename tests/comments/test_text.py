"""The text rules (pure): one normalisation, whole-word matching, and the one way text becomes HTML."""

import pytest

from comments import policy, text


def test_only_crlf_is_normalised():
    assert text.normalise_body("a\r\nb\rc\n \t") == "a\nb\rc\n \t"


@pytest.mark.parametrize(
    "raw, html",
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("{{ 7*7 }} {% now %}", "<p>{{ 7*7 }} {% now %}</p>"),
        ("one\ntwo", "<p>one<br>two</p>"),
        ("para one\n\n\npara two", "<p>para one</p><p>para two</p>"),
        ("\"quoted\" & 'single'", "<p>&quot;quoted&quot; &amp; &#x27;single&#x27;</p>"),
    ],
)
def test_render_html_escapes_everything_and_keeps_line_breaks(raw, html):
    assert text.render_html(raw) == html


def test_http_urls_become_nofollow_links_and_nothing_else_does():
    html = text.render_html("see https://example.org/a?b=1&c=2. or javascript:alert(1) or ftp://x.org")
    assert html == (
        '<p>see <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        "https://example.org/a?b=1&amp;c=2</a>. or javascript:alert(1) or ftp://x.org</p>"
    )


@pytest.mark.parametrize(
    "raw",
    [
        'http://x.org/"onmouseover="alert(1)',
        "http://x.org/<img src=x onerror=alert(1)>",
        "https://x.org/'><svg/onload=alert(1)>",
    ],
)
def test_urls_cannot_break_out_of_the_attribute(raw):
    html = text.render_html(raw)
    assert "<img" not in html and "<svg" not in html and '"onmouseover' not in html
    assert html.count("<a ") == 1 and html.count('"') == 4


def test_link_trims_sentence_punctuation_but_keeps_balanced_parentheses():
    assert text.find_links("(see https://en.wikipedia.org/wiki/Foo_(bar)).") == [
        "https://en.wikipedia.org/wiki/Foo_(bar)"
    ]
    assert text.find_links("http:// and https://") == []


def test_word_pattern_matches_whole_words_case_insensitively():
    pattern = text.word_pattern(["spam", "buy now"])
    assert pattern.search("BUY NOW!") and pattern.search("(spam)")
    assert not pattern.search("spammer") and not pattern.search("antispam")
    assert text.word_pattern([]) is None


def test_fingerprint_ignores_case_and_whitespace_runs():
    assert text.fingerprint("Same  words\nhere") == text.fingerprint("same words here")
    assert text.fingerprint("same words") != text.fingerprint("same word")


@pytest.mark.parametrize(
    "mode, is_guest, has_links, approved, expected",
    [
        ("post", True, True, 0, "published"),
        ("pre_all", False, False, 99, "pending"),
        ("pre_guests", True, False, 0, "pending"),
        ("pre_guests", False, False, 0, "published"),
        ("pre_links", True, True, 0, "pending"),
        ("pre_links", True, False, 0, "published"),
        ("pre_new", False, False, 2, "pending"),
        ("pre_new", False, False, 3, "published"),
    ],
)
def test_initial_status_per_mode(mode, is_guest, has_links, approved, expected):
    decision = policy.initial_status(
        mode=mode,
        is_guest=is_guest,
        has_links=has_links,
        approved_count=approved,
        new_commenter_threshold=3,
        hold_reasons=[],
    )
    assert decision.status == expected
    assert bool(decision.reasons) == (expected == "pending")


def test_any_gate_reason_holds_even_under_post_moderation():
    decision = policy.initial_status(
        mode="post",
        is_guest=False,
        has_links=False,
        approved_count=0,
        new_commenter_threshold=0,
        hold_reasons=["honeypot"],
    )
    assert decision.status == "pending" and decision.reasons == ["honeypot"]
