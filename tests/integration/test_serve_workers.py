"""`gateway serve --workers 2`: two API processes behind one port, on one database and one broker.

Real processes throughout. On the embedded default (SQLite) the command also runs exactly one
Celery worker beside its API processes; on PostgreSQL with Redis two `gateway worker`s run
side by side, each under a node name of its own. Either way every message is answered and
stored, both API processes serve, each automatically granted aanvraag gets one JW301, and
/metrics, whichever process answers it, counts the messages of both. SIGTERM stops them all
gracefully; a killed supervisor's API processes stop themselves.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from celery.exceptions import DuplicateNodenameWarning
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from gateway.db.migrate import upgrade
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.intake.parties import add_party
from gateway.settings import Settings
from tasks.celery_app import create_celery
from tests.agj_stream import agj
from tests.integration.worker import REDIS_URL, flush_broker, wait_for
from tests.live_gateway import gateway_env
from tests.own_redis import free_port

API_PROCESSES = 2
BATCH = 6  # aanvragen posted at once, each on a connection of its own
RECEIVED = "gateway_messages_received"


class ServedProcesses:
    """`gateway serve --workers N` in a session of its own, and what runs under it (from /proc)."""

    def __init__(self, env: dict[str, str], directory: Path, workers: int, *args: str):
        self.env, self.directory, self.workers, self.args = env, directory, workers, args
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "serve.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> ServedProcesses:
        return self.launch().wait_until_started(timeout)

    def launch(self) -> ServedProcesses:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port), "--workers", str(self.workers),
             *self.args],
            cwd=self.directory, env=self.env, stdout=self.log_path.open("a"), stderr=subprocess.STDOUT,
            start_new_session=True)
        return self

    def wait_until_started(self, timeout: float = 90) -> ServedProcesses:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gateway serve stopped:\n{self.log()}"
            # every API process has started, not just the first one to answer /healthz
            if self.log().count("Application startup complete.") >= self.workers and self._healthy():
                return self
            time.sleep(0.2)
        raise AssertionError(f"gateway serve did not start:\n{self.log()}")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def children(self) -> list[int]:
        return children(self.process.pid)

    def api_processes(self) -> list[int]:
        return [pid for pid in self.children() if "multiprocessing.spawn" in cmdline(pid)]

    def celery_workers(self) -> list[int]:
        return [pid for pid in self.children() if "gateway.cli worker" in cmdline(pid)]

    def stop(self) -> int:
        """SIGTERM to the supervisor alone, as a service manager sends it: it stops the rest."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has stopped; whoever adopted it has not collected it yet


def environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def received_by_process(directory: str) -> dict[int, float]:
    """Messages counted per API process, from the per-process files of the multiprocess mode."""
    counted = {}
    for path in Path(directory).glob("counter_*.db"):
        total = sum(sample.value for family in MultiProcessCollector.merge([str(path)])
                    if family.name == RECEIVED for sample in family.samples if sample.name == f"{RECEIVED}_total")
        if total:
            counted[int(path.stem.split("_")[1])] = total
    return counted


def received_in_scrape(base_url: str) -> float:
    # A new connection per scrape, so the scrapes are spread over the processes too.
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(sample.value for family in text_string_to_metric_families(text) if family.name == RECEIVED
               for sample in family.samples if sample.name == f"{RECEIVED}_total")


