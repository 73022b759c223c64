"""Production (DJANGO_DEBUG=0) as a fresh process sees it: fails loudly without its variables, passes
`check --deploy`, and sends the security headers. Each test starts its own Python so no setting leaks."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "prod-test-9f8e7d6c5b4a3210-" + "zyxwvutsrqponmlkjihgfedcba0123456789",
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}
# Variables of this test run that would change what the child sees.
DROP = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG"}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in DROP and not k.startswith(("DJANGO_", "NEWSPORTAL_"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "newsportal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return _run(["-c", "import django; django.setup()\n" + textwrap.dedent(code)], env)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOWED_HOSTS"])
def test_production_without_a_required_variable_fails_naming_it(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = _python("print('started')", env)

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert f"The environment variable {missing} is required" in result.stderr


def test_production_with_its_variables_starts():
    result = _python("from django.conf import settings; print(settings.DEBUG)", PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_check_deploy_is_clean_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_would_catch_an_insecure_production_setting():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {**PRODUCTION, "DJANGO_SECURE_COOKIES": "0"}
    )

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_secret_key_fallbacks_come_from_the_environment():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY_FALLBACKS": "old-key-one, old-key-two"}

    result = _python(
        "import json\nfrom django.conf import settings\nprint(json.dumps(settings.SECRET_KEY_FALLBACKS))", env
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["old-key-one", "old-key-two"]


def test_a_session_signed_with_the_old_key_survives_a_rotation():
    sign = "from django.core import signing\nprint(signing.dumps({'u': 1}))"
    token = _python(sign, {**PRODUCTION, "DJANGO_SECRET_KEY": "old-" + "a" * 60}).stdout.strip()
    check = f"from django.core import signing\nprint(signing.loads({token!r}))"

    rotated = _python(
        check, {**PRODUCTION, "DJANGO_SECRET_KEY": "new-" + "b" * 60, "DJANGO_SECRET_KEY_FALLBACKS": "old-" + "a" * 60}
    )
    dropped = _python(check, {**PRODUCTION, "DJANGO_SECRET_KEY": "new-" + "b" * 60})

    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() == "{'u': 1}"
    assert dropped.returncode != 0 and "BadSignature" in dropped.stderr


HEADERS = """
import json
from django.test import Client
client = Client(HTTP_HOST="news.example.org")
plain = client.get("/healthz")
secure = client.get("/healthz", secure=True)
print(json.dumps({"plain_status": plain.status_code, "plain_location": plain.get("Location"),
                  "secure": dict(secure.headers.items())}))
"""


@pytest.fixture(scope="module")
def production_headers() -> dict:
    env = {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "1"}
    result = _python(HEADERS, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_nosniff_referrer_policy_and_frame_denial(production_headers):
    headers = production_headers["secure"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_production_csp_forbids_inline_code_and_framing(production_headers):
    policy = dict(
        (part.split()[0], part.split()[1:])
        for part in production_headers["secure"]["Content-Security-Policy"].split("; ")
    )

    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }


def test_production_redirects_plain_http_except_the_health_endpoints():
    env = {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "1"}
    code = """
    from django.test import Client
    c = Client(HTTP_HOST="news.example.org")
    print(c.get("/sections/x/").status_code, c.get("/healthz").status_code, c.get("/metrics").status_code)
    """

    result = _python(code, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "200", "200"]  # the test client is 127.0.0.1: metrics open


def test_production_cookies_are_secure_and_session_cookie_http_only():
    code = """
    from django.conf import settings
    print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
    """

    result = _python(code, PRODUCTION)

    assert result.stdout.split() == ["True", "True", "True"]
