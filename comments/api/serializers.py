"""Input and output shapes of the reader-side comment API (documented in the OpenAPI schema)."""

import re

from rest_framework import serializers

from comments.models import BODY_MAX_LENGTH, NAME_MAX_LENGTH, Comment, Flag
from comments.services.flags import NOTE_MAX_LENGTH
from newsportal.api import (
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictInputSerializer,
    StrictIntegerField,
    not_blank,
)

MAX_ID = 2**63 - 1


def no_control_characters(value: str) -> str:
    """A name is one line of text: CR/LF and other control characters could forge log lines or layouts."""
    if _CONTROL.search(value):
        raise serializers.ValidationError("Control characters (line breaks, tabs, ...) are not allowed in a name.")
    return value


# Unicode's control characters (category Cc): exactly C0, DEL and C1.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class CommentOutputSerializer(serializers.Serializer):
    """One comment as readers see it (comments/api/selectors.py comment_item builds it)."""

    id = serializers.IntegerField()
    article = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True, help_text="The comment this replies to; null at top level.")
    author_name = serializers.CharField()
    body = serializers.CharField(help_text="Exactly as sent (CRLF stored as LF); escape it when you render HTML.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    reply_count = serializers.IntegerField(help_text="Published direct replies.")
    status = serializers.ChoiceField(choices=Comment.Status.choices)


class CommentCreatedSerializer(CommentOutputSerializer):
    edit_secret = serializers.CharField(
        required=False,
        help_text="Guests only, returned once: send it as X-Comment-Secret to edit or delete within the window.",
    )


class CommentPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (cursor link), null on the last page.")
    results = CommentOutputSerializer(many=True)


class CommentCreateInputSerializer(StrictInputSerializer):
    name = StrictCharField(
        required=False,
        max_length=NAME_MAX_LENGTH,
        validators=[no_control_characters],
        help_text="Required for guests; ignored for signed-in users (their username is shown).",
    )
    email = StrictEmailField(required=False, allow_blank=True, max_length=254, help_text="Optional, never shown.")
    body = StrictCharField(max_length=BODY_MAX_LENGTH, validators=[not_blank])
    parent = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Id of a published comment."
    )


class CommentEditInputSerializer(StrictInputSerializer):
    body = StrictCharField(max_length=BODY_MAX_LENGTH, validators=[not_blank])


class FlagInputSerializer(StrictInputSerializer):
    reason = StrictChoiceField(choices=Flag.Reason.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default="")


class FlagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    comment = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


def flag_output(flag: Flag) -> dict:
    return FlagOutputSerializer(
        {
            "id": flag.pk,
            "comment": flag.comment_id,
            "reason": flag.reason,
            "note": flag.note,
            "created_at": flag.created_at,
        }
    ).data
