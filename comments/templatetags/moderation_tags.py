"""Template helpers for the moderator interface."""

from django import template

register = template.Library()

HEAD_KEYS = ("label", "code", "rule", "name", "reason")
DETAIL_KEYS = ("detail", "message", "text")


@register.filter
def reason_text(reason) -> str:
    """A hold or spam reason as one line, whether the writer stored a string or a dict ({"code", "detail", ...}):
    "code: detail (other: value, ...)"."""
    if not isinstance(reason, dict):
        return str(reason)
    head = next((str(reason[k]) for k in HEAD_KEYS if reason.get(k) not in (None, "")), "")
    detail = next((str(reason[k]) for k in DETAIL_KEYS if reason.get(k) not in (None, "")), "")
    known = HEAD_KEYS + DETAIL_KEYS
    extra = ", ".join(f"{k}: {v}" for k, v in reason.items() if k not in known and v not in (None, ""))
    text = ": ".join(part for part in (head, detail) if part)
    return f"{text} ({extra})" if text and extra else text or extra


@register.filter
def as_list(value) -> list:
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]
