"""Latency from POST of an automatically granted aanvraag to its JW301 in the postbus.

The real set-up, on this machine: the API under uvicorn, one Celery worker (concurrency 1)
on Redis, PostgreSQL. Each sample posts a fresh AGJ (its own client, identificatie and
reference: TR374 allows one open request per client) and polls GET /api/v1/postbus every
2 ms until the JW301 is there; the latency is from just before the POST to the answer that
lists it. Prints p50, p95, max and the mean. Target (issue 3): p50 < 250 ms.

Needs PostgreSQL and Redis (the defaults below are this machine's); it creates and drops a
database of its own and uses Redis database 12.

Run: .venv/bin/python bench/aanvraag_latency.py [--samples N]
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import example, valid_bsns

PG = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
DATABASE = "gateway_bench"


def message(bsn: str, n: int) -> bytes:
    xml = example("AGJ").replace(b"999994323", bsn.encode())
    xml = re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>B{n:09d}<".encode(), xml, count=1)
    return re.sub(rb"<agj:ReferentieAanbieder>[^<]+<", f"<agj:ReferentieAanbieder>BENCH-{n}<".encode(), xml)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database() -> str:
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{DATABASE}"


def gateway(env: dict, *args: str, cwd: Path) -> str:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    redis.Redis.from_url(REDIS).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {**os.environ, "GATEWAY_DATABASE_URL": recreate_database(), "GATEWAY_BROKER_URL": REDIS}
    gateway(env, "db", "upgrade", cwd=workdir)
    provider = gateway(env, "provider", "add", "--agb", "12345678", "--name", "Bench Zorg", cwd=workdir)
    gateway(env, "municipality", "add", "--code", "0363", "--name", "Amsterdam", cwd=workdir)
    port = free_port()
    log = (workdir / "processes.log").open("w")
    processes = [
        subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)], env=env,
                         cwd=workdir, stdout=log, stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker", "--concurrency", "1"], env=env,
                         cwd=workdir, stdout=log, stderr=subprocess.STDOUT),
    ]
    try:
        latencies = run(f"http://127.0.0.1:{port}", provider, args.samples, workdir)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    ms = sorted(x * 1000 for x in latencies)
    print(f"POST aanvraag (AGJ, automatic grant) -> JW301 in postbus, {len(ms)} samples, "
          f"Redis + PostgreSQL, 1 worker:")
    print(f"  p50 {statistics.median(ms):7.1f} ms")
    print(f"  p95 {ms[int(0.95 * (len(ms) - 1))]:7.1f} ms")
    print(f"  max {ms[-1]:7.1f} ms   mean {statistics.fmean(ms):7.1f} ms")
    print("  target: p50 < 250 ms")


def run(base: str, token: str, samples: int, workdir: Path) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the gateway did not start; see {workdir / 'processes.log'}")
            time.sleep(0.2)
        latencies = []
        numbers = valid_bsns(samples + 5)
        for n, bsn in enumerate(numbers, start=1):
            body = message(bsn, n)
            started = time.perf_counter()
            answer = client.post("/api/v1/berichten", content=body, headers={"Content-Type": "application/xml"})
            if answer.status_code != 202:
                raise SystemExit(f"sample {n} was not accepted: {answer.status_code} {answer.text[:300]}")
            while True:
                items = client.get("/api/v1/postbus").json()["items"]
                if items:
                    break
                if time.perf_counter() - started > 30:
                    raise SystemExit(f"no JW301 within 30 s; see {workdir / 'processes.log'}")
                time.sleep(0.002)
            elapsed = time.perf_counter() - started
            for item in items:  # fetch it, so the next sample's postbus starts empty
                client.get(item["href"])
            if n > 5:  # the first few warm the worker up
                latencies.append(elapsed)
        return latencies


if __name__ == "__main__":
    main()
