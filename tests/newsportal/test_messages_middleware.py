"""Flash messages: the pages keep them, the JSON API builds no message storage."""

from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory

from newsportal.middleware import MessageMiddleware


def _through(path: str):
    request = RequestFactory().get(path)
    request.session = {}
    seen = {}

    def view(req):
        seen["storage"] = getattr(req, "_messages", None)
        if seen["storage"] is not None:
            messages.info(req, "Saved.")
        return HttpResponse("ok")

    response = MessageMiddleware(view)(request)
    return seen["storage"], response


def test_a_page_gets_message_storage_and_keeps_its_messages():
    storage, response = _through("/moderation/")
    assert storage is not None and [m.message for m in storage._queued_messages] == ["Saved."]
    assert response.status_code == 200


def test_an_api_request_gets_no_message_storage_and_its_answer_is_untouched():
    storage, response = _through("/api/v1/articles/1/comments/")
    assert storage is None
    assert response.status_code == 200 and "messages" not in response.cookies
