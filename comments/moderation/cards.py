"""One queue card's HTML, built in Python: the queue page renders 25 of them on every reload, and through the
template engine (about 40 variables, conditions and filters per card) they were most of the page's CPU time.

Every value goes through format_html / escape (autoescaping by hand); linebreaksbr and truncatechars are
Django's own. comments/moderation/views.py attaches the result to each card as `html`; the page around the
cards stays a template (moderation/queue.html). tests/comments/test_moderation_views.py checks the markup.
"""

from django.template.defaultfilters import floatformat, linebreaksbr, truncatechars
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from comments.templatetags.moderation_tags import as_list, reason_text


def _items(values) -> SafeString:
    return format_html_join("", "<li>{}</li>", ((reason_text(v),) for v in as_list(values)))


def _author(card) -> SafeString:
    if card.user_id:
        return format_html("{} (user {})", card.author_name, card.user.get_username())
    if card.author_email:
        return format_html("{} &lt;{}&gt;", card.author_name, card.author_email)
    return format_html("{}", card.author_name)


def _why(card) -> SafeString:
    parts = []
    if card.hold_reasons:
        parts.append(format_html("<dt>Held because</dt><dd><ul>{}</ul></dd>", _items(card.hold_reasons)))
    score = "not scored yet" if card.spam_score is None else floatformat(card.spam_score, "2u")
    reasons = format_html("<ul>{}</ul>", _items(card.spam_reasons)) if card.spam_reasons else ""
    parts.append(format_html("<dt>Spam score</dt><dd>{} {}</dd>", score, reasons))
    if card.open_flags:
        flags = format_html_join(
            "",
            "<li>{}{}</li>",
            ((f.get_reason_display(), format_html(": {}", f.note) if f.note else "") for f in card.open_flags),
        )
        parts.append(format_html("<dt>Reports ({})</dt><dd><ul>{}</ul></dd>", len(card.open_flags), flags))
    if card.history:
        h = card.history
        parts.append(
            format_html(
                '<dt>Author\'s history</dt><dd class="history">published {} · rejected {} · spam {} · pending {}</dd>',
                h.published,
                h.rejected,
                h.spam,
                h.pending,
            )
        )
    return mark_safe("".join(parts))  # every part is format_html output


def card_html(card, *, queue: str, csrf_input: SafeString, next_url: str, reason_options: SafeString) -> SafeString:
    """The card of `card` (a Comment from comment_list_moderation_queue with decide_url, ban_url, article_url,
    posted, open_flags, history and current_priority attached by the view)."""
    status = card.status
    parent = ""
    if card.parent_id:
        parent = format_html(
            '<blockquote class="parent"><span class="label">In reply to {}:</span> {}</blockquote>',
            card.parent.author_name,
            linebreaksbr(truncatechars(card.parent.body, 400)),
        )
    buttons = []
    if status != "published" or queue in ("reported", "unreviewed"):
        buttons.append('<button type="submit" name="action" value="approve" class="approve">Approve (a)</button>')
    buttons.append(format_html('<select name="reason" aria-label="Reject reason">{}</select>', reason_options))
    if status != "rejected":
        buttons.append('<button type="submit" name="action" value="reject" class="reject">Reject (r)</button>')
    if status != "spam":
        buttons.append('<button type="submit" name="action" value="spam" class="spam">Spam (s)</button>')
    if status != "pending":
        buttons.append('<button type="submit" name="action" value="restore" class="restore">Back to pending</button>')
    return format_html(
        '<article class="card" id="card-{pk}" data-id="{pk}" data-ban-url="{ban_url}" tabindex="-1">\n'
        "  <header>\n"
        '    <input type="checkbox" name="ids" value="{pk}" form="bulk-form" class="select"'
        ' aria-label="Select comment {pk}">\n'
        '    <span class="author">{author}</span>\n'
        '    on <a href="{article_url}">{headline}</a>\n'
        '    · <time datetime="{iso}">{posted}</time>\n'
        '    · <span class="status status-{status}">{status}</span>\n'
        "    {priority}\n"
        "    · #{pk}\n"
        "  </header>\n"
        "  {parent}\n"
        '  <div class="body">{body}</div>\n'
        '  <dl class="why">\n    {why}\n  </dl>\n'
        "  <footer>\n"
        '    <form method="post" action="{decide_url}" class="decide">{csrf}\n'
        '      <input type="hidden" name="next" value="{next_url}">\n'
        "      {buttons}\n"
        "    </form>\n"
        '    <a href="{ban_url}" class="ban">Ban author (b)</a>\n'
        "  </footer>\n"
        "</article>\n",
        pk=card.pk,
        ban_url=card.ban_url,
        author=_author(card),
        article_url=card.article_url,
        headline=card.article.headline,
        iso=card.posted.isoformat(),
        posted=card.posted.strftime("%Y-%m-%d %H:%M"),
        status=status,
        priority=f"· priority {card.current_priority}" if queue == "pending" else "",
        parent=parent,
        body=linebreaksbr(card.body),
        why=_why(card),
        decide_url=card.decide_url,
        csrf=csrf_input,
        next_url=next_url,
        buttons=mark_safe("\n      ".join(str(b) for b in buttons)),  # constants and format_html output
    )
