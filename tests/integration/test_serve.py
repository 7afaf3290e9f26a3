"""`gateway serve` on the embedded default: API, migrated database and a worker, one command."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_api_and_worker_and_stops_both(tmp_path):
    port = free_port()
    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    env.pop("GATEWAY_BROKER_URL", None)
    log = (tmp_path / "serve.log").open("w+")
    serve = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
                             cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and ready is None:
            try:
                ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status
            except OSError:
                time.sleep(0.5)
        assert ready == 200
        while time.monotonic() < deadline and "ready." not in (tmp_path / "serve.log").read_text():
            time.sleep(0.5)
        assert "ready." in (tmp_path / "serve.log").read_text(), "the embedded worker did not start"
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    output = (tmp_path / "serve.log").read_text()
    assert "Warm shutdown" in output  # the worker was stopped with the API
