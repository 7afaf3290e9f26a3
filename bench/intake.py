"""The front door: aanvragen per second through POST /api/v1/berichten, against a bare echo.

One run starts the real gateway (`gateway serve`; on the embedded default a SQLite file and the
embedded worker in a temporary folder, or with GATEWAY_DATABASE_URL (postgresql+psycopg) and
GATEWAY_BROKER_URL (redis) set, a fresh PostgreSQL database `gateway_bench_intake` on that
server, the Redis database of the URL (emptied first) and `gateway worker` processes), and a
bare FastAPI app (bench/echo_app.py) under the same uvicorn options that answers 202. wrk
(bench/intake.lua) loads each in turn with the same settings (1 thread, 16 connections, 15 s
after a 3 s warm-up): every request a new AGJ aanvraagformulier (about 4.7 KB) with its own
BerichtIdentificatie, ReferentieAanbieder and BSN, posted with the provider's token. Every
answer must be 202; the others are counted and the first few bodies printed.

Prints the gateway's rate, the echo's, their ratio, p50/p99 of both, and the targets:
  PostgreSQL + Redis: ratio >= 0.25 and gateway p99 < 50 ms;
  embedded default:   ratio >= 0.15 and gateway p99 < 100 ms.

--burst [N] (default 20000, meant for PostgreSQL + Redis) posts N aanvragen over 32
connections as fast as they are answered, checks that all N were answered 202 and stored
(bericht, richting 'in'), prints the total time and the worst latency, then waits until the
workers have caught up (no pending outbox row left) and prints how long that took.

--api-processes N is passed as `gateway serve --workers N`, --celery-workers M
starts M `gateway worker` processes (the first with beat). --scaling measures 1 and then 2
API processes (2 Celery workers both times) and prints how the rate grows. --profile DIR
records a py-spy flame graph (SVG) of the gateway's API processes during the measured run,
and prints its hottest frames (needs py-spy on PATH or in this venv; not a dependency).

Needs wrk (`make bench-intake` installs it). Run:
  .venv/bin/python bench/intake.py [--connections 16] [--duration 15] [--warmup 3]
  GATEWAY_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x \\
  GATEWAY_BROKER_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/intake.py [--burst]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.support import example

DATABASE = "gateway_bench_intake"
LUA = BENCH / "intake.lua"
TARGETS = {"postgresql": (0.25, 50.0), "embedded": (0.15, 100.0)}  # ratio, gateway p99 ms


@dataclass(frozen=True)
class Backend:
    """Where the gateway keeps its data: the embedded default, or PostgreSQL + Redis."""

    kind: str  # "embedded" | "postgresql"
    server_url: str = ""  # the PostgreSQL URL given, its database replaced by ours
    broker_url: str = ""

    @classmethod
    def from_environment(cls) -> Backend:
        database, broker = os.environ.get("GATEWAY_DATABASE_URL", ""), os.environ.get("GATEWAY_BROKER_URL", "")
        if not database and not broker:
            return cls("embedded")
        if not (database.startswith("postgresql+psycopg://") and broker.startswith("redis://")):
            raise SystemExit("set both GATEWAY_DATABASE_URL (postgresql+psycopg://…) and GATEWAY_BROKER_URL "
                             "(redis://…), or neither for the embedded default")
        return cls("postgresql", database, broker)

    def database_url(self, workdir: Path) -> str:
        if self.kind == "embedded":
            return f"sqlite:///{workdir / 'gateway.db'}"
        return make_url(self.server_url).set(database=DATABASE).render_as_string(hide_password=False)

    def prepare(self) -> None:
        """A fresh database and an empty broker (a stale task would name rows of the last run)."""
        if self.kind == "embedded":
            return
        import redis

        redis.Redis.from_url(self.broker_url).flushdb()
        self._admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}")

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    def _admin(self, *statements: str) -> None:
        admin = make_url(self.server_url).set(database="postgres")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    def env(self, workdir: Path) -> dict[str, str]:
        env = {**os.environ, "GATEWAY_DATABASE_URL": self.database_url(workdir)}
        if self.kind == "embedded":
            env.pop("GATEWAY_BROKER_URL", None)
        else:
            env["GATEWAY_BROKER_URL"] = self.broker_url
        return env


@dataclass(frozen=True)
class Load:
    """wrk's settings, the same for the gateway and the echo."""

    threads: int
    connections: int
    duration: int
    warmup: int


