"""API plumbing shared by every app: the exception handler and pagination defaults."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from newsportal.errors import PROBLEM_CONTENT_TYPE, ApplicationError, problem


def _field_errors(detail) -> dict:
    """DRF's nested error detail, flattened to {field: [message, ...]} (non-field errors under "non_field_errors")."""
    if isinstance(detail, dict):
        out = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _field_errors(value).items():
                    out[f"{field}.{sub}"] = messages
            else:
                out[str(field)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def _summary(errors: dict) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


def exception_handler(exc, context):
    """Every error an API view raises becomes one problem+json body; anything unknown is left to Django (500)."""
    if isinstance(exc, ApplicationError):
        data = problem(exc.status, exc.code, exc.message, errors=exc.errors)
        return Response(data, status=exc.status, headers=exc.headers, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        data = problem(exc.status_code, "invalid", "Invalid input.", _summary(errors) or None, errors)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        data = problem(exc.status_code, code, str(exc.detail))

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + (0 if float(exc.wait).is_integer() else 1))
    return Response(data, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
