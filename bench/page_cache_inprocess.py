#!/usr/bin/env python3
"""In-process ratio: the seed article page vs a hello-world Django view, through WSGI handlers in one process.

No gunicorn, no sockets, no wrk: CPU time per request (process_time) of rounds of N requests (the best round
of each) through `django.core.handlers.wsgi.WSGIHandler`, so the figure holds on a loaded machine. The project
handler has the project's settings (DJANGO_DEBUG=0, a fresh SQLite database in a temporary folder with the
seed, local-memory cache) and MIDDLEWARE; the hello-world handler has MIDDLEWARE=[] and a one-view URLconf
(the checks' ceiling). Requests are anonymous, without cookies, with a browser User-Agent; the access log is on
as in production (run with 2>/dev/null).

    .venv/bin/python bench/page_cache_inprocess.py [--requests 2000] [--rounds 5] [--page-cache-seconds 30]

Last line: "article page = N% of hello-world in-process (A vs B req/s of CPU)".
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def hello(request):
    from django.http import HttpResponse

    return HttpResponse(b"Hello, World!", content_type="text/plain")


def _urlpatterns():
    from django.urls import path

    return [path("plaintext", hello)]


def environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": UA,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def cpu_per_request(handler, path: str, n: int) -> float:
    def start_response(status, headers):
        assert status.startswith("200"), status

    for _ in range(50):  # warm
        b"".join(handler(environ(path), start_response))
    started = time.process_time()
    for _ in range(n):
        b"".join(handler(environ(path), start_response))
    return (time.process_time() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page-cache-seconds", type=int, default=30)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="np-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsportal.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-" + "s" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "NEWSPORTAL_PAGE_CACHE_SECONDS": str(args.page_cache_seconds),
            "NEWSPORTAL_POPULAR_MEMORY_FILE": f"{tmp}/views.json",
        }
    )
    import django

    django.setup()

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_seed", verbosity=0)
    from articles.models import Article

    path = Article.objects.get(headline__startswith="Xi: China-Russia").get_absolute_url()

    module = type(sys)("bench_hello_urls")
    module.urlpatterns = _urlpatterns()
    sys.modules["bench_hello_urls"] = module
    project = WSGIHandler()
    with override_settings(MIDDLEWARE=[], ROOT_URLCONF="bench_hello_urls"):
        hello_handler = WSGIHandler()
    # Interleaved rounds, the best of each: the machine's other load only ever adds time.
    article = ceiling = float("inf")
    for _ in range(args.rounds):
        article = min(article, cpu_per_request(project, path, args.requests))
        with override_settings(MIDDLEWARE=[], ROOT_URLCONF="bench_hello_urls"):
            ceiling = min(ceiling, cpu_per_request(hello_handler, "/plaintext", args.requests))
    print(f"article page {article * 1000:.3f} ms, hello-world {ceiling * 1000:.3f} ms of CPU per request")
    print(
        f"article page = {100 * ceiling / article:.0f}% of hello-world in-process "
        f"({1 / article:.0f} vs {1 / ceiling:.0f} req/s of CPU)"
    )


if __name__ == "__main__":
    main()
