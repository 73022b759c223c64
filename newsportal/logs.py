"""Structured logs: one JSON object per line, each carrying the request id (web) or the task id (Celery).

`request_id_var` is set by RequestIdMiddleware for the length of one request; `ContextFilter` copies it, and
the current Celery task's id and name, onto every record, so any logger anywhere in the project gets them
without passing them around. JSON encoding escapes newlines and quotes: whatever a client sends (a path, a
User-Agent, a comment) stays inside one string value and can never start a line of its own.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cached_property

from pythonjsonlogger.json import JsonEncoder as LibraryJsonEncoder
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# "-" outside a request: a log line always has the key, so a query for it never needs a null check.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_REQUIRED = ["levelname", "name", "message"]  # the fields of JsonFormatter's format string, in its order


_get_current_task = None


def _current_task():
    """The Celery task executing in this thread, else None (imported lazily: logging is set up before Celery).

    Asks what `celery.current_task` (a proxy) asks, without evaluating the proxy: this runs for every log line,
    and the proxy was a fifth of the cost of an access-log line."""
    global _get_current_task
    if _get_current_task is None:
        from celery._state import get_current_task

        _get_current_task = get_current_task
    task = _get_current_task()
    return task if task is not None and getattr(task, "request", None) is not None else None


class ContextFilter(logging.Filter):
    """Adds request_id, task_id and task_name to every record (empty strings where they do not apply)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        task = _current_task()
        record.task_id = (task.request.id or "") if task else ""
        record.task_name = (task.name or "") if task else ""
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger with our field names: level, logger, message, time, plus the record's extras.

    Non-ASCII is escaped too (\\u2028 and friends are line breaks to some log tools).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC, whatever TIME_ZONE says
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        """The library's own result, built directly for the everyday record (a text message, no exception, no
        stack) and the library's JSON options: its generic path cost more than the rest of a request answered
        from the page cache."""
        if (
            isinstance(record.msg, dict)
            or self.json_serializer is not json.dumps
            or self.json_encoder is not LibraryJsonEncoder
            or self.json_default is not None
            or record.exc_info
            or record.exc_text
            or record.stack_info
            or self.defaults
            or self.static_fields
            or self._required_fields != _REQUIRED
        ):
            return super().format(record)
        record.message = record.getMessage()
        log_data = {"level": record.levelname, "logger": record.name, "message": record.message}
        skip, rename = self._skip_fields, self.rename_fields
        for key, value in record.__dict__.items():
            if key not in skip and not key.startswith("_"):
                log_data[rename.get(key, key)] = value
        # The library's own text for the time (JsonEncoder.format_datetime_obj is isoformat()), made here rather
        # than in the encoder's Python `default`.
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat()
        self._drop_empty(log_data)
        return self.prefix + self._encoder.encode(self.process_log_record(log_data))

    @cached_property
    def _encoder(self) -> json.JSONEncoder:
        """What jsonify_log_record's json.dumps builds for every line, built once: the same class and options,
        so the same text."""
        return self.json_encoder(
            default=self.json_default, indent=self.json_indent, ensure_ascii=self.json_ensure_ascii
        )

    @staticmethod
    def _drop_empty(log_data) -> None:
        # Keys that are empty for this kind of process (no task in a web request, no request in a task) are
        # dropped so each line says only what applies to it.
        for key in ("task_id", "task_name"):
            if not log_data.get(key):
                log_data.pop(key, None)

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        self._drop_empty(log_data)
