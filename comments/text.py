"""Comment text rules shared by the form, the API, the services and the template filter (pure, no ORM).

One normalisation only: CRLF line endings become LF (browsers submit a textarea's line breaks as CRLF). Nothing
else is changed: no trimming, no Unicode normalisation, so a comment is stored and shown exactly as sent.
"""

import hashlib
import re
from collections.abc import Iterable

from django.utils.html import escape

# http(s) URLs as readers paste them; the filter turns exactly these into links and nothing else.
URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_HAS_HOST = re.compile(r"https?://[^/?#]", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?*'\""
LINK_REL = "nofollow ugc noopener"


def normalise_body(text: str) -> str:
    """The one documented normalisation (docs/comments.md): CRLF -> LF."""
    return text.replace("\r\n", "\n")


def invalid_text_reason(text: str) -> str | None:
    """Why `text` cannot be stored at all (the database refuses NUL and unpaired surrogates), else None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    return None


def _trim_url(url: str) -> str:
    """Drop punctuation that ends a sentence rather than the URL ("see https://x.org/a." and "(https://x.org)")."""
    while url:
        if url[-1] in _TRAILING_PUNCTUATION:
            url = url[:-1]
        elif url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _links(text: str) -> Iterable[tuple[int, str]]:
    """(start, url) of every http(s) URL with a host in `text`."""
    for m in URL_RE.finditer(text):
        url = _trim_url(m.group(0))
        if _HAS_HOST.match(url):
            yield m.start(), url


def find_links(text: str) -> list[str]:
    return [url for _, url in _links(text)]


def fingerprint(text: str) -> str:
    """Identity of a text for the repeated-text gate: case and runs of whitespace do not make it new."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode("utf-8", "surrogatepass")).hexdigest()


def word_pattern(words: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern matching any of `words` as a whole word (so "Scunthorpe" never hits)."""
    alternatives = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in alternatives) + r")(?!\w)", re.IGNORECASE)


def _linkify_line(line: str) -> str:
    out, pos = [], 0
    for start, url in _links(line):
        out.append(escape(line[pos:start]))
        href = escape(url)
        out.append(f'<a href="{href}" rel="{LINK_REL}">{href}</a>')
        pos = start + len(url)
    out.append(escape(line[pos:]))
    return "".join(out)


def render_html(text: str) -> str:
    """Comment text as HTML: everything escaped, paragraphs (<p>) at blank lines, <br> at single line breaks,
    http(s) URLs as rel="nofollow ugc noopener" anchors. Nothing else a reader typed becomes markup."""
    # A lone CR is a line break to the browser's parser anyway: render it as one, like LF.
    paragraphs = re.split(r"\n{2,}", normalise_body(text).replace("\r", "\n"))
    return "".join("<p>" + "<br>".join(_linkify_line(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
