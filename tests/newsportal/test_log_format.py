"""JsonFormatter's direct path writes exactly what python-json-logger's generic path writes."""

import json
import logging
from datetime import UTC, datetime

import pytest
from pythonjsonlogger.json import JsonFormatter as LibraryFormatter

from newsportal.logs import ContextFilter, JsonFormatter


def _record(msg="%s %s %s", args=("GET", "/a\u2028b", 200), **extra) -> logging.LogRecord:
    record = logging.LogRecord("newsportal.access", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    ContextFilter().filter(record)
    return record


def _generic(formatter: JsonFormatter, record) -> str:
    return LibraryFormatter.format(formatter, record)  # the library's path, with our add_fields


def test_the_direct_path_equals_the_librarys_output():
    formatter = JsonFormatter()
    record = _record(
        method="GET",
        path="/articles/x/",
        status=200,
        duration_ms=1.25,
        user_agent="Mozilla ü\n",
        _private=1,
        when=datetime(2026, 1, 2, tzinfo=UTC),
    )
    line = formatter.format(record)
    assert line == _generic(formatter, record)
    data = json.loads(line)
    assert list(data)[:3] == ["level", "logger", "message"] and "_private" not in data and "task_id" not in data
    assert data["message"] == "GET /a\u2028b 200" and "\\u2028" in line and "\n" not in line
    assert data["when"] == "2026-01-02T00:00:00+00:00" and data["time"].endswith("+00:00")


def test_records_with_an_exception_take_the_librarys_path():
    formatter = JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = _record("failed", (), exc_info=None)
        record.exc_info = sys.exc_info()
    data = json.loads(formatter.format(record))
    assert "ValueError: boom" in data["exc_info"]


@pytest.mark.parametrize("options", [{"json_ensure_ascii": False}, {"json_default": str}, {"json_indent": 2}])
def test_the_direct_path_follows_the_formatters_json_options(options):
    formatter = JsonFormatter(**options)
    record = _record(method="GET", path="/x/", user_agent="Mozilla ü", when=datetime(2026, 1, 2, tzinfo=UTC))

    for _ in range(2):  # the second line reuses the encoder built for the first
        assert formatter.format(record) == _generic(formatter, record)
