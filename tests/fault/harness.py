"""The processes of a fault scenario, each one our own child on a free loopback port: a
throwaway PostgreSQL cluster, a Redis server, the API (`gateway serve`) and a worker
(`gateway worker`). Each can be stopped hard (kill -9, `pg_ctl -m immediate`) and started
again on the same port; `Stack.close` ends every one of them, also after a failure.

Never the machine's shared PostgreSQL or Redis: the ports are chosen free here and nothing
connects anywhere else."""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import redis

from tests.integration.worker import Worker

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1):
    """The first truthy result of `check` within `timeout` seconds; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except Exception:  # a service that is still coming up: try again until the deadline
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not found:
        raise AssertionError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return found[-1].parent


class PostgresCluster:
    """A cluster of our own in a temporary directory. PostgreSQL refuses to run as root, so as
    root it runs as the `postgres` OS user (the directory is handed to that user)."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="gateway-fault-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_user, str(self.bin / program), *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        # fsync off: a stop here is a process stop (-m immediate), never a power cut, so the
        # data survive it as they would with fsync; it only spares the shared disk.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off "
                   "-c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start",
                  timeout=90)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: the hard stop, as a crash (no checkpoint, connections cut)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", timeout=90)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def close(self) -> None:
        if self.running():
            try:
                self.stop()
            except (subprocess.SubprocessError, OSError):
                self._kill_postmaster()
        shutil.rmtree(self.base, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass


class RedisServer:
    """redis-server without persistence: a restart loses every queued task, as a crash would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gateway-fault-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.dir / "redis.log").open("a")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: redis.Redis.from_url(self.url, socket_timeout=1).ping(), timeout=20,
                   what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Api:
    """`gateway serve` with a broker configured, so it runs no worker of its own."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.env, self.directory = env, directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "api.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)], cwd=self.directory,
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._ready, timeout=timeout, what=f"the API on port {self.port} (log {self.log_path})",
                   interval=0.05)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise_log = self.log_path.read_text()[-3000:]
            raise AssertionError(f"the API exited:\n{raise_log}")
        return httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200

    def kill(self) -> None:
        """kill -9: no shutdown, requests in flight get no answer."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Stack:
    """The whole set-up of one fault suite run: database, broker, API, one worker."""

    def __init__(self, directory: Path, *, worker_concurrency: int = 2) -> None:
        self.directory = directory
        self.postgres = PostgresCluster()
        self.redis = RedisServer()
        self.api: Api | None = None
        self.worker: Worker | None = None
        self.worker_concurrency = worker_concurrency

    def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": self.postgres.url, "GATEWAY_BROKER_URL": self.redis.url,
                    "GATEWAY_SWEEP_INTERVAL_SECONDS": "1", "GATEWAY_SWEEP_MIN_AGE_SECONDS": "3"}
        for name in ("GATEWAY_TEST_DATABASE_URL", "GATEWAY_TEST_REDIS_URL"):
            self.env.pop(name, None)  # nothing here may reach the machine's shared services
        self.gateway("db", "upgrade")
        self.api = Api(self.env, self.directory)
        self.api.start()
        self.worker = Worker(self.postgres.url, self.redis.url, self.directory,
                             concurrency=self.worker_concurrency)
        self.worker.start()

    def gateway(self, *args: str) -> str:
        """A `gateway` CLI command on this stack's database; its stdout."""
        return subprocess.run([sys.executable, "-m", "gateway.cli", *args], cwd=self.directory, env=self.env,
                              check=True, capture_output=True, text=True, timeout=120).stdout.strip()

    def logs(self) -> list[Path]:
        return [self.directory / "api.log", self.directory / "worker.log", self.redis.dir / "redis.log",
                self.postgres.log]

    def ensure_running(self) -> None:
        """Back to all-up after a scenario that failed half-way."""
        if not self.postgres.running():
            self.postgres.start()
        if self.redis.process is None or self.redis.process.poll() is not None:
            self.redis.start()
        if not self.api.running():
            self.api.start()
        if self.worker.process is None or self.worker.process.poll() is not None:
            self.worker.start()

    def close(self) -> None:
        for step in (lambda: self.api and self.api.kill(),
                     lambda: self.worker and self.worker.process and self.worker.kill(),
                     self.redis.close, self.postgres.close):
            try:
                step()
            except Exception:  # every process goes, whatever the one before did
                pass
