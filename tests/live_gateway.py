"""`gateway serve` as a real process on a free loopback port, for tests that time the API as a
provider sees it, and `gateway` CLI commands against the same configuration."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.own_redis import free_port


def gateway_env(database_url: str, broker_url: str = "", **extra: str) -> dict[str, str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_BROKER_URL": broker_url,
           # a quick sweep, so a test sees unpublished work delivered within seconds
           "GATEWAY_SWEEP_INTERVAL_SECONDS": "1", "GATEWAY_SWEEP_MIN_AGE_SECONDS": "3"}
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class Served:
    def __init__(self, env: dict[str, str], directory: Path):
        self.env, self.directory = env, directory
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "serve.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, wait_for_worker: bool, timeout: float = 90) -> Served:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)], cwd=self.directory,
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gateway serve stopped:\n{self.log()}"
            try:
                ready = httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and (not wait_for_worker or "ready." in self.log()):
                return self
            time.sleep(0.2)
        raise AssertionError(f"gateway serve did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
