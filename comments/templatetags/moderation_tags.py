"""Template helpers for the moderator interface."""

from django import template

register = template.Library()

REASON_KEYS = ("label", "message", "detail", "reason", "rule", "code", "name")


@register.filter
def reason_text(reason) -> str:
    """A hold or spam reason as one line, whether the writer stored a string or a dict ({"code", "detail", ...})."""
    if isinstance(reason, dict):
        head = next((str(reason[k]) for k in REASON_KEYS if reason.get(k)), "")
        extra = ", ".join(f"{k}: {v}" for k, v in reason.items() if k not in REASON_KEYS and v not in (None, ""))
        return f"{head} ({extra})" if head and extra else head or extra
    return str(reason)


@register.filter
def as_list(value) -> list:
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]