@dataclass
class Result:
    """What intake.lua's done() reports for one wrk run."""

    rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    answered: int
    accepted: int
    non202: int
    errors: dict[str, int]
    bodies: list[str]
    seconds: float

    @classmethod
    def from_wrk(cls, line: str, seconds: float | None = None) -> Result:
        data = json.loads(line)
        lat = data["latency_us"]
        seconds = data["duration_us"] / 1e6 if seconds is None else seconds
        return cls(rate=data["answered"] / seconds, p50_ms=lat["p50"] / 1000, p90_ms=lat["p90"] / 1000,
                   p99_ms=lat["p99"] / 1000, max_ms=lat["max"] / 1000, answered=data["answered"],
                   accepted=data["accepted"], non202=data["non202"], errors=data["errors"],
                   bodies=data["bodies"], seconds=seconds)

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.values())


@dataclass
class Processes:
    """Started processes and the one log they write to; all stopped by stop()."""

    log: Path
    running: list[subprocess.Popen] = field(default_factory=list)

    def start(self, argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
        with self.log.open("a") as out:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the uvicorn/celery children too
                process.wait()
        self.running.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


def cli(env: dict[str, str], workdir: Path, *args: str) -> str:
    done = subprocess.run(gateway_command(*args), env=env, cwd=workdir, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"gateway {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip()


def wait_ready(base: str, process: subprocess.Popen, log: Path, what: str) -> None:
    """Until GET /readyz answers 200; stops the run with the log's tail when the process dies."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            hint = ""
            if re.search(r"No such option:? .?--workers", tail):
                hint = "\nthis `gateway serve` has no --workers option (bench/intake.py passes --api-processes as it).\n"
            raise SystemExit(f"{what} exited with {process.returncode} before it was ready.{hint}\n"
                             f"log: {log}\n{tail}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} was not ready within 90 s; log: {log}")


@dataclass
class Gateway:
    base: str
    token: str
    serve: subprocess.Popen
    database_url: str
    log: Path


@contextmanager
def running_gateway(backend: Backend, api_processes: int, celery_workers: int) -> Iterator[Gateway]:
    """The gateway on a fresh database with municipality 0363 and provider 12345678, and its
    workers; everything stopped (and the PostgreSQL database dropped) afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    processes = Processes(workdir / "gateway.log")
    backend.prepare()
    env = backend.env(workdir)
    ok = False
    try:
        cli(env, workdir, "db", "upgrade")
        token = cli(env, workdir, "provider", "add", "--agb", "12345678", "--name", "Bench Zorg")
        cli(env, workdir, "municipality", "add", "--code", "0363", "--name", "Amsterdam")
        port = free_port()
        serve = processes.start(gateway_command("serve", "--port", str(port), "--workers", str(api_processes)),
                                env, workdir)
        if backend.kind == "postgresql":
            for n in range(celery_workers):
                processes.start(gateway_command("worker", *(["--no-beat"] if n else [])), env, workdir)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, serve, processes.log, "gateway serve")
        yield Gateway(base, token, serve, backend.database_url(workdir), processes.log)
        ok = True
    finally:
        processes.stop()
        backend.drop()
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"gateway logs kept in {processes.log}", file=sys.stderr)


@contextmanager
def running_echo(api_processes: int) -> Iterator[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-echo-"))
    processes = Processes(workdir / "echo.log")
    port = free_port()
    try:
        echo = processes.start([sys.executable, str(BENCH / "echo_app.py"), "--port", str(port),
                                "--workers", str(api_processes)], dict(os.environ), ROOT)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, echo, processes.log, "the echo app")
        yield base
    finally:
        processes.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def message_template(directory: Path) -> Path:
    """The AGJ example with @ID@, @BSN@ and @REF@ where intake.lua puts each request's values."""
    xml = example("AGJ")
    xml, ids = re.subn(rb"<ijw:Identificatie>[^<]+<", b"<ijw:Identificatie>@ID@<", xml, count=1)
    xml, bsns = re.subn(rb"<agj:Bsn>999994323<", b"<agj:Bsn>@BSN@<", xml)
    xml, refs = re.subn(rb"<agj:ReferentieAanbieder>[^<]+<", b"<agj:ReferentieAanbieder>@REF@<", xml)
    if (ids, bsns, refs) != (1, 1, 1):  # the example changed: the bench would post duplicates
        raise SystemExit(f"AGJ example: expected one Identificatie, Bsn, ReferentieAanbieder; got {ids, bsns, refs}")
    path = directory / "agj-template.xml"
    path.write_bytes(xml)
    return path


