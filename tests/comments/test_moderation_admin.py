import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from comments.models import Comment, ModerationDecision
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_():
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(("action", "status"), [("approve_selected", "published"), ("spam_selected", "spam")])
def test_admin_actions_use_the_services_and_write_the_audit(admin_client_, action, status):
    first = CommentFactory(status=Comment.Status.PENDING)
    comments = [first, CommentFactory(article=first.article, status=Comment.Status.PENDING)]

    response = admin_client_.post(
        "/admin/comments/comment/", {"action": action, "_selected_action": [c.pk for c in comments]}
    )

    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {status}
    assert ModerationDecision.objects.filter(actor__username="boss").count() == 2
    comments[0].article.refresh_from_db()
    assert comments[0].article.comment_count == (2 if status == "published" else 0)


def test_comment_admin_pages_open(admin_client_):
    comment = CommentFactory(status=Comment.Status.PENDING)
    assert admin_client_.get("/admin/comments/comment/?status__exact=pending&q=body").status_code == 200
    assert admin_client_.get(f"/admin/comments/comment/{comment.pk}/change/").status_code == 200


def test_decision_admin_is_read_only(admin_client_):
    comment = CommentFactory(status=Comment.Status.PENDING)
    admin_client_.post("/admin/comments/comment/", {"action": "reject_selected", "_selected_action": [comment.pk]})
    decision = ModerationDecision.objects.get()
    request = RequestFactory().get("/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    model_admin = site._registry[ModerationDecision]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, decision)
    assert not model_admin.has_delete_permission(request, decision)
    assert admin_client_.get("/admin/comments/moderationdecision/").status_code == 200
    assert (
        admin_client_.post(f"/admin/comments/moderationdecision/{decision.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert ModerationDecision.objects.count() == 1
