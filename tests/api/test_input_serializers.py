"""The strict input serializers share one set of bound fields per class; each instance's outcome is its own."""

from comments.api.serializers import CommentCreateInputSerializer, CommentEditInputSerializer


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
