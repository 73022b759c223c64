"""A private PostgreSQL cluster and a gunicorn server for the fault tests (tests/integration/test_faults.py).

Everything binds 127.0.0.1 on a free port, lives in its own temporary folder and process group, and is stopped
by the fixture that started it: the machine's shared PostgreSQL and Redis are never touched. PostgreSQL refuses
to run as root, so as root the cluster belongs to the `postgres` OS user (runuser).
"""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.integration.spam_processes import ROOT, _wait, free_port

# Debian's server binaries (not on PATH); the newest installed major version unless NEWSPORTAL_PG_BIN says.
_INSTALLED = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
)
PG_BIN = Path(os.environ.get("NEWSPORTAL_PG_BIN") or (_INSTALLED[-1] if _INSTALLED else "/usr/lib/postgresql/15/bin"))


def postgres_available() -> bool:
    return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)


class PrivatePostgres:
    """initdb + pg_ctl in a temporary folder; stop() and start() keep the data and the port."""

    def __init__(self, db_name: str = "newsportal") -> None:
        self.port = free_port()
        self.db_name = db_name
        self.dir = Path(tempfile.mkdtemp(prefix="np-ops-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", db_name)

    def _run(self, *argv) -> None:
        argv = [str(a) for a in argv]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, cwd=self.dir, timeout=120)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.db_name}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def production_env(database_url: str, redis_url: str, **extra: str) -> dict:
    """What a production web or worker process gets (DJANGO_DEBUG=0), on private services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSPORTAL_", "PYTEST"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "faults-" + "f" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"{redis_url}/0",
        "CELERY_BROKER_URL": f"{redis_url}/1",
        **extra,
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
    )


class Gunicorn:
    """The project under gunicorn (2 workers) in its own process group; its log is kept for assertions."""

    def __init__(self, env: dict, workers: int = 2) -> None:
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="np-ops-gunicorn-", suffix=".log")[1])
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                 "--timeout", "60", "newsportal.wsgi:application"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait(lambda: self._answers("/healthz"), 60, f"gunicorn did not answer /healthz: {self.tail()}")

    def _answers(self, path: str) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.tail()}")
        try:
            return request(self.port, "GET", path, timeout=2)[0] == 200
        except OSError:
            return False

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def request(port: int, method: str, path: str, body=None, headers=None, source_ip=None, timeout: float = 10):
    """(status, headers dict, body bytes, seconds) of one HTTP request, from `source_ip` (a distinct client)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source_ip, 0) if source_ip else None
    )
    data = json.dumps(body).encode() if body is not None else None
    h = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    started = time.monotonic()
    try:
        conn.request(method, path, body=data, headers=h)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read(), time.monotonic() - started
    finally:
        conn.close()