class RunDigits:
    """The first BSN digit of each wrk run against one database, so no two runs repeat values."""

    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        if self.next > 9:
            raise SystemExit("more than 9 wrk runs against one database: their values would repeat")
        self.next += 1
        return self.next - 1


def wrk(base: str, token: str, template: Path, run_digit: int, load: Load, seconds: int,
        connections: int | None = None, quota: int = 0) -> Result:
    """One wrk run; with a quota it ends when every thread's quota of POSTs has been answered."""
    if not 1 <= load.threads <= 9:
        raise SystemExit("--threads must be 1-9 (one BSN digit per thread)")
    argv = ["wrk", "-t", str(load.threads), "-c", str(connections or load.connections),
            "-d", f"{seconds if not quota else 3600}s", "--timeout", "30s", "-s", str(LUA), base,
            "--", str(template), token, str(run_digit), str(quota)]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result_line, finished = None, 0
    elapsed = None
    assert process.stdout is not None  # a pipe: stdout=PIPE
    for line in process.stdout:
        if line.startswith("QUOTA_DONE"):
            finished += 1
            if finished == load.threads:
                elapsed = time.perf_counter() - started
                process.send_signal(signal.SIGINT)  # wrk sleeps out -d otherwise
        elif line.startswith("INTAKE_RESULT "):
            result_line = line.removeprefix("INTAKE_RESULT ")
    _, errors = process.communicate()
    if result_line is None:
        raise SystemExit(f"wrk printed no result (exit {process.returncode}): {errors[-2000:]}")
    return Result.from_wrk(result_line, elapsed)


def measure(base: str, token: str, template: Path, digits: RunDigits, load: Load,
            profile: Profile | None = None) -> Result:
    wrk(base, token, template, digits.take(), load, load.warmup)
    if profile is not None:
        profile.start(load.duration)
    try:
        return wrk(base, token, template, digits.take(), load, load.duration)
    finally:
        if profile is not None:
            profile.finish()


