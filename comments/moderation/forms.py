"""Forms of the moderator interface: filters (GET) and every state change (POST)."""

from django import forms
from django.core.cache import cache
from django.utils import timezone

from articles.models import Section
from comments.models import Ban, ModerationDecision, WordRule
from comments.selectors_moderation import TEXT_MIN_LENGTH, AuditFilters, QueueFilters
from comments.services.moderation import ACTIONS, MAX_BULK, REJECT_REASONS

REASON_CHOICES = [("", "reason…"), *REJECT_REASONS.items()]


def section_choices() -> list[tuple[str, str]]:
    """The sections menu, cached for a minute (the queue page renders it on every load)."""

    def load():
        return [("", "All sections")] + [(str(s.pk), str(s)) for s in Section.objects.select_related("parent")]

    return cache.get_or_set("moderation:section-choices", load, 60)


class QueueFilterForm(forms.Form):
    section = forms.TypedChoiceField(coerce=int, choices=(), required=False, empty_value=None)
    article = forms.IntegerField(required=False, min_value=1, label="Article id")
    author = forms.CharField(required=False, max_length=254, label="Author (name, e-mail, user)")
    client = forms.CharField(required=False, max_length=64, label="Client (IP hash)")
    q = forms.CharField(required=False, min_length=TEXT_MIN_LENGTH, max_length=200, label="Text")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = section_choices()  # once per page (a callable is read on every pass)

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        return QueueFilters(**{k: v for k, v in self.cleaned_data.items() if v not in (None, "")})


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Moderator (or 'system')")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *ModerationDecision.Action.choices])
    comment = forms.IntegerField(required=False, min_value=1, label="Comment id")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(**{k: v for k, v in self.cleaned_data.items() if v not in (None, "")})


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.ChoiceField(choices=REASON_CHOICES, required=False)


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.ChoiceField(choices=REASON_CHOICES, required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > MAX_BULK:
            raise forms.ValidationError(f"At most {MAX_BULK} at once.")
        return ids

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any positive id may be chosen; the service reports the ones that are gone.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]


class BanForm(forms.Form):
    kind = forms.ChoiceField(choices=Ban.Kind.choices)
    value = forms.CharField(required=False, max_length=254, help_text="Empty: taken from the comment.")
    reason = forms.CharField(required=False, max_length=300)
    expires_at = forms.DateTimeField(
        required=False, label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reject_pending = forms.BooleanField(required=False, label="Also reject their pending comments")

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return value


class WordForm(forms.Form):
    kind = forms.ChoiceField(choices=WordRule.Kind.choices)
    word = forms.CharField(max_length=100)
