"""API plumbing shared by every app: authentication, the exception handler, pagination defaults, strict input
serializers and the fast path of a guest's JSON POST."""

import copy
import re
from functools import cached_property

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import authentication, exceptions, negotiation, pagination, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from newsportal.errors import PROBLEM_CONTENT_TYPE, ApplicationError, problem
from newsportal.parsers import PayloadTooLarge, is_utf8, loads_strict

# --- Authentication ------------------------------------------------------------------------------------------
# DRF's two classes, asked only when the request carries what they read. Most API requests (apps' reads, guests'
# posts) carry neither, and DRF would still build `request.headers` (every header) to look for Authorization,
# and load the session's user, which marks the session used and adds `Vary: Cookie` to an answer no cookie
# shaped.


class TokenAuthentication(authentication.TokenAuthentication):
    """An app's `Authorization: Token <key>`."""

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" not in request.META:
            return None
        return super().authenticate(request)


class SessionAuthentication(authentication.SessionAuthentication):
    """The web's session cookie, CSRF enforced on writes (DRF's own check)."""

    def authenticate(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().authenticate(request)


class SessionAuthenticationScheme(SessionScheme):
    """drf-spectacular documents DRF's session class only, not a subclass."""

    target_class = SessionAuthentication


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
    if isinstance(exc, RequestDataTooBig):  # request.body over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
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


class GuestJSONPostMixin:
    """A guest's JSON POST skips DRF's per-request wrapping (7% of the instructions of a comment POST): no
    Request object, no authenticator, parser or negotiator instances. The view implements `create(request, *,
    data, user, **kwargs)` and its DRF `post` calls it too.

    Taken only where DRF would find nothing more to read: no Authorization header and no session cookie (no user
    to authenticate, no CSRF to enforce: the two authentication classes above read nothing else), a Content-Type
    of application/json (with charset=utf-8 at most), a declared length within NEWSPORTAL_API_MAX_BODY_BYTES, a
    JSON object that the API's parser accepts, every permission granted to a guest, DEBUG off (DRF renders a
    debug 500 from its own Request). Anything else, every bad body included, goes through DRF's dispatch, which
    answers it as before.

    On this path the user is DRF's unauthenticated user (set on the request as DRF sets it), the view's throttles
    run first, as in DRF's `initial`, and the answer, an error too, is made by DRF's own `handle_exception` and
    `finalize_response`: the same status, headers and body as through DRF (tests/api/test_guest_json_post.py).
    """

    def dispatch(self, request, *args, **kwargs):
        data = _guest_json(request) if request.method == "POST" and not settings.DEBUG else None
        if data is None:
            return super().dispatch(request, *args, **kwargs)
        request.user, request.auth = api_settings.UNAUTHENTICATED_USER(), None  # what DRF's Request sets
        if not all(permission.has_permission(request, self) for permission in self.get_permissions()):
            return super().dispatch(request, *args, **kwargs)  # DRF answers the refusal (401 or 403)
        self.args, self.kwargs, self.request = args, kwargs, request
        self.format_kwarg = None
        self.headers = self.default_response_headers
        try:
            self.check_throttles(request)
            response = self.create(request, data=data, user=None, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response


def _guest_json(request) -> dict | None:
    """The body of a guest's JSON POST as the API's parser reads it, or None: not one for GuestJSONPostMixin."""
    meta = request.META
    if "HTTP_AUTHORIZATION" in meta or request.content_type != "application/json":
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if request.encoding is not None and not is_utf8(request.encoding):
        return None
    declared = meta.get("CONTENT_LENGTH", "")
    if (
        not (declared.isascii() and declared.isdigit())
        or not 0 < int(declared) <= settings.NEWSPORTAL_API_MAX_BODY_BYTES
    ):
        return None
    try:
        data = loads_strict(request.body)
    except (ValueError, RequestDataTooBig):
        return None
    return data if isinstance(data, dict) else None


class JSONOnly(negotiation.DefaultContentNegotiation):
    """The API speaks JSON only: answer JSON whatever Accept says, without parsing it on the hot paths."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


# --- Strict input ---------------------------------------------------------------------------------------------
# Input serializers name every field they accept: an unknown key is a 400, never silently stored (no mass
# assignment), and values keep their JSON type (no "True" for true, no 5 for "5").


def printable(text: str) -> str:
    """A client-sent name made safe to echo in an error (lone surrogates cannot be encoded as UTF-8)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:60]


class StrictInputSerializer(serializers.Serializer):
    def get_fields(self):
        """The declared fields, shallow-copied (DRF deep-copies them for every instance, which was a third of the
        cost of validating a comment POST). A field's own state (name, parent, label) is set on the copy when
        the serializer binds it; what the copies share (validators, choices, messages) is read, never written."""
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    @cached_property
    def fields(self):
        """The bound fields, made once per class and shared by its instances (DRF binds a fresh set per instance,
        about a quarter of validating a comment POST).

        Validation only reads a bound field; what it reads of the serializer it is bound to is `partial` and
        the context (`field.root`), so an instance that has either binds its own set. The shared set is bound to
        an instance of its own, without data, so it keeps no request's values alive."""
        if self.partial or self._context:
            return super().fields
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            template = cls()
            shared = serializers.BindingDict(template)
            for name, field in template.get_fields().items():
                shared[name] = field
            cls._shared_fields = shared
        return shared

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({printable(k): ["Unknown field."] for k in unknown[:20]})
        return super().to_internal_value(data)

    def is_valid(self, *, raise_exception=False):
        """DRF's, tried first the lean way on a body that is plainly valid: each field's own `run_validation`
        (its type, length and validators: every rule stays on the field), without the serializer's generic
        loop around them, a third of the time of validating a comment POST. Anything else (an error, an
        unknown key, a serializer with validators or validate methods of its own) runs DRF's full validation,
        which builds the errors; a body that passes the lean way passes it too, with the same values."""
        lean = hasattr(self, "initial_data") and not self.partial and type(self)._lean()
        if lean and not hasattr(self, "_validated_data"):
            value = self._lean_validation(self.initial_data)
            if value is not None:
                self._validated_data, self._errors = value, {}
        return super().is_valid(raise_exception=raise_exception)

    @classmethod
    def _lean(cls) -> bool:
        """Whether DRF's validation of this class is its fields' and nothing more (decided once per class)."""
        lean = cls.__dict__.get("_lean_validation_ok")
        if lean is None:
            base = serializers.Serializer
            lean = (
                all(getattr(cls, name) is getattr(StrictInputSerializer, name) for name in _LEAN_METHODS)
                and cls.get_validators is base.get_validators
                and not getattr(getattr(cls, "Meta", None), "validators", None)
                and not any(hasattr(cls, f"validate_{name}") for name in cls._declared_fields)
            )
            cls._lean_validation_ok = lean
        return lean

    def _lean_validation(self, data) -> dict | None:
        """DRF's to_internal_value for a dict whose every value passes its field, else None."""
        if not isinstance(data, dict):
            return None
        fields = self.fields
        if any(key not in fields for key in data):
            return None
        validated = {}
        for name, field in fields.items():
            if field.read_only:
                continue
            if field.source_attrs != [name]:
                return None
            if name not in data and field.default is empty:
                if field.required:
                    return None
                continue  # what run_validation's SkipField says, without raising it
            try:
                validated[name] = field.run_validation(data.get(name, empty))
            except SkipField:
                continue
            except Exception:  # any refusal: the full validation raises it again, with its message
                return None
        return validated


# What StrictInputSerializer's lean validation stands in for: a subclass that overrides one of these validates
# its own way, and gets DRF's full validation.
_LEAN_METHODS = ("validate", "run_validation", "to_internal_value", "run_validators", "validate_empty_values")


class ProhibitSurrogateCharacters(ProhibitSurrogateCharactersValidator):
    """DRF's check, same message and code, by a regular expression: DRF's loops over every character in Python,
    about 130 microseconds for a 5,000-character comment."""

    _surrogate = re.compile("[\ud800-\udfff]")

    def __call__(self, value):
        found = self._surrogate.search(str(value))
        if found is not None:
            raise serializers.ValidationError(self.message.format(code_point=ord(found.group())), code=self.code)


def _regex_surrogate_check(validators: list) -> list:
    """A CharField's validators with DRF's surrogate check replaced by ProhibitSurrogateCharacters."""
    return [ProhibitSurrogateCharacters() if type(v) is ProhibitSurrogateCharactersValidator else v for v in validators]


class StrictCharField(serializers.CharField):
    """A JSON string, kept exactly as sent (no trimming); null/number/bool/array/object are refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators = _regex_surrogate_check(self.validators)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = _regex_surrogate_check(self.validators)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: "5", 5.0 and true are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=printable(str(data)))
        return super().to_internal_value(data)


def not_blank(value: str) -> str:
    if not value.strip():
        raise exceptions.ValidationError("This field may not be blank.")
    return value


# --- Schema: the one error shape ------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details with a machine-readable code and per-field messages."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Machine-readable: invalid, not_found, rate_limited, throttled, ...")
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _problem_example(status: int, code: str, title: str, errors: dict | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ProblemSerializer,
        description=title,
        examples=[
            OpenApiExample(
                code,
                value={
                    "type": "about:blank",
                    "title": title,
                    "status": status,
                    "code": code,
                    "detail": title,
                    "errors": errors or {},
                },
            )
        ],
    )


ERROR_RESPONSES = {
    400: _problem_example(400, "invalid", "Invalid input.", {"body": ["This field is required."]}),
    404: _problem_example(404, "not_found", "Not found."),
    406: _problem_example(406, "not_acceptable", "Could not satisfy the request Accept header."),
    429: _problem_example(429, "throttled", "Request was throttled. Expected available in 30 seconds."),
}
WRITE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    401: _problem_example(401, "authentication_failed", "Invalid token."),
    403: _problem_example(403, "permission_denied", "You do not have permission to perform this action."),
    409: _problem_example(409, "idempotency_in_flight", "A request with this Idempotency-Key is still running."),
    413: _problem_example(413, "too_large", "Request body too large."),
    415: _problem_example(415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    422: _problem_example(422, "idempotency_key_reused", "This Idempotency-Key was already used with another body."),
}
