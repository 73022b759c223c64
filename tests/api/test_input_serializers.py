"""The strict input serializers share one set of bound fields per class; each instance's outcome is its own."""

import pytest
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from comments.api.serializers import CommentCreateInputSerializer, CommentEditInputSerializer, FlagInputSerializer


def test_instances_of_one_class_validate_independently_on_shared_fields():
    good = CommentCreateInputSerializer(data={"name": "Li Wei", "body": "Agreed."})
    bad = CommentCreateInputSerializer(data={"name": 5, "body": "", "extra": True})

    assert good.is_valid() and not bad.is_valid()

    assert good.fields is bad.fields  # bound once for the class, to an instance without data
    assert good.fields["body"].parent not in (good, bad) and not hasattr(good.fields["body"].parent, "initial_data")
    assert good.validated_data == {"name": "Li Wei", "body": "Agreed."}
    assert set(bad.errors) == {"extra"}  # unknown keys are refused before the fields run
    typed = CommentCreateInputSerializer(data={"name": 5, "body": ""})
    assert not typed.is_valid() and typed.errors.keys() == {"name", "body"}
    assert good.errors == {}


def test_a_partial_or_contextual_instance_binds_its_own_fields():
    shared = CommentEditInputSerializer(data={"body": "x"}).fields
    partial = CommentEditInputSerializer(data={}, partial=True)
    contextual = CommentEditInputSerializer(data={"body": "x"}, context={"request": None})

    assert partial.fields is not shared and contextual.fields is not shared
    assert partial.is_valid() and partial.validated_data == {}  # partial: a missing body is no error
    assert not CommentEditInputSerializer(data={}).is_valid()  # the shared fields still require it


PAYLOADS = [
    {"name": "Li Wei", "body": "Agreed."},
    {"name": "Li Wei", "body": "Agreed.", "email": "li@example.org", "parent": 7},
    {"name": "Li Wei", "body": "Agreed.", "email": "", "parent": None},
    {"name": "Li Wei", "body": "Agreed.", "parent": True},
    {"name": "Li Wei", "body": "Agreed.", "parent": "7"},
    {"name": "Li Wei", "body": "Agreed.", "email": "not-an-address"},
    {"name": "Li\nWei", "body": "Agreed."},
    {"name": "Li\x85Wei", "body": "Agreed."},
    {"name": "Li Wei", "body": "lone \ud800 surrogate"},
    {"name": "Li Wei", "body": "nul \x00 inside"},
    {"name": "Li Wei", "body": "x" * 5001},
    {"name": "Li Wei", "body": "   "},
    {"name": "Li Wei", "body": None},
    {"name": 5, "body": "Agreed."},
    {"body": "Agreed."},
    {"name": "Li Wei"},
    {"name": "Li Wei", "body": "Agreed.", "status": "published"},
    {},
    ["not", "an", "object"],
]


def _outcome(serializer):
    valid = serializer.is_valid()
    return valid, dict(serializer.validated_data), serializer.errors


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_lean_validation_agrees_with_drf(payload, monkeypatch):
    lean = _outcome(CommentCreateInputSerializer(data=payload))
    monkeypatch.setattr(CommentCreateInputSerializer, "_lean", classmethod(lambda cls: False))
    full = _outcome(CommentCreateInputSerializer(data=payload))

    assert lean == full


def test_a_plain_valid_body_skips_drfs_generic_loop(monkeypatch):
    def refuse(self, data):
        raise AssertionError("DRF's to_internal_value ran")

    monkeypatch.setattr(serializers.Serializer, "to_internal_value", refuse)
    serializer = FlagInputSerializer(data={"reason": "spam"})

    assert serializer.is_valid()
    assert serializer.validated_data == {"reason": "spam", "note": ""}  # a field's default, as DRF gives it


def test_surrogates_are_refused_with_drfs_message():
    serializer = CommentCreateInputSerializer(data={"name": "Li Wei", "body": "ok \udfff", "email": "a\ud800@b.org"})

    assert not serializer.is_valid()
    assert serializer.errors["body"] == ["Surrogate characters are not allowed: U+DFFF."]
    assert "Surrogate characters are not allowed: U+D800." in serializer.errors["email"]
    for name in ("name", "body", "email"):  # no field keeps DRF's per-character loop
        assert ProhibitSurrogateCharactersValidator not in {type(v) for v in serializer.fields[name].validators}


def test_a_serializer_with_its_own_checks_validates_the_drf_way():
    class Checked(CommentEditInputSerializer):
        def validate_body(self, value):
            raise serializers.ValidationError("never")

    assert CommentEditInputSerializer._lean() and not Checked._lean()
    checked = Checked(data={"body": "Fine text."})
    assert not checked.is_valid() and checked.errors == {"body": ["never"]}


def test_is_valid_without_data_still_fails_as_drf_says():
    with pytest.raises(AssertionError, match="no `data=` keyword"):
        CommentEditInputSerializer().is_valid()
