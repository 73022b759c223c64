"""Real headless Chromium: a reader posts through the page's own form; every hostile corpus line renders literally.

The corpus comments are created through `comment_create` in bulk (the same service the form calls) and then
published; Chromium loads every page of comments with the network outside the test server blocked, with
alert/confirm/prompt hooked and a DOM check for any element a comment could have injected.
"""

import re
from pathlib import Path

import pytest

from comments.models import NAME_MAX_LENGTH, Comment
from comments.services.lifecycle import comment_transition
from comments.services.posting import comment_create
from newsportal.errors import ApplicationError
from newsportal.http import ClientInfo
from tests.comments.conftest import make_article

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

DATA = Path(__file__).resolve().parent.parent / "data"

# Runs before any page script: records any dialog or injected-script marker instead of showing it.
HOOKS = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(name + ":" + args.join(",")); };
}
"""

# Elements a rendered comment may contain: paragraphs, line breaks and http(s) links; anything else was injected.
INJECTED = """
() => {
  const bad = [];
  for (const node of document.querySelectorAll(".comment-body *, .comment-author *")) {
    const tag = node.tagName.toLowerCase();
    const okLink = tag === "a" && /^https?:\\/\\//i.test(node.getAttribute("href") || "")
      && node.getAttribute("rel") === "nofollow ugc noopener" && node.attributes.length === 2;
    if (!(tag === "p" && node.attributes.length === 0) && !(tag === "br" && node.attributes.length === 0) && !okLink) {
      bad.push(node.outerHTML.slice(0, 120));
    }
  }
  for (const s of document.querySelectorAll("script, iframe, object, embed, svg, math, base, meta[http-equiv]")) {
    bad.push(s.outerHTML.slice(0, 120));
  }
  return bad;
}
"""

SHOWN = """
() => Array.from(document.querySelectorAll("article.comment")).map(el => [
  el.id,
  el.querySelector(".comment-author")?.textContent ?? null,
  el.querySelector(".comment-body")?.textContent ?? null,
])
"""


def corpus_lines(name: str) -> list[str]:
    """The corpus rules: binary, split on LF only, skip '#' comments and empty lines, no stripping."""
    raw = (DATA / name).read_bytes().split(b"\n")
    return [line.decode("utf-8") for line in raw if line and not line.startswith(b"#")]


def as_text(value: str) -> str:
    """What the DOM's textContent holds for stored text: line breaks became <br> (no text) and nothing else."""
    return re.sub(r"[\r\n]", "", value)


def block_outside_requests(page, live_server) -> None:
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort(),
    )


def test_reader_types_a_name_and_comment_and_sees_it_published(live_server, page, dialogs):
    article = make_article()
    block_outside_requests(page, live_server)

    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_label("Name", exact=True).fill("Chromium Reader")
    page.get_by_label("Comment", exact=True).fill("Typed in a real browser.\nSecond line <b>kept</b> {{ 7*7 }}")
    page.wait_for_timeout(4000)  # a person takes a few seconds: a faster post is held as too fast
    page.get_by_role("button", name="Post comment").click()

    page.wait_for_url(re.compile(r"posted=published"))
    assert "your comment is published" in page.locator("#comment-status").inner_text()
    comment = Comment.objects.get()
    body = page.locator(f"#comment-{comment.pk} .comment-body")
    assert body.inner_text().splitlines() == ["Typed in a real browser.", "Second line <b>kept</b> {{ 7*7 }}"]
    assert page.locator(f"#comment-{comment.pk} .comment-author").inner_text() == "Chromium Reader"
    assert "1 comment" in page.locator(".comment-count").inner_text()
    assert page.script_errors == [] and dialogs == []


def _post_corpus(article, lines: list[str]) -> tuple[dict[int, tuple[str, str]], list[str]]:
    """Each line as Name (cut to the name limit) and as comment; the expected (name, body) per comment id, and
    the lines the service refused (with a 4xx code, never an exception of another kind)."""
    expected, refused = {}, []
    for n, line in enumerate(lines):
        for name, body in ((line[:NAME_MAX_LENGTH], f"Name probe {n}"), (f"Reader {n}", line)):
            client = ClientInfo(ip=f"127.40.{n // 250}.{n % 250 + 1}", user_agent="corpus")
            try:
                result = comment_create(article=article, body=body, client=client, author_name=name)
            except ApplicationError as exc:
                assert 400 <= exc.status < 500 and exc.code == "invalid", (exc.code, line[:60])
                refused.append(line)
                continue
            expected[result.comment.pk] = (name, body)
    # Gates, policy or spam scoring may have held some: publish them all, as a moderator would.
    for comment in Comment.objects.filter(article=article).exclude(status=Comment.Status.PUBLISHED):
        comment_transition(comment=comment, to_status=Comment.Status.PUBLISHED, action="approve")
    return expected, refused


@pytest.mark.parametrize("corpus", ["xss.txt", "naughty.txt"])
def test_every_hostile_line_renders_literally_without_running(live_server, page, dialogs, settings, corpus):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.NEWSPORTAL_COMMENT_MAX_LINKS = 1000
    settings.NEWSPORTAL_COMMENTS_PER_PAGE = 100
    article = make_article()
    lines = corpus_lines(corpus)
    expected, refused = _post_corpus(article, lines)
    # Refused only for the documented reasons: NUL, over the length limit, or nothing but whitespace.
    assert all("\x00" in line or len(line) > 5000 or not line.strip() for line in refused)
    assert len(expected) >= 2 * len(lines) - 2 * len(refused)

    block_outside_requests(page, live_server)
    page.add_init_script(HOOKS)
    seen: dict[int, tuple[str | None, str | None]] = {}
    url = live_server.url + article.get_absolute_url()
    while url:
        assert page.goto(url).status == 200
        assert page.evaluate("window.__xss") == []
        assert page.evaluate(INJECTED) == []
        for element_id, name, body in page.evaluate(SHOWN):
            seen[int(element_id.removeprefix("comment-"))] = (name, body)
        more = page.locator("a[rel=next]")
        url = live_server.url + more.first.get_attribute("href") if more.count() else None

    assert set(seen) == set(expected)
    mismatched = [
        (cid, name[:40]) for cid, (name, body) in expected.items() if seen[cid] != (as_text(name), as_text(body))
    ]
    assert mismatched == []
    assert page.script_errors == [] and dialogs == []
