"""The API's only request parser: strict JSON, bounded in size, depth and number length.

DRF's stock JSONParser catches only ValueError, so a deeply nested body escapes as RecursionError (a 500), and
Python's json module accepts NaN/Infinity, duplicate keys (last one wins) and a leading BOM. Here every one of
those is a 400 in the one error shape, a body over NEWSPORTAL_API_MAX_BODY_BYTES is a 413, and the body is read
at most one byte past the limit, so a huge upload costs no memory.
"""

import json

from django.conf import settings
from rest_framework import exceptions, parsers, status

# Depth of arrays/objects a comment payload could ever need is 2; anything past this is hostile.
MAX_DEPTH = 20
# Longest integer literal accepted (ids are 64-bit: 19 digits); also keeps int() far from CPython's 4300 limit.
MAX_INT_DIGITS = 20


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "too_large"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("number too long")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 40:
        raise ValueError("number too long")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key in object")
        out[key] = value
    return out


def _depth(raw: str) -> int:
    """Maximum nesting depth of brackets outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def loads_strict(data: bytes) -> object:
    """Decode one strict JSON document (UTF-8, no BOM), or raise ValueError with a reader-safe message."""
    if data.startswith(b"\xef\xbb\xbf") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("a byte order mark is not allowed; send UTF-8 without BOM")
    try:
        text = data.decode("utf-8")  # strict: invalid and overlong sequences fail here
    except UnicodeDecodeError as exc:
        raise ValueError("the body is not valid UTF-8") from exc
    if _depth(text) > MAX_DEPTH:
        raise ValueError(f"nesting deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except RecursionError as exc:  # belt and braces: _depth should have caught it
        raise ValueError("nesting too deep") from exc


def is_utf8(charset: str) -> bool:
    """Whether a declared charset names UTF-8 (the only one the API reads)."""
    return charset.lower().replace("-", "") == "utf8"


def read_limited(stream, limit: int) -> bytes:
    """At most limit bytes of the stream; PayloadTooLarge when there is more."""
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(f"Request body larger than {limit} bytes.")
    return data


class StrictJSONParser(parsers.JSONParser):
    """application/json only; answers 400 for anything that is not one strict JSON document, 413 when too big."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.NEWSPORTAL_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"Request body larger than {limit} bytes.")
        charset = (parser_context or {}).get("encoding") or "utf-8"
        if not is_utf8(charset):
            raise exceptions.ParseError("JSON bodies must be UTF-8.")
        data = read_limited(stream, limit)
        try:
            return loads_strict(data)
        except ValueError as exc:
            raise exceptions.ParseError(f"Malformed JSON: {exc}") from None
