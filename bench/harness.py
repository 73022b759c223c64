"""What the benchmarks share: processes in their own groups, the project and ceiling servers, wrk, the table.

Standard library only (plus the project's virtualenv for the servers it starts). Everything a benchmark starts
binds 127.0.0.1 on a free port, runs in its own process group and is stopped at exit, also on SIGTERM.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
WORK = Path(os.environ.get("BENCH_TMP") or Path(tempfile.gettempdir()) / "newsportal-bench")
SEED_HEADLINE = "Xi: China-Russia ties prioritized in Chinese diplomacy"
MOD_USER, MOD_PASSWORD = "benchmod", "bench-mod-password-1"
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"


def say(msg: str) -> None:
    print(msg, flush=True)


def venv_bin(name: str) -> str:
    exe = VENV_BIN / name
    return str(exe) if exe.exists() else (shutil.which(name) or name)


# ---------------------------------------------------------------------------------------------------------
# Processes

_CHILDREN: list[subprocess.Popen] = []


def _stop_all() -> None:
    for proc in reversed(_CHILDREN):
        stop_group(proc)


atexit.register(_stop_all)


def exit_cleanly_on_sigterm() -> None:
    """For a script's main: a time limit's SIGTERM still runs the clean-up (atexit) of every child."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def spawn(argv: list[str], log_name: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """Start argv in its own process group; output to WORK/<log_name>.log."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = open(WORK / f"{log_name}.log", "wb")  # noqa: SIM115 - the child owns it until it exits
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _CHILDREN.append(proc)
    return proc


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 15) -> None:
    """Signal the process group created for proc (nothing else), then reap it; SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def log_tail(log_name: str, chars: int = 600) -> str:
    path = WORK / f"{log_name}.log"
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


def ensure_wrk() -> None:
    """wrk is a Debian package: installed with apt-get when missing (benchmarks run by hand, as root or sudo)."""
    if shutil.which("wrk"):
        return
    for cmd in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run(cmd, capture_output=True, timeout=900)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=900)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed and apt-get could not install it (apt-get install wrk)")


# ---------------------------------------------------------------------------------------------------------
# The project, prepared and served the way production runs it


def production_env(database_url: str, extra: dict | None = None) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SUPERUSER_USERNAME": MOD_USER,
        "DJANGO_SUPERUSER_PASSWORD": MOD_PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": f"{MOD_USER}@example.org",
        "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
        **(extra or {}),
    }


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database of `url` (a benchmark starts from nothing)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(args: list[str], env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [venv_bin("python"), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def prepare_database(env: dict, *, articles: int = 200, comments: int = 2000) -> list[str]:
    """migrate, load_seed, seed_demo and a moderator; returns notes on the steps that are not there yet."""
    notes = []
    steps = [
        ["migrate", "--noinput"],
        ["load_seed"],
        ["seed_demo", "--articles", str(articles), "--comments", str(comments)],
        ["createsuperuser", "--noinput"],
    ]
    for step in steps:
        r = manage(step, env)
        out = r.stdout + r.stderr
        if r.returncode == 0 or "already" in out:
            continue
        if "Unknown command" in out:
            notes.append(f"manage.py {step[0]} does not exist yet")
            continue
        raise SystemExit(f"manage.py {' '.join(step)} failed:\n{out[-1500:]}")
    return notes


class Gunicorn:
    """gunicorn serving a WSGI app on a free loopback port, in its own process group."""

    def __init__(self, app: str, log_name: str, env: dict, workers: int = 2, pythonpath: str | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_name = log_name
        self.env = env
        argv = [venv_bin("gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", app, "--log-level", "warning"]
        if pythonpath:
            argv += ["--pythonpath", pythonpath]
        self.proc = spawn(argv, log_name, env=env)

    def wait(self, path: str) -> None:
        if not wait_http(self.base + path, 60):
            self.stop()
            raise SystemExit(f"{self.log_name} did not answer {path} within 60 s:\n{log_tail(self.log_name)}")

    def stop(self) -> None:
        stop_group(self.proc)


def project_server(env: dict, log_name: str = "project", workers: int = 2) -> Gunicorn:
    server = Gunicorn("newsportal.wsgi:application", log_name, env, workers)
    server.wait("/healthz")
    return server


def ceiling_server(workers: int = 2) -> Gunicorn:
    server = Gunicorn("ceiling:application", "ceiling", {"DJANGO_SETTINGS_MODULE": ""}, workers, str(ROOT / "bench"))
    server.wait("/plaintext")
    return server


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 30):
    """(status, parsed JSON or text) of one request; never raises on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    h = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------------------
