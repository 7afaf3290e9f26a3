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


def _serve(tmp_path, port: int) -> subprocess.Popen:
    """`gateway serve` on the embedded default (a SQLite file in `tmp_path`, no broker), its
    output in serve.log."""
    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    env.pop("GATEWAY_BROKER_URL", None)
    log = (tmp_path / "serve.log").open("w+")
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_serve_runs_api_and_worker_and_stops_both(tmp_path):
    port = free_port()
    serve = _serve(tmp_path, port)
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


def test_a_killed_serve_takes_its_worker_with_it(tmp_path):
    """The embedded worker runs in a session of its own (a signal to serve's group must not
    reach its pool child), so only its death signal (PR_SET_PDEATHSIG) ends it with serve."""
    serve = _serve(tmp_path, free_port())
    worker = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "ready." not in (tmp_path / "serve.log").read_text():
            time.sleep(0.3)
        children = subprocess.run(["pgrep", "-P", str(serve.pid), "-f", "gateway.cli worker"],
                                  capture_output=True, text=True).stdout.split()
        assert len(children) == 1, children
        worker = int(children[0])
        assert os.getsid(worker) != os.getsid(serve.pid)  # not reached by a signal to serve's group
    finally:
        serve.kill()
        serve.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    assert not _alive(worker), "the worker outlived a killed gateway serve"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
