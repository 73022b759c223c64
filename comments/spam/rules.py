"""Rule signals: each is a log-odds weight with the sentence a moderator reads on the card.

Positive weights push towards spam, negative towards ham. The weights are hand-set and deliberately moderate:
one weak signal alone (a link) never makes spam; several together, or one strong one (a filled honeypot, the
same text on many articles), do. They carry the decision at cold start, before the text model has labels.
"""

from dataclasses import dataclass

from comments.spam.features import TextFeatures


@dataclass(frozen=True)
class Signal:
    weight: float
    reason: str


@dataclass(frozen=True)
class Context:
    """What the database knows about a comment's surroundings (gathered by comments.services.scoring)."""

    same_text_articles: int = 1  # distinct articles carrying this exact text in the last hour, this one included
    client_recent: int = 0  # other comments from the same client (IP hash) in the velocity window
    author_recent: int = 0  # other comments by the same author in the velocity window
    author_published: int = 0
    author_rejected: int = 0
    author_spam: int = 0
    honeypot: bool | None = None  # the form's hidden field was filled in
    time_to_submit: float | None = None  # seconds from the form's render to its submission
    velocity_minutes: int = 10


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def link_signals(f: TextFeatures) -> list[Signal]:
    out = []
    if f.links:
        weight = {1: 0.6, 2: 1.2}.get(f.links, min(4.0, 0.6 * f.links + 0.4))
        out.append(Signal(weight, _plural(f.links, "link")))
    if f.shorteners:
        out.append(Signal(min(3.0, 1.5 * len(f.shorteners)), f"link shortener ({', '.join(f.shorteners)})"))
    if len(f.domains) >= 3:
        out.append(Signal(min(2.5, 0.5 * len(f.domains)), f"links to {len(f.domains)} different domains"))
    return out


def contact_signals(f: TextFeatures) -> list[Signal]:
    out = []
    if f.emails:
        out.append(Signal(1.0, "e-mail address in text" if f.emails == 1 else f"{f.emails} e-mail addresses in text"))
    if f.phones:
        out.append(Signal(1.2, "phone number in text" if f.phones == 1 else f"{f.phones} phone numbers in text"))
    return out


def style_signals(f: TextFeatures) -> list[Signal]:
    out = []
    if f.letters >= 12 and f.upper_ratio >= 0.7:
        out.append(Signal(1.0, f"SHOUTING ({round(f.upper_ratio * 100)}% capitals)"))
    if f.repeat_runs:
        out.append(Signal(min(1.5, 0.5 * f.repeat_runs), "excessive repeated characters"))
    if f.suspect_hits:
        out.append(Signal(min(3.6, 1.2 * len(f.suspect_hits)), f"suspect words: {', '.join(f.suspect_hits)}"))
    return out


def context_signals(c: Context) -> list[Signal]:
    out = []
    if c.same_text_articles >= 2:
        out.append(
            Signal(
                min(4.5, 1.5 + 0.75 * (c.same_text_articles - 2)),
                f"same text on {c.same_text_articles} articles in the last hour",
            )
        )
    for count, who in ((c.client_recent, "this client"), (c.author_recent, "this author")):
        if count >= 5:
            weight = 1.0 if count < 10 else 2.0
            out.append(Signal(weight, f"{count + 1} comments from {who} in {c.velocity_minutes} minutes"))
    if c.author_spam:
        out.append(Signal(min(3.0, 1.5 * c.author_spam), f"author has {_plural(c.author_spam, 'comment')} marked spam"))
    if c.author_rejected >= 3:
        out.append(Signal(0.5, f"author has {c.author_rejected} rejected comments"))
    if c.author_published >= 3 and not c.author_spam:
        out.append(
            Signal(-min(2.0, 0.5 + 0.1 * c.author_published), f"author has {c.author_published} published comments")
        )
    if c.honeypot:
        out.append(Signal(5.0, "hidden honeypot field filled in"))
    if c.time_to_submit is not None and 0 <= c.time_to_submit < 3:
        out.append(Signal(2.0, f"sent {c.time_to_submit:.1f} s after the form loaded"))
    return out


def rule_signals(features: TextFeatures, context: Context) -> list[Signal]:
    return link_signals(features) + contact_signals(features) + style_signals(features) + context_signals(context)