# wrk


@dataclass
class WrkResult:
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    non_2xx: int
    errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _latency_ms(text: str, pct: str) -> float | None:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return float(m.group(1)) * _UNITS_MS[m.group(2)] if m else None


def parse_wrk(text: str) -> WrkResult:
    """Figures from `wrk --latency` output (raises ValueError when there is no Requests/sec line)."""
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        raise ValueError(f"wrk gave no figure: {text[-300:]}")
    total = re.search(r"(\d+) requests in", text)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        rps=float(m.group(1)),
        p50_ms=_latency_ms(text, "50"),
        p99_ms=_latency_ms(text, "99"),
        requests=int(total.group(1)) if total else 0,
        non_2xx=int(bad.group(1)) if bad else 0,
        errors=sum(int(x) for x in sock.groups()) if sock else 0,
    )


def wrk(url: str, seconds: int, conns: int, headers: dict | None = None, script: Path | None = None) -> WrkResult:
    argv = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{seconds}s", "--latency"]
    for k, v in (headers or {}).items():
        argv += ["-H", f"{k}: {v}"]
    if script:
        argv += ["-s", str(script)]
    r = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    return parse_wrk(r.stdout + r.stderr)


# ---------------------------------------------------------------------------------------------------------
# Scenarios and results


@dataclass
class Context:
    """What a scenario's setup gets: the project server it will load, its environment, and helpers."""

    base: str
    env: dict

    def url(self, path: str) -> str:
        return self.base + path

    def http(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        return http(method, self.url(path), body, headers)

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against the benchmark database; returns its stdout."""
        r = manage(["shell", "-c", code], self.env, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(r.stderr[-800:])
        return r.stdout.strip()

    def seed_article_path(self) -> str:
        """The seed article's URL path (load_seed's article), as the checks find it."""
        path = self.shell(
            "from articles.models import Article\n"
            f"a = Article.objects.published().filter(headline={SEED_HEADLINE!r}).first()\n"
            "print(a.get_absolute_url() if a else '')"
        ).splitlines()
        if not path or not path[-1].startswith("/"):
            raise RuntimeError("no seed article (is load_seed there?)")
        return path[-1]

    def seed_article_id(self) -> int:
        out = self.shell(
            "from articles.models import Article\n"
            f"a = Article.objects.published().filter(headline={SEED_HEADLINE!r}).first()\n"
            "print(a.pk if a else '')"
        ).splitlines()
        if not out or not out[-1].isdigit():
            raise RuntimeError("no seed article (is load_seed there?)")
        return int(out[-1])


CEILING_PATHS = {"django": "/plaintext", "drf": "/json"}


@dataclass
class Scenario:
    """One load benchmark: a URL of the project measured against a hello-world ceiling in the same run.

    path: the URL path, or a function of the Context returning it (data is prepared there, too).
    ceiling: "django" (hello-world Django view) or "drf" (hello-world DRF JSON view).
    target: the share of the ceiling to reach (0.5 = 50%), or None to report only.
    lua: a wrk Lua script (text) for anything but a plain GET, e.g. a POST with a JSON body; the URL's path is
         the request's path.
    headers: extra request headers (both sides get them).
    server_env: extra environment for the project's gunicorn (a scenario with its own env gets its own server).
    postgres: serve it from the PostgreSQL database (run.py --postgres-url) instead of the run's SQLite one.
    """

    name: str
    path: str | Callable[[Context], str]
    ceiling: str = "django"
    target: float | None = 0.5
    lua: str | None = None
    headers: dict = field(default_factory=dict)
    server_env: dict = field(default_factory=dict)
    postgres: bool = False


@dataclass
class Row:
    name: str
    rps: float | None = None
    ceiling: str = ""
    ceiling_rps: float | None = None
    ratio: float | None = None
    target: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ceiling_p50_ms: float | None = None
    ceiling_p99_ms: float | None = None
    rounds: list = field(default_factory=list)
    note: str = ""

    @property
    def result(self) -> str:
        if self.note.startswith(("error", "skipped")):
            return self.note.split(":", 1)[0]
        if self.ratio is None or self.target is None:
            return "reported"
        return "pass" if self.ratio >= self.target else "FAIL"


def measure(
    scenario: Scenario,
    ctx: Context,
    ceiling_base: str,
    *,
    seconds: int,
    rounds: int,
    conns: int,
) -> Row:
    """Warm both, then A B A B ...: the scenario and its ceiling alternate so both see the same machine."""
    path = scenario.path(ctx) if callable(scenario.path) else scenario.path
    script = None
    if scenario.lua:
        script = WORK / f"{re.sub(r'[^a-z0-9]+', '-', scenario.name.lower())}.lua"
        script.write_text(scenario.lua)
    target_url, ceiling_url = ctx.url(path), ceiling_base + CEILING_PATHS[scenario.ceiling]
    wrk(target_url, 2, conns, scenario.headers, script)
    wrk(ceiling_url, 2, conns, scenario.headers)
    a: list[WrkResult] = []
    b: list[WrkResult] = []
    for _ in range(rounds):
        a.append(wrk(target_url, seconds, conns, scenario.headers, script))
        b.append(wrk(ceiling_url, seconds, conns, scenario.headers))
    rps, ceiling_rps = _mean(x.rps for x in a), _mean(x.rps for x in b)
    bad = sum(x.non_2xx + x.errors for x in a)
    return Row(
        name=scenario.name,
        rps=rps,
        ceiling=scenario.ceiling,
        ceiling_rps=ceiling_rps,
        ratio=rps / ceiling_rps if ceiling_rps else None,
        target=scenario.target,
        p50_ms=_mean(x.p50_ms for x in a),
        p99_ms=_mean(x.p99_ms for x in a),
        ceiling_p50_ms=_mean(x.p50_ms for x in b),
        ceiling_p99_ms=_mean(x.p99_ms for x in b),
        rounds=[(round(x.rps), round(y.rps)) for x, y in zip(a, b, strict=True)],
        note=f"error: {bad} non-2xx answers or socket errors of {sum(x.requests for x in a)}" if bad else "",
    )


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------------------------------------
# docs/benchmarks.md


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {cpu}"


def _ms(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def render_table(rows: list[Row], standalone: list[tuple[str, str, str]], *, command: str, settings: str) -> str:
    """The block between the markers: when, where, how, then one row per figure."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} on {machine()}.",
        f"Command: `{command}`. {settings}",
        "",
        "| benchmark | req/s | ceiling | ceiling req/s | ratio | target | p50 ms | p99 ms | ceiling p50/p99 ms "
        "| rounds (req/s vs ceiling) | result |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        ratio = "" if r.ratio is None else f"{100 * r.ratio:.0f}%"
        target = "" if r.target is None else f">= {100 * r.target:.0f}%"
        ceiling = {"django": "hello-world Django", "drf": "hello-world DRF"}.get(r.ceiling, r.ceiling)
        ceil_lat = f"{_ms(r.ceiling_p50_ms)} / {_ms(r.ceiling_p99_ms)}" if r.ceiling_p50_ms is not None else ""
        rounds = ", ".join(f"{x}/{y}" for x, y in r.rounds)
        result = r.result + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {r.name} | {_num(r.rps)} | {ceiling} | {_num(r.ceiling_rps)} | {ratio} | {target} | {_ms(r.p50_ms)} "
            f"| {_ms(r.p99_ms)} | {ceil_lat} | {rounds} | {result} |"
        )
    if standalone:
        lines += ["", "| standalone benchmark | figure (its last line) | result |", "|---|---|---|"]
        for name, figure, result in standalone:
            lines.append(f"| {name} | {figure.replace('|', '/')} | {result} |")
    return "\n".join(lines)


def write_between_markers(doc: Path, block: str, *, start: str = MARK_START, end: str = MARK_END) -> None:
    """Replace what is between the markers (adding them at the end when missing); prose outside stays."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    new = f"{start}\n{block}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + new + tail
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    doc.write_text(text)