def post_batch(base_url: str, token: str, first: int) -> list[str]:
    """BATCH automatically granted aanvragen at once; the Location of each stored message."""
    def post(n: int) -> str:
        with httpx.Client(base_url=base_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
            answer = client.post("/api/v1/berichten", content=agj(n, "W"), headers={"Content-Type": "application/xml"})
        assert answer.status_code == 202, answer.text
        return answer.headers["Location"]

    with ThreadPoolExecutor(BATCH) as pool:
        return list(pool.map(post, range(first, first + BATCH)))


def exercise(served: ServedProcesses, token: str, metrics_dir: str) -> None:
    """Posts until both API processes have answered some (the kernel hands each connection to
    whichever process takes it first), then checks storage, grants and /metrics."""
    locations: list[str] = []
    while len(received_by_process(metrics_dir)) < API_PROCESSES and len(locations) < 5 * BATCH:
        locations += post_batch(served.base_url, token, len(locations))
    per_process = received_by_process(metrics_dir)
    assert set(per_process) <= set(served.api_processes())
    assert len(per_process) == API_PROCESSES, f"one API process served them all: {per_process}"
    assert sum(per_process.values()) == len(locations)

    with httpx.Client(base_url=served.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        for location in locations:
            stored = client.get(location)
            assert stored.status_code == 200 and stored.json()["status"] == "accepted", stored.text

        def jw301s() -> list[dict]:
            items = client.get("/api/v1/postbus", params={"limit": 200}).json()["items"]
            return [item for item in items if item["message"] == "JW301"]

        wait_for(lambda: len(jw301s()) >= len(locations), timeout=60, interval=0.5)
        time.sleep(3)  # a few sweeps (every second): work done twice would show by now
        assert len(jw301s()) == len(locations), "an aanvraag got more than one JW301"

    # Whichever process answers the scrape, it counts what both processes received.
    for _ in range(2 * API_PROCESSES):
        assert received_in_scrape(served.base_url) == len(locations)


def register_parties(database_url: str) -> str:
    """The examples' provider and municipality in a database of the test's own; the provider's token."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            _, token = add_party(session, soort="aanbieder", code="12345678", naam="Zorg BV")
            add_party(session, soort="gemeente", code="0363", naam="Amsterdam")
    finally:
        engine.dispose()
    return token


def test_two_api_processes_on_the_embedded_default_run_one_worker(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the embedded default, with a SQLite file of its own: runs in the SQLite pass")
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    token = register_parties(url)
    env = gateway_env(url)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the command's own private directory
    # The API processes build their apps themselves: told what the command line said, they
    # believe the proxy's X-Forwarded-For on /metrics instead of refusing an unknown proxy.
    served = ServedProcesses(env, tmp_path, API_PROCESSES, "--proxy-headers").start()
    try:
        api = served.api_processes()
        assert len(api) == API_PROCESSES
        assert len(served.celery_workers()) == 1, "the embedded worker runs once, in the supervisor"
        metrics_dir = environment(api[0])["PROMETHEUS_MULTIPROC_DIR"]
        assert {environment(pid)["PROMETHEUS_MULTIPROC_DIR"] for pid in api} == {metrics_dir}
        wait_for(lambda: "ready." in served.log(), timeout=60)
        assert f"gateway-{served.celery_workers()[0]}@" in served.log()  # its own node name
        exercise(served, token, metrics_dir)
        for _ in range(2 * API_PROCESSES):
            through_proxy = httpx.get(f"{served.base_url}/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
            assert through_proxy.status_code == 200, through_proxy.text
    finally:
        returncode = served.stop()
    assert returncode == 0, served.log()
    assert not [pid for pid in api if Path(f"/proc/{pid}").exists()], "an API process outlived the command"
    assert served.log().count(" ready.") == 1  # one Celery worker started, and it was stopped:
    assert "Warm shutdown" in served.log()
    assert served.log().count("Application shutdown complete.") == API_PROCESSES
    assert not Path(metrics_dir).exists(), "the private metrics directory outlived the command"


class Worker:
    """`gateway worker` in a session of its own, with its own log."""

    def __init__(self, env: dict[str, str], directory: Path, *args: str):
        directory.mkdir()
        self.log_path = directory / "worker.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "worker", "--concurrency", "1", *args], cwd=directory, env=env,
            stdout=self.log_path.open("a"), stderr=subprocess.STDOUT, start_new_session=True)

    def ready(self) -> bool:
        assert self.process.poll() is None, f"gateway worker stopped:\n{self.log_path.read_text()}"
        return "ready." in self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def test_two_api_processes_and_two_workers_on_postgresql_and_redis(database_url, parties, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL with a Redis broker: runs when the tests run on PostgreSQL")
    flush_broker(REDIS_URL)
    metrics_dir = tmp_path / "metrics"  # one directory for every process, given to all of them
    metrics_dir.mkdir()
    env = gateway_env(database_url, REDIS_URL, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    # Exactly one of them runs the periodic tasks.
    workers = [Worker(env, tmp_path / "beat"), Worker(env, tmp_path / "no-beat", "--no-beat")]
    served = ServedProcesses(env, tmp_path, API_PROCESSES).launch()
    try:
        wait_for(lambda: all(worker.ready() for worker in workers), timeout=60, interval=0.2)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DuplicateNodenameWarning)
            answers = create_celery(Settings(database_url=database_url, broker_url=REDIS_URL)).control.ping(timeout=2)
        names = sorted(name for answer in answers for name in answer)
        assert [name.split("@")[0] for name in names] == sorted(f"gateway-{w.process.pid}" for w in workers)
        served.wait_until_started()
        assert served.celery_workers() == [], "with a broker configured, serve starts no worker"
        api = served.api_processes()
        exercise(served, parties["provider"], str(metrics_dir))
        # Killed, the supervisor cannot stop its processes: they stop themselves (and free the port).
        served.process.kill()
        served.process.wait(timeout=30)
        wait_for(lambda: not [pid for pid in api if running(pid)], timeout=30, interval=0.2)
    finally:
        served.stop()
        for worker in workers:
            worker.stop()
        flush_broker(REDIS_URL)
    assert served.log().count("Application shutdown complete.") == API_PROCESSES


# The default node name holds the pid of the process running the test; the ids are fixed, so
# that every pytest-xdist worker collects the same tests.
@pytest.mark.parametrize(("args", "hostname", "beat"), [
    pytest.param((), f"gateway-{os.getpid()}@%h", True, id="default-name-with-beat"),
    pytest.param(("--no-beat", "--name", "tweede@%h"), "tweede@%h", False, id="named-without-beat"),
])
def test_a_worker_names_its_node_and_runs_the_beat_unless_told_not_to(cli_env, monkeypatch, args, hostname, beat):
    from celery import Celery

    from gateway.cli import main

    seen: list[list[str]] = []
    monkeypatch.setattr(Celery, "worker_main", lambda app, argv: seen.append(argv))
    result = cli_env.invoke(main, ["worker", *args])
    assert result.exit_code == 0, result.output
    assert f"--hostname={hostname}" in seen[0]
    assert ("--beat" in seen[0]) is beat
