"""The one error type services raise, and the one JSON error shape every API answer uses.

The shape follows RFC 9457 (problem details), with a machine-readable `code` and per-field `errors`:

    {"type": "about:blank", "title": "Invalid input.", "status": 400, "code": "invalid",
     "detail": "body: This field is required.", "errors": {"body": ["This field is required."]}}
"""

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApplicationError(Exception):
    """A business rule said no. Views turn it into a 4xx with `code` and `message`; `errors` maps fields."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status: int | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}
        self.headers = headers or {}
        if status is not None:
            self.status = status


def problem(status: int, code: str, title: str, detail: str | None = None, errors: dict | None = None) -> dict:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        "errors": errors or {},
    }


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    response = JsonResponse(
        problem(status, code, title, detail, errors),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