class Profile:
    """py-spy on the gateway's API process and its children: a flame graph SVG, and the raw
    (collapsed) stacks beside it for the hottest frames printed afterwards."""

    def __init__(self, directory: Path, pid: int, name: str) -> None:
        self.py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(self.py_spy).exists():
            raise SystemExit("--profile needs py-spy on PATH or in this venv (pip install py-spy)")
        directory.mkdir(parents=True, exist_ok=True)
        self.svg, self.raw = directory / f"{name}.svg", directory / f"{name}.txt"
        self.pid = pid
        self.recorders: list[subprocess.Popen] = []

    def start(self, seconds: int) -> None:
        for out, form in ((self.svg, "flamegraph"), (self.raw, "raw")):
            # --nonblocking: a paused gateway would show up in the very latencies measured.
            self.recorders.append(subprocess.Popen(
                [self.py_spy, "record", "--pid", str(self.pid), "--subprocesses", "--nonblocking",
                 "--duration", str(seconds), "--format", form, "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))

    def finish(self) -> None:
        for recorder in self.recorders:
            _, err = recorder.communicate(timeout=120)
            if recorder.returncode != 0:
                print(f"py-spy failed: {err[-1000:]}", file=sys.stderr)

    def hottest(self, count: int = 15) -> list[tuple[str, float, float]]:
        """(frame, self %, total %) of the frames with the most samples of their own."""
        own: Counter[str] = Counter()
        total: Counter[str] = Counter()
        samples = 0
        for line in self.raw.read_text().splitlines():
            stack, _, number = line.rpartition(" ")
            if not stack:
                continue
            n = int(number)
            frames = [frame for frame in stack.split(";") if not frame.startswith(("process ", "thread "))]
            samples += n
            if frames:
                own[frames[-1]] += n
            for frame in set(frames):
                total[frame] += n
        return [(frame, 100 * n / samples, 100 * total[frame] / samples) for frame, n in own.most_common(count)]


def print_hottest(profile: Profile) -> None:
    print(f"  profile: {profile.svg}")
    print("   self %  total %  frame")
    for frame, own, total in profile.hottest():
        print(f"  {own:6.1f}  {total:7.1f}  {frame}")


def print_machine_load() -> None:
    """Other work on the machine takes the cores from both servers, and not in proportion."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    note = "" if load < 0.5 * cores else "  (busy machine: the figures are not representative)"
    print(f"  load average (1 min) {load:.1f} on {cores} cores{note}")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def throughput(backend: Backend, load: Load, api_processes: int, celery_workers: int,
               profile_dir: Path | None) -> tuple[Result, Result]:
    """The echo first (nothing else running), then the gateway; prints both and the targets."""
    with tempfile.TemporaryDirectory() as scratch:
        template = message_template(Path(scratch))
        with running_echo(api_processes) as echo_base:
            echo = measure(echo_base, "none", template, RunDigits(), load)
        with running_gateway(backend, api_processes, celery_workers) as gateway:
            profile = None if profile_dir is None else Profile(
                profile_dir, gateway.serve.pid, f"gateway-{backend.kind}-{api_processes}api")
            result = measure(gateway.base, gateway.token, template, RunDigits(), load, profile)
    report(backend, load, api_processes, celery_workers, result, echo)
    if profile is not None:
        print_hottest(profile)
    return result, echo


def report(backend: Backend, load: Load, api_processes: int, celery_workers: int,
           gateway: Result, echo: Result) -> None:
    min_ratio, max_p99 = TARGETS[backend.kind]
    ratio = gateway.rate / echo.rate
    workers = f", {celery_workers} Celery workers" if backend.kind == "postgresql" else ", embedded worker"
    print(f"POST /api/v1/berichten, new AGJ each time; {backend.kind}, {api_processes} API process(es){workers}; "
          f"wrk {load.threads} thread(s), {load.connections} connections, {load.duration:g} s after "
          f"{load.warmup:g} s warm-up")
    print(f"  gateway {gateway.rate:8.1f} req/s   p50 {gateway.p50_ms:6.1f} ms   p99 {gateway.p99_ms:6.1f} ms   "
          f"max {gateway.max_ms:6.1f} ms   ({gateway.answered} answers)")
    print(f"  echo    {echo.rate:8.1f} req/s   p50 {echo.p50_ms:6.1f} ms   p99 {echo.p99_ms:6.1f} ms   "
          f"max {echo.max_ms:6.1f} ms")
    print(f"  ratio   {ratio:8.3f}")
    print_machine_load()
    print_failures(gateway)
    print(f"  target ratio >= {min_ratio}: {verdict(ratio >= min_ratio)}")
    print(f"  target gateway p99 < {max_p99:g} ms: {verdict(gateway.p99_ms < max_p99)}")
    print(f"  target every answer 202: {verdict(gateway.non202 == 0 and gateway.socket_errors == 0)}")


def print_failures(result: Result) -> None:
    print(f"  non-202 answers: {result.non202}   socket errors: {result.errors}")
    for body in result.bodies:
        print(f"    {body[:400]!r}")


def scaling(backend: Backend, load: Load, profile_dir: Path | None) -> None:
    """The throughput run with 1 and then 2 API processes, 2 Celery workers both times."""
    rates = {}
    for api_processes in (1, 2):
        gateway, echo = throughput(backend, load, api_processes, 2, profile_dir)
        rates[api_processes] = (gateway.rate, echo.rate)
        print()
    (g1, e1), (g2, e2) = rates[1], rates[2]
    print(f"scaling 1 -> 2 API processes: gateway {g1:.1f} -> {g2:.1f} req/s (x{g2 / g1:.2f}), "
          f"echo {e1:.1f} -> {e2:.1f} req/s (x{e2 / e1:.2f})")


def stored(database_url: str) -> tuple[int, int, int, int, int]:
    """Messages in (of which accepted), outbox rows pending and due, pending later, failed."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT (SELECT count(*) FROM bericht WHERE richting = 'in'),"
            " (SELECT count(*) FROM bericht WHERE richting = 'in' AND status = 'accepted'),"
            " (SELECT count(*) FROM outbox WHERE status = 'pending'"
            "   AND (volgende_poging IS NULL OR volgende_poging <= CURRENT_TIMESTAMP)),"
            " (SELECT count(*) FROM outbox WHERE status = 'pending'),"
            " (SELECT count(*) FROM outbox WHERE status = 'mislukt')")).one()
    engine.dispose()
    return row[0], row[1], row[2], row[3] - row[2], row[4]


def burst(backend: Backend, load: Load, count: int, api_processes: int, celery_workers: int,
          catch_up_limit: float) -> None:
    """COUNT aanvragen over 32 connections; all answered 202, all stored; then the workers' catch-up."""
    if count % load.threads:
        raise SystemExit("--burst N must be a multiple of --threads")
    with tempfile.TemporaryDirectory() as scratch, \
            running_gateway(backend, api_processes, celery_workers) as gateway:
        template = message_template(Path(scratch))
        result = wrk(gateway.base, gateway.token, template, 1, load, 0, connections=32,
                     quota=count // load.threads)
        burst_end = time.monotonic()
        messages, accepted, due, later, failed = stored(gateway.database_url)
        print(f"burst: {count} aanvragen over 32 connections, {backend.kind}, {api_processes} API process(es), "
              f"{celery_workers if backend.kind == 'postgresql' else 'embedded'} worker(s)")
        print(f"  answered {result.answered}, of which 202: {result.accepted}   in {result.seconds:.1f} s "
              f"({count / result.seconds:.0f} req/s)   worst latency {result.max_ms:.0f} ms")
        print_failures(result)
        print_machine_load()
        print(f"  stored (bericht, richting 'in'): {messages}, accepted {accepted}; lost: {count - messages}")
        complete = result.accepted == count and messages == count and accepted == count
        print(f"  all {count} answered 202 and stored: {verdict(complete)}")
        print(f"  outbox right after the burst: {due} pending and due, {later} pending with a later attempt "
              f"time (leased to a worker, or a retry), {failed} failed")
        # Caught up means no pending row at all: a leased row is still being worked on.
        while due + later and time.monotonic() - burst_end < catch_up_limit:
            time.sleep(0.5)
            _, _, due, later, failed = stored(gateway.database_url)
        waited = time.monotonic() - burst_end
        if due + later:
            print(f"  workers NOT caught up after {waited:.0f} s: {due} outbox rows due, {later} later; "
                  f"log {gateway.log}")
        else:
            print(f"  workers caught up {waited:.1f} s after the burst ended ({failed} outbox rows failed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1-9)")
    parser.add_argument("--connections", type=int, default=16)
    # Whole seconds: what wrk's -d takes.
    parser.add_argument("--duration", type=int, default=15, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each measured run")
    parser.add_argument("--api-processes", type=int, default=1, help="gateway serve --workers N")
    parser.add_argument("--celery-workers", type=int, default=1, help="gateway worker processes (PostgreSQL + Redis)")
    parser.add_argument("--burst", type=int, nargs="?", const=20000, default=None, metavar="N",
                        help="post N aanvragen over 32 connections and check they were all stored (default 20000)")
    parser.add_argument("--catch-up-limit", type=float, default=1800, help="seconds to wait for the workers after a burst")
    parser.add_argument("--scaling", action="store_true", help="1 and then 2 API processes, 2 Celery workers")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR", help="py-spy flame graph of the gateway")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench-intake installs it)")
    backend = Backend.from_environment()
    load = Load(args.threads, args.connections, args.duration, args.warmup)
    if args.burst is not None:
        burst(backend, load, args.burst, args.api_processes, args.celery_workers, args.catch_up_limit)
    elif args.scaling:
        scaling(backend, load, args.profile)
    else:
        throughput(backend, load, args.api_processes, args.celery_workers, args.profile)


if __name__ == "__main__":
    main()
