"""Schemathesis against the live OpenAPI schema: every operation, generated inputs, no server error and no
answer that violates the schema. Bounded (examples per operation, a time budget) to stay under two minutes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, settings, tmp_path):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.NEWSPORTAL_API_RATES = {"write": "off", "auth": "off", "read": "off"}
    article = ArticleFactory(pk=1)
    top = CommentFactory(article=article, status="published", pk=42)
    CommentFactory(article=article, status="published", parent=top)
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"

    run = subprocess.run(
        [
            st,
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "15",
            "--max-time",
            "90",
            "--seed",
            "7",
            "--workers",
            "1",
            "--no-shrink",
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--no-color",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=tmp_path,  # schemathesis keeps a cache folder in its working directory
        capture_output=True,
        text=True,
        timeout=170,
    )

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
