"""The "Leave your comment" form, the report form and the edit form; they share the model's length rules."""

import time

from django import forms
from django.conf import settings
from django.core import signing

from comments import text
from comments.models import BODY_MAX_LENGTH, NAME_MAX_LENGTH, Flag

TOKEN_SALT = "comments.form-token"


class CommentBodyField(forms.CharField):
    """The comment text: normalised once (CRLF -> LF) before the length rule, otherwise kept exactly."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", BODY_MAX_LENGTH)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "cols": 60}))
        super().__init__(strip=False, **kwargs)

    def to_python(self, value):
        return text.normalise_body(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not value.strip():
            raise forms.ValidationError("Please write a comment.", code="required")


def form_token(article_id: int, *, now: float | None = None) -> str:
    """A signed token recording when the form was rendered, for which article (not per visitor: cacheable)."""
    return signing.dumps({"a": article_id, "t": int(now if now is not None else time.time())}, salt=TOKEN_SALT)


def seconds_since_render(token: str, article_id: int, *, now: float | None = None) -> float | None:
    """Seconds since the token's form was rendered, or None if it is expired, altered or for another article."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.NEWSPORTAL_FORM_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != article_id or not isinstance(data.get("t"), int):
        return None
    seconds = max(0.0, (now if now is not None else time.time()) - data["t"])
    return seconds if seconds <= settings.NEWSPORTAL_FORM_TOKEN_MAX_AGE else None


class CommentForm(forms.Form):
    author_name = forms.CharField(label="Name", max_length=NAME_MAX_LENGTH, strip=False)
    author_email = forms.EmailField(label="E-mail (optional, never shown)", required=False, max_length=254)
    body = CommentBodyField(label="Comment")
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The honeypot: hidden from people by the "hp-field" CSS class, labelled for screen readers to leave empty.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"class": "hp-field", "autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author_name"].widget.attrs.update({"autocomplete": "nickname"})
        if user is not None and user.is_authenticated:
            del self.fields["author_name"]  # signed-in readers post under their username


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=Flag.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", required=False, max_length=500, widget=forms.Textarea)


class CommentEditForm(forms.Form):
    body = CommentBodyField(label="Comment")
    secret = forms.CharField(required=False, widget=forms.HiddenInput)


class CommentDeleteForm(forms.Form):
    secret = forms.CharField(required=False, widget=forms.HiddenInput)
