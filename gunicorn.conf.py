"""gunicorn settings for the web process (read from the working directory: the image's /app, `make stack`).

Command-line flags win over these (`gunicorn -w 4 -b ...`). Workers default to $WEB_CONCURRENCY, gunicorn's
own convention. No Django import here: the same file applies to bench/ceiling.py.
"""

import os
import shutil

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# GUNICORN_THREADS=N > 1 serves N requests at a time in each worker (gunicorn's gthread worker): a request waiting
# on PostgreSQL (a commit's fsync) or Redis leaves the worker to another one. 1 (the default): the sync worker.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker that takes longer than this for one request is killed and replaced (the request gets a 502 upstream).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# GUNICORN_MAX_REQUESTS=N recycles a worker after N requests (jittered), should memory ever creep; off by default
# (a recycled worker re-imports the project, which shows up as noise in a benchmark).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# The access log is the project's own (newsportal.access: JSON with the request id); gunicorn's own lines are
# start-up and worker events only.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}},
}


class ProjectLogger(Logger):
    """gunicorn's logger, with its access log only where one is configured (`accesslog`).

    gunicorn counts a `logconfig_dict` as an access log, and then builds a log record's atoms for every request
    (3.6% of a worker's CPU on a comment POST) for a logger that prints nothing here: the access log is the
    project's own."""

    def _compute_access_log_enabled(self):
        return bool(self.cfg.accesslog)


logger_class = ProjectLogger


def on_starting(server):
    """prometheus-client's multiprocess mode: start from an empty folder (files of old pids would add up)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
