"""What a comment's text says about it, measured without any context: links, contacts, shouting, repetition."""

import re
from dataclasses import dataclass

# Free URL shorteners hide where a link goes: a favourite of link spam.
SHORTENERS = frozenset(
    {
        "bit.ly", "bitly.com", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly",
        "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id", "bl.ink", "lnkd.in", "v.gd", "adf.ly", "shorte.st",
        "clck.ru", "tr.im", "x.co", "qr.net", "u.to", "soo.gd", "short.io",
    }
)  # fmt: skip
_TLDS = (
    "com|net|org|info|biz|ru|cn|xyz|top|io|ly|me|co|us|uk|de|fr|in|click|link|online|site|shop|store|club|live|"
    "win|bid|loan|vip|app|gl|gd|at|cc|to|su|pw|tk|ml|ga|cf|gq|ws"
)
URL_RE = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?"
)
EMAIL_RE = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
# Seven or more digits, allowing the separators people put in phone numbers: +44 (0)20 7946-0000, 0800 123 4567.
PHONE_RE = re.compile(r"(?<![\w.])\+?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w.])")
REPEAT_RE = re.compile(r"(.)\1{5,}", re.DOTALL)
_HOST_RE = re.compile(r"(?i)^(?:https?://)?(?:[^@/\s]*@)?([^/:?#\s]+)")


@dataclass(frozen=True)
class TextFeatures:
    length: int
    links: int
    domains: tuple[str, ...]  # distinct hosts, lower-case, without "www."
    shorteners: tuple[str, ...]
    emails: int
    phones: int
    letters: int
    upper_ratio: float  # capitals among letters (0 when there are none)
    repeat_runs: int  # runs of 6+ identical characters ("!!!!!!", "soooooo")
    suspect_hits: tuple[str, ...]  # suspect words found, as listed


def link_host(url: str) -> str:
    match = _HOST_RE.match(url)
    host = (match.group(1) if match else url).lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def suspect_words_in(text: str, suspect_words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The suspect words (or phrases) present as whole words, case-insensitive, in the order listed."""
    lowered = text.lower()
    found = []
    for word in suspect_words:
        w = word.strip().lower()
        if w and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered):
            found.append(word.strip())
    return tuple(dict.fromkeys(found))


def text_features(text: str, suspect_words: list[str] | tuple[str, ...] = ()) -> TextFeatures:
    without_emails = EMAIL_RE.sub(" ", text)
    urls = URL_RE.findall(without_emails)
    domains = tuple(dict.fromkeys(link_host(u) for u in urls))
    letters = [c for c in text if c.isalpha()]
    cased = [c for c in letters if c.isupper() or c.islower()]
    upper = sum(1 for c in cased if c.isupper())
    return TextFeatures(
        length=len(text),
        links=len(urls),
        domains=domains,
        shorteners=tuple(d for d in domains if d in SHORTENERS),
        emails=len(EMAIL_RE.findall(text)),
        phones=len(PHONE_RE.findall(URL_RE.sub(" ", without_emails))),
        letters=len(letters),
        upper_ratio=(upper / len(cased)) if cased else 0.0,
        repeat_runs=len(REPEAT_RE.findall(text)),
        suspect_hits=suspect_words_in(text, suspect_words),
    )
