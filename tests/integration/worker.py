"""A real Celery worker in a subprocess, on the test database: Redis as broker when the tests run
on PostgreSQL, the embedded broker (kombu's SQLAlchemy transport) on SQLite."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis


def _redis_url() -> str:
    """A database of its own, since the tests flush it (GATEWAY_TEST_REDIS_URL moves it
    elsewhere); under pytest-xdist worker gwN takes the N-th database after it, so two workers
    never flush or consume each other's queues."""
    url = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number) + int(worker.removeprefix('gw'))}"


REDIS_URL = _redis_url()


def broker_for(database_url: str) -> str:
    return "" if database_url.startswith("sqlite") else REDIS_URL


def flush_broker(broker_url: str) -> None:
    if broker_url:
        redis.Redis.from_url(broker_url).flushdb()


class Worker:
    def __init__(self, database_url: str, broker_url: str, directory: Path, *, concurrency: int = 1):
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_BROKER_URL": broker_url,
                    # a quick sweep, so a test sees lost work come back within seconds
                    "GATEWAY_SWEEP_INTERVAL_SECONDS": "1", "GATEWAY_SWEEP_MIN_AGE_SECONDS": "3"}
        self.directory = directory
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "worker.log"

    def start(self, timeout: float = 60) -> Worker:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "worker", "--concurrency", str(self.concurrency)], cwd=self.directory,
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text()[offset:]:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker did not start:\n{self.log()}")

    def kill(self) -> None:
        """kill -9 of the whole worker: main process and pool child, no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def wait_for(check, timeout: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def waiting_on_a_lock(engine, statement_start: str) -> bool:
    """True while some session's statement starting with `statement_start` waits for a row lock
    (PostgreSQL): how a test knows the worker got exactly as far as the row it holds."""
    from sqlalchemy import text

    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :start"),
            {"start": statement_start + "%"}).scalar())
