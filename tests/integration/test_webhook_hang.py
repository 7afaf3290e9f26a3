"""A provider's webhook that hangs must not slow down automatic grants nor lock the database:
`gateway serve` on the embedded default (SQLite, embedded broker and worker), a webhook URL on
a loopback socket that accepts connections and never answers."""
from __future__ import annotations

import socket
import statistics
import threading
import time

import httpx
import pytest

from tests.agj_stream import agj
from tests.live_gateway import Served, cli, gateway_env

GRANTS = 4


class HangingServer:
    """Accepts every connection and holds it open without reading or answering."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def grant_times(client: httpx.Client, start: int, count: int) -> list[float]:
    """Seconds from POST of an automatically granted AGJ to its JW301 in the postbus."""
    times = []
    for n in range(start, start + count):
        began = time.monotonic()
        answer = client.post("/api/v1/berichten", content=agj(n, "H"), headers={"Content-Type": "application/xml"})
        assert answer.status_code == 202, answer.text
        while True:
            items = client.get("/api/v1/postbus").json()["items"]
            if items:
                break
            assert time.monotonic() - began < 120, "no JW301 within 120 s"
            time.sleep(0.05)
        times.append(time.monotonic() - began)
        for item in items:  # fetched, so the next grant's postbus starts empty
            assert client.get(item["href"]).status_code == 200
    return times


def test_a_hanging_webhook_slows_no_grant_and_locks_nothing(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the embedded default, with a SQLite file of its own: runs in the SQLite pass")
    env = gateway_env(f"sqlite:///{tmp_path / 'gateway.db'}")
    cli(env, "db", "upgrade", cwd=tmp_path)  # the party commands create no database themselves
    token = cli(env, "provider", "add", "--agb", "12345678", "--name", "Zorg BV", cwd=tmp_path)
    cli(env, "municipality", "add", "--code", "0363", "--name", "Amsterdam", cwd=tmp_path)
    hanging = HangingServer()
    served = Served(env, tmp_path).start(wait_for_worker=True)
    try:
        with httpx.Client(base_url=served.base_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=90) as client:
            grant_times(client, 0, 1)  # warms the worker up
            without = grant_times(client, 1, GRANTS)
            cli(env, "provider", "webhook", "--agb", "12345678", "--url", hanging.url, cwd=tmp_path)
            with_hanging = grant_times(client, 1 + GRANTS, GRANTS)
            time.sleep(2)  # the deliveries of the last grants are underway
            outside = client.get("/healthz")
        print(f"\nautomatic grant, POST -> JW301 in postbus (s), embedded default: "
              f"without webhook median {statistics.median(without):.2f} max {max(without):.2f}; "
              f"with a hanging webhook median {statistics.median(with_hanging):.2f} "
              f"max {max(with_hanging):.2f}; webhook connections held: {len(hanging.held)}")
    finally:
        # Stopped with the webhook still hanging and the signal to the whole process group,
        # as a terminal's Ctrl-C or a supervisor sends it: the worker's pool child once got it
        # too, and a child killed while holding the pool's queue lock kept the worker, and so
        # `gateway serve`, from stopping until it was killed 30 s later.
        stopping = time.monotonic()
        served.stop()
        stopped_after = time.monotonic() - stopping
        hanging.close()
    log = served.log()
    assert "database is locked" not in log
    assert outside.status_code == 200
    assert hanging.held, "the webhook was never called: the test proves nothing"
    assert max(with_hanging) < max(max(without) * 3, 2.0), (without, with_hanging)
    assert stopped_after < 20, f"gateway serve took {stopped_after:.1f} s to stop"
