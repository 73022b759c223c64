"""The pure spam policy: text features, rule signals and how they combine with the text model."""

import pytest

from comments.spam.combine import combine, logit, sigmoid
from comments.spam.features import link_host, text_features
from comments.spam.rules import Context, Signal, context_signals, rule_signals


def reasons(text: str, context: Context | None = None, suspect=()) -> list[str]:
    return [s.reason for s in rule_signals(text_features(text, suspect), context or Context())]


def test_plain_comment_raises_no_signal():
    assert reasons("I think the rail project deserves more attention than this article gives it.") == []


def test_links_are_counted_with_their_distinct_domains():
    f = text_features("see http://a.example.com/x and www.b-shop.net plus c-deals.ru/offer")
    assert f.links == 3
    assert f.domains == ("a.example.com", "b-shop.net", "c-deals.ru")
    assert "3 links" in reasons("see http://a.example.com/x and www.b-shop.net plus c-deals.ru/offer")
    assert "links to 3 different domains" in reasons(
        "see http://a.example.com/x and www.b-shop.net plus c-deals.ru/offer"
    )


def test_one_link_is_a_weak_signal_and_a_shortener_a_strong_one():
    one = rule_signals(text_features("source: https://example.org/report"), Context())
    short = rule_signals(text_features("look https://bit.ly/3xYz"), Context())
    assert [s.reason for s in one] == ["1 link"]
    assert "link shortener (bit.ly)" in [s.reason for s in short]
    assert sum(s.weight for s in short) > sum(s.weight for s in one)


def test_link_host_strips_scheme_www_and_path():
    assert link_host("https://www.Example.com:8080/a?b") == "example.com"
    assert link_host("tinyurl.com/abc") == "tinyurl.com"


def test_email_addresses_and_phone_numbers_are_found_but_not_years_or_prices():
    assert "e-mail address in text" in reasons("write to offers@cash-now.biz today")
    assert "phone number in text" in reasons("call +44 (0)20 7946 0000 now")
    assert "phone number in text" in reasons("ring 0800-123-4567")
    assert reasons("In 2013 the budget was 1,500 yuan, up 12% on 2012.") == []


def test_email_address_is_not_also_counted_as_a_link():
    assert text_features("mail me at anna@example.com").links == 0


def test_shouting_needs_enough_letters():
    assert any(r.startswith("SHOUTING") for r in reasons("BUY NOW THIS IS THE BEST OFFER EVER"))
    assert reasons("OK NATO") == []


def test_excessive_repeated_characters():
    assert "excessive repeated characters" in reasons("free money!!!!!!!! sooooooo easy")
    assert reasons("Hmm... well!") == []


def test_suspect_words_match_whole_words_case_insensitively():
    found = reasons("Best CASINO bonus, try Viagra", suspect=["casino", "viagra", "loan"])
    assert "suspect words: casino, viagra" in found
    assert reasons("the casinos of Macau", suspect=["casino"]) == []


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (Context(same_text_articles=12), "same text on 12 articles in the last hour"),
        (Context(client_recent=9), "10 comments from this client in 10 minutes"),
        (Context(author_recent=5, velocity_minutes=5), "6 comments from this author in 5 minutes"),
        (Context(author_spam=2), "author has 2 comments marked spam"),
        (Context(author_rejected=4), "author has 4 rejected comments"),
        (Context(honeypot=True), "hidden honeypot field filled in"),
        (Context(time_to_submit=1.25), "sent 1.2 s after the form loaded"),
    ],
)
def test_context_signals_explain_themselves(context, expected):
    signals = context_signals(context)
    assert expected in [s.reason for s in signals]
    assert all(s.weight > 0 for s in signals)


def test_a_good_history_lowers_the_score():
    (signal,) = context_signals(Context(author_published=14))
    assert signal.reason == "author has 14 published comments"
    assert signal.weight < 0


def test_quiet_context_raises_nothing():
    assert context_signals(Context(same_text_articles=1, client_recent=2, honeypot=False, time_to_submit=40)) == []


def test_combine_is_a_logistic_sum_of_log_odds():
    score = combine([Signal(1.0, "a"), Signal(0.5, "b")], 0.5)
    assert score.probability == pytest.approx(sigmoid(1.5))
    assert combine([], 0.9).probability == pytest.approx(0.9)


def test_combine_lists_reasons_strongest_first_with_the_text_model():
    score = combine([Signal(0.6, "1 link"), Signal(5.0, "hidden honeypot field filled in")], 0.97)
    assert score.reasons == ["hidden honeypot field filled in", "text model 0.97", "1 link"]


def test_cold_start_weight_lets_rules_carry_the_decision():
    confident = combine([], 0.99, model_weight=1.0).probability
    cold = combine([], 0.99, model_weight=0.5).probability
    assert cold < confident
    assert cold == pytest.approx(sigmoid(0.5 * logit(0.99)))


def test_probability_stays_within_bounds_for_extreme_inputs():
    assert 0 < combine([Signal(-50, "x")], 0.0).probability < 0.01
    assert 0.99 < combine([Signal(50, "x")], 1.0).probability <= 1.0
