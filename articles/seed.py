"""Reading the seed page (articles/fixtures/seed_article.txt): pure parsing, no ORM.

The seed is the text of one article page of an English-language national news site (January 2013) as a reader
saw it: ticker, breadcrumb, headline, dateline, photo caption, body, pager, "We Recommend", the comment form,
"Selections for you", "Most Popular" and "What's happening in China". `parse_seed_page` turns it into a
`SeedPage`; `articles.services.seed_load` stores it. Nothing here invents text: every string comes from the file.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SEED_FILE = Path(__file__).resolve().parent / "fixtures" / "seed_article.txt"
# The page is Beijing time (the site's own zone, Asia/Shanghai), whatever TIME_ZONE this deployment runs in.
SEED_TIME_ZONE = ZoneInfo("Asia/Shanghai")
DATELINE_FORMAT = "%H:%M, %B %d, %Y"

_NUMBERED = re.compile(r"^\d+\.\s*(.*)$")
_PAGER = re.compile(r"【(\d+)】")
_CREDIT = re.compile(r"^(?P<caption>.*?)\s*\((?P<credit>[^()]*/[^()]*)\)\s*$")
_SOURCE = re.compile(r"^[A-Z][A-Z .,-]*,[^(]*\((?P<source>[^)]+)\)\s*--")

WE_RECOMMEND = "We Recommend"
SELECTIONS = "Selections for you"
MOST_POPULAR = "Most Popular"
LEAVE_COMMENT = "Leave your comment"


class SeedFormatError(ValueError):
    """The seed file does not have the shape of the article page."""


@dataclass(frozen=True)
class SeedList:
    title: str
    items: list[str]
    lead: str = ""


@dataclass(frozen=True)
class SeedPage:
    breadcrumb: list[str]
    headline: str
    published_at: datetime
    caption: str
    credit: str
    paragraphs: list[str]
    page_total: int
    source: str
    we_recommend: list[str]
    selections: SeedList
    most_popular: SeedList
    whats_happening: SeedList


def split_caption(text: str) -> tuple[str, str]:
    """ "... Jan. 8, 2013. (Xinhua/Lan Hongguang)" -> ("... Jan. 8, 2013.", "Xinhua/Lan Hongguang")."""
    match = _CREDIT.match(text.strip())
    if match is None:
        return text.strip(), ""
    return match["caption"], match["credit"].strip()


def _numbered(line: str) -> str | None:
    match = _NUMBERED.match(line)
    return match.group(1).strip() if match else None


def parse_seed_page(text: str) -> SeedPage:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    try:
        return _parse(lines)
    except (IndexError, ValueError) as exc:
        raise SeedFormatError(f"the seed page is not in the expected shape: {exc}") from exc


def _parse(lines: list[str]) -> SeedPage:
    pos = 0
    if lines[pos].startswith("Latest News"):
        pos += 1
    breadcrumb = [part.strip() for part in lines[pos].split(">>")]
    headline = lines[pos + 1]
    published_at = datetime.strptime(lines[pos + 2], DATELINE_FORMAT).replace(tzinfo=SEED_TIME_ZONE)
    caption, credit = split_caption(lines[pos + 3])
    pos += 4

    paragraphs: list[str] = []
    while not _PAGER.search(lines[pos]):
        paragraphs.append(lines[pos])
        pos += 1
    page_total = max(int(n) for n in _PAGER.findall(lines[pos]))
    pos += 1

    if not lines[pos].startswith(WE_RECOMMEND):
        raise ValueError(f"expected {WE_RECOMMEND!r}, found {lines[pos]!r}")
    pos += 1
    we_recommend: list[str] = []
    while not lines[pos].startswith(LEAVE_COMMENT):
        we_recommend.append(lines[pos])
        pos += 1
    pos += 1
    # The comment form ("1. Name") belongs to the page, not to any list.
    while _numbered(lines[pos]) is not None:
        pos += 1

    lists: list[SeedList] = []
    while pos < len(lines):
        title = lines[pos]
        pos += 1
        lead, items = "", []
        if pos < len(lines) and _numbered(lines[pos]) is None:
            lead = lines[pos]
            pos += 1
        while pos < len(lines) and (item := _numbered(lines[pos])) is not None:
            items.append(item)
            pos += 1
        lists.append(SeedList(title=title, items=items, lead=lead))
    by_title = {seed_list.title: seed_list for seed_list in lists}
    whats_happening = next(seed_list for seed_list in lists if "happening" in seed_list.title)

    source_match = _SOURCE.match(paragraphs[0])
    return SeedPage(
        breadcrumb=breadcrumb,
        headline=headline,
        published_at=published_at,
        caption=caption,
        credit=credit,
        paragraphs=paragraphs,
        page_total=page_total,
        source=source_match["source"] if source_match else "",
        we_recommend=we_recommend,
        selections=by_title[SELECTIONS],
        most_popular=by_title[MOST_POPULAR],
        whats_happening=whats_happening,
    )


def load_seed_page(path: Path = SEED_FILE) -> SeedPage:
    return parse_seed_page(path.read_text(encoding="utf-8"))
