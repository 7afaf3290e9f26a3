"""The route through the national chain: Di01 in, Du01 out, timed.

The real set-up, on this machine: the gateway under uvicorn (`gateway serve` with a broker, so
it starts no worker), one Celery worker (concurrency 1) on Redis, PostgreSQL, and the chain's
stand-in (`gateway.ggk.stub.ChainStub`) in this process as GATEWAY_GGK_URL. Prints:

1. the round trip: from just before posting a Di01 with a JW315 to /ggk/OntvangAsynchroon until
   the stand-in has the Du01 with the JW316 whose crossRefnummer is that Di01's
   referentienummer (p50, p95 over --samples messages);
2. the synchronous answer of the envelope endpoint (the Bv03) beside POST /api/v1/berichten
   (the retour) for the same JW315 payloads, one client after the other: messages a second
   and p50/p99 of the answer time.

Needs PostgreSQL and Redis (the defaults of bench/aanvraag_latency.py); it creates and drops a
database of its own.

Run: .venv/bin/python bench/ggk_roundtrip.py [--samples N]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.aanvraag_latency import DATABASE, PG, REDIS, free_port, gateway, recreate_database
from gateway import stuf
from gateway.ggk import client
from tests.support import example, valid_bsns

AGB, GEMEENTE = "12345678", "0363"
WARM_UP = 5


class Stub:
    """`gateway ggk stub` in a process of its own; `wait(ref)` returns once it printed the line of
    the Du01 answering Di01 `ref` (its lines: soort, functie, referentienummer, crossRefnummer, ...)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}/ggk/OntvangAsynchroon"
        port = self.url.split(":")[2].split("/")[0]
        self.process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "ggk", "stub", "--port", port],
                                        env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
        self._answered: set[str] = set()
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            fields = line.rstrip("\n").split("\t")
            if len(fields) > 4 and fields[0] == "Du01" and fields[4] == "HTTP 200":
                with self._changed:
                    self._answered.add(fields[3])
                    self._changed.notify_all()

    def wait(self, ref: str, timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: ref in self._answered, timeout)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def jw315(bsn: str, label: str) -> bytes:
    xml = example("JW315").replace(b"999980919", bsn.encode())
    return re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>{label}<".encode(), xml, count=1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()

    redis.Redis.from_url(REDIS).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ggk-"))
    stub = Stub(dict(os.environ), workdir)
    try:
        env = {**os.environ, "GATEWAY_DATABASE_URL": recreate_database(), "GATEWAY_BROKER_URL": REDIS,
               "GATEWAY_GGK_URL": stub.url, "GATEWAY_LOG_LEVEL": "WARNING"}
        gateway(env, "db", "upgrade", cwd=workdir)
        token = gateway(env, "provider", "add", "--agb", AGB, "--name", "Bench Zorg", cwd=workdir)
        gateway(env, "municipality", "add", "--code", GEMEENTE, "--name", "Amsterdam", cwd=workdir)
        port = free_port()
        log = (workdir / "processes.log").open("w")
        processes = [
            subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)], env=env,
                             cwd=workdir, stdout=log, stderr=subprocess.STDOUT),
            subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker", "--concurrency", "1"], env=env,
                             cwd=workdir, stdout=log, stderr=subprocess.STDOUT),
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, workdir)
            bsns = valid_bsns(3 * (args.samples + WARM_UP))
            trips = round_trips(base, stub, bsns[:args.samples + WARM_UP], workdir)
            ggk = answers_ggk(base, bsns[args.samples + WARM_UP:2 * (args.samples + WARM_UP)])
            api = answers_api(base, token, bsns[2 * (args.samples + WARM_UP):])
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
            with psycopg.connect(PG, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        stub.stop()
    ms = [x * 1000 for x in trips]
    print(f"Di01 (JW315) -> Du01 (JW316) at the chain's stand-in, {len(ms)} messages, Redis + PostgreSQL, 1 worker:")
    print(f"  p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms")
    print("Synchronous answer, the same JW315 payloads, one client:")
    for label, times in (("POST /ggk/OntvangAsynchroon (Bv03)", ggk), ("POST /api/v1/berichten (retour)", api)):
        answer_ms = [x * 1000 for x in times]
        print(f"  {label:36} {len(times) / sum(times):6.1f} msg/s   p50 {statistics.median(answer_ms):6.1f} ms"
              f"   p99 {percentile(answer_ms, 0.99):6.1f} ms")


def _wait_ready(base: str, workdir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the gateway did not start; see {workdir / 'processes.log'}")


def _di01(bsn: str, label: str) -> tuple[str, bytes]:
    ref = stuf.new_referentienummer()
    return ref, client.wrap(jw315(bsn, label), zender=AGB, ontvanger=GEMEENTE, applicatie="BenchZorg",
                            referentienummer=ref)


def round_trips(base: str, stub: Stub, bsns: list[str], workdir: Path) -> list[float]:
    url = f"{base}/ggk/OntvangAsynchroon"
    latencies = []
    for n, bsn in enumerate(bsns, start=1):
        ref, soap = _di01(bsn, f"RT{n:09d}")
        started = time.perf_counter()
        result = client.post(url, soap, "Di01")
        if not result.ok:
            raise SystemExit(f"round trip {n} refused: {result.summary()}")
        if not stub.wait(ref):
            raise SystemExit(f"no Du01 for {ref} within 30 s; see {workdir / 'processes.log'}")
        if n > WARM_UP:  # the first few warm the worker up
            latencies.append(time.perf_counter() - started)
    return latencies


def answers_ggk(base: str, bsns: list[str]) -> list[float]:
    # One kept-alive connection, as for the API below, so that the two compare like for like.
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{stuf.SOAP_ACTIONS["Di01"]}"'}
    times = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for n, bsn in enumerate(bsns, start=1):
            _ref, soap = _di01(bsn, f"GG{n:09d}")
            started = time.perf_counter()
            answer = http.post("/ggk/OntvangAsynchroon", content=soap)
            elapsed = time.perf_counter() - started
            if answer.status_code != 200:
                raise SystemExit(f"envelope {n}: {answer.status_code} {answer.text[:300]}")
            if n > WARM_UP:
                times.append(elapsed)
    return times


def answers_api(base: str, token: str, bsns: list[str]) -> list[float]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    times = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for n, bsn in enumerate(bsns, start=1):
            body = jw315(bsn, f"AP{n:09d}")
            started = time.perf_counter()
            answer = http.post("/api/v1/berichten", content=body)
            elapsed = time.perf_counter() - started
            if answer.status_code not in (202, 422):
                raise SystemExit(f"message {n}: {answer.status_code} {answer.text[:300]}")
            if n > WARM_UP:
                times.append(elapsed)
    return times


if __name__ == "__main__":
    main()
