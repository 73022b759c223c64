"""A private redis-server and real Celery worker processes for the spam durability tests.

Everything runs on 127.0.0.1 on a free port, in its own temporary folder and process group, and is stopped by
the fixture that started it: the machine's shared Redis is never touched.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout} s")


class PrivateRedis:
    """redis-server without persistence: a restart loses every queued task, as in the durability check."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="np-spam-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        _wait(self._answers, 10, "redis-server did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def current_database_url() -> str:
    """The test database pytest-django created (test_<name>), for processes started by a test."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    """`celery -A newsportal worker` in its own process group, on the test database and the private broker."""

    def __init__(self, name: str, broker_url: str, *, pool: str = "prefork", database_url: str = "", **env: str):
        self.name = f"{name}@{socket.gethostname()}"
        self.log = Path(tempfile.mkstemp(prefix=f"np-spam-{name}-", suffix=".log")[1])
        environment = {
            **os.environ,
            "DATABASE_URL": database_url or current_database_url(),
            "CELERY_BROKER_URL": broker_url,
            **env,
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "newsportal", "worker", "-l", "warning", "--concurrency", "1",
                 "--pool", pool, "-n", self.name, "--without-gossip", "--without-mingle"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, app, timeout: float = 60) -> None:
        def answers() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited: {self.tail()}")
            return bool(app.control.ping(destination=[self.name], timeout=0.5))

        _wait(answers, timeout, f"the worker did not answer a ping: {self.tail()}")

    def rss_mb(self) -> float:
        """Resident memory of the worker's main process (with --pool solo: the one doing the work)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker's main process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool, no chance to ack or requeue."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
