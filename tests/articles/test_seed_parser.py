from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from articles.seed import SEED_FILE, SeedFormatError, load_seed_page, parse_seed_page, split_caption


def test_the_fixture_is_the_shared_seed_page_verbatim():
    text = SEED_FILE.read_text(encoding="utf-8")

    assert text.startswith("Latest News:")
    assert "【1】 【2】 【3】" in text


def test_parses_the_article_itself():
    seed = load_seed_page()

    assert seed.breadcrumb == ["English", "Foreign Affairs"]
    assert seed.headline == "Xi: China-Russia ties prioritized in Chinese diplomacy"
    assert seed.published_at == datetime(2013, 1, 9, 8, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert seed.caption.startswith("Xi Jinping (R), general secretary of the Communist Party of China")
    assert seed.caption.endswith("in Beijing, capital of China, Jan. 8, 2013.")
    assert seed.credit == "Xinhua/Lan Hongguang"
    assert seed.source == "Xinhua"
    assert seed.page_total == 3
    assert len(seed.paragraphs) == 9
    assert seed.paragraphs[0].startswith("BEIJING, Jan. 8 (Xinhua) -- Chinese leader Xi Jinping on Tuesday")
    assert seed.paragraphs[-1].endswith("mutual respect, equality and mutual trust to a new level.")


def test_parses_every_list_of_the_page():
    seed = load_seed_page()

    assert len(seed.we_recommend) == 6
    assert seed.we_recommend[0] == "S. Korea: Ties with China, US equally important"
    assert len(seed.selections.items) == 8
    assert seed.selections.items[-1] == "Simply Beautiful Photos: Palette"
    assert len(seed.most_popular.items) == 10
    assert seed.most_popular.items[9] == "Why ‘Chinese style road crossing’ occurs"
    assert seed.whats_happening.title == "What’s happening in China"
    assert seed.whats_happening.lead.startswith("Busiest line in Beijing: Subway line 10")
    assert len(seed.whats_happening.items) == 5


def test_split_caption_takes_the_trailing_credit_only():
    assert split_caption("A man (R) meets a woman, Jan. 8. (Agency/Name)") == (
        "A man (R) meets a woman, Jan. 8.",
        "Agency/Name",
    )
    assert split_caption("No credit here (R).") == ("No credit here (R).", "")


def test_a_page_of_another_shape_is_refused_clearly():
    with pytest.raises(SeedFormatError):
        parse_seed_page("just one line")
