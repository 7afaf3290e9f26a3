"""A flood of wrong log-ins does not stall the API: a real `gateway serve` on loopback, four
threads posting wrong passwords as fast as they are answered (every one an argon2 check, the
address throttle raised out of the way), and /healthz and an API call measured meanwhile."""
from __future__ import annotations

import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time

import httpx

from tests.integration.test_serve import free_port
from tests.integration.worker import broker_for

FLOODERS = 4
SAMPLES = 40
CHECKS = 8  # password checks answered during each measurement, at least
# Measured on the shared 2-core machine: with the check on the event loop /healthz took 1.7 s
# (p50) during this flood; off the loop 14 ms (5 ms quiet). The bound leaves room for load.
P50_LIMIT = 0.1


def _flood(base: str, stop: threading.Event, answers: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            answer = client.post("/login", data={"username": f"gok-{secrets.token_hex(4)}", "password": "fout-fout",
                                                 "csrf_token": token})
            answers.append(answer.status_code)


def _latencies(base: str, method: str, path: str, answers: list[int] | None = None) -> list[float]:
    """SAMPLES timings, and on until the flood has had CHECKS password checks answered (at most a
    minute more), so the measurement overlaps the checks even on a slow machine."""
    took, deadline, start_count = [], time.monotonic() + 60, len(answers or ())
    with httpx.Client(base_url=base, timeout=60) as client:
        while len(took) < SAMPLES or (answers is not None and len(answers) - start_count < CHECKS
                                      and time.monotonic() < deadline):
            start = time.perf_counter()
            client.request(method, path, content=b"<x/>", headers={"Content-Type": "application/xml"})
            took.append(time.perf_counter() - start)
            time.sleep(0.02)
    return took


def test_a_log_in_flood_does_not_stall_healthz_or_the_api(database_url, engine, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_BROKER_URL": broker_for(database_url),
           "GATEWAY_LOGIN_FAILURES_PER_ADDRESS": "1000000"}
    log = (tmp_path / "serve.log").open("w+")
    serve = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
                             cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    stop, answers = threading.Event(), []
    flooders = [threading.Thread(target=_flood, args=(base, stop, answers)) for _ in range(FLOODERS)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        quiet = statistics.median(_latencies(base, "GET", "/healthz"))
        for thread in flooders:
            thread.start()
        time.sleep(1)
        healthz = _latencies(base, "GET", "/healthz", answers)
        api = _latencies(base, "POST", "/api/v1/validatie", answers)  # no token: 401, the API's own work
        checked = answers.count(401)
    finally:
        stop.set()
        for thread in flooders:
            thread.join(timeout=60)
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:  # never left running: the server and its worker
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)
    p50_healthz, p50_api = statistics.median(healthz), statistics.median(api)
    print(f"\n/healthz p50 quiet {quiet * 1000:.1f} ms, during the flood {p50_healthz * 1000:.1f} ms "
          f"(max {max(healthz) * 1000:.0f} ms); POST /api/v1/validatie p50 {p50_api * 1000:.1f} ms; "
          f"{checked} wrong passwords checked meanwhile")
    assert checked >= 2 * CHECKS, "the flood did not reach the password check"
    assert set(answers) <= {401}, set(answers)
    assert p50_healthz < P50_LIMIT and p50_api < P50_LIMIT
