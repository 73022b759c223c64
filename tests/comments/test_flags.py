"""Reader reports: one per reader per comment, counted, and the threshold moves a comment into "reported"."""

import pytest
from django.contrib.auth import get_user_model

from comments.models import Comment, Flag, ModerationDecision
from comments.services.flags import flag_create
from newsportal.errors import ApplicationError
from tests.comments.conftest import new_client
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_report_is_recorded_and_counted(article):
    comment = CommentFactory(article=article)
    flag = flag_create(comment=comment, reason="abuse", note="rude", client=new_client())
    assert (flag.reason, flag.note) == ("abuse", "rude")
    assert flag.reporter_key.startswith("guest:") and "127." not in flag.reporter_key
    comment.refresh_from_db()
    assert comment.flag_count == 1 and comment.status == Comment.Status.PUBLISHED


def test_second_report_by_the_same_reader_is_409(article):
    comment = CommentFactory(article=article)
    client = new_client()
    flag_create(comment=comment, reason="spam", client=client)
    with pytest.raises(ApplicationError) as exc:
        flag_create(comment=comment, reason="other", client=client)
    assert (exc.value.code, exc.value.status) == ("already_reported", 409)
    user = get_user_model().objects.create_user("dora", password="pw-dora-1234")
    flag_create(comment=comment, reason="spam", user=user, client=new_client())
    with pytest.raises(ApplicationError):
        flag_create(comment=comment, reason="spam", user=user, client=new_client())  # same user, other device
    comment.refresh_from_db()
    assert comment.flag_count == 2


def test_threshold_writes_one_system_report_decision(article, settings):
    settings.NEWSPORTAL_REPORTS_THRESHOLD = 3
    comment = CommentFactory(article=article)
    for _ in range(4):
        flag_create(comment=comment, reason="abuse", client=new_client())
    decisions = ModerationDecision.objects.filter(comment=comment, action="report")
    assert decisions.count() == 1
    decision = decisions.get()
    assert decision.actor is None and decision.status_before == decision.status_after == "published"
    comment.refresh_from_db()
    assert comment.flag_count == 4 and comment.status == "published"


@pytest.mark.parametrize("reason, note", [("rude", ""), ("spam", "x" * 501), ("", "")])
def test_bad_reason_or_note_is_400(article, reason, note):
    with pytest.raises(ApplicationError) as exc:
        flag_create(comment=CommentFactory(article=article), reason=reason, note=note, client=new_client())
    assert exc.value.status == 400
    assert not Flag.objects.exists()


def test_only_published_comments_can_be_reported(article):
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    with pytest.raises(ApplicationError) as exc:
        flag_create(comment=held, reason="spam", client=new_client())
    assert exc.value.status == 404
