"""What one intake costs the API process, without HTTP: the token lookup, then screen, receive
and commit of a new aanvraagformulier (AGJ), one after the other in one thread, as
POST /api/v1/berichten does them. Prints the wall time and the process's CPU time per message,
and with --profile the functions with the most time of their own (cProfile).

The front door's rate (bench/intake.py) is this cost plus HTTP, the thread pool and the
waiting on the database; on a busy machine this figure moves least.

Run: .venv/bin/python bench/intake_cpu.py [--messages N] [--profile]
     GATEWAY_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x .venv/bin/python bench/intake_cpu.py
(on PostgreSQL it creates and drops a database `gateway_bench_intake_cpu` on that server)
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.db.migrate import upgrade
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.intake.parties import add_party, authenticate
from gateway.intake.service import receive, screen
from gateway.main import create_app
from gateway.settings import Settings
from tests.support import example, valid_bsns

DATABASE = "gateway_bench_intake_cpu"
WARM_UP = 50


def aanvragen(count: int) -> list[bytes]:
    """`count` AGJs, each with its own identificatie, reference and client."""
    bodies = []
    for n, bsn in enumerate(valid_bsns(count)):
        body = example("AGJ").replace(b"999994323", bsn.encode())
        body = re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>C{n:07d}<".encode(), body, count=1)
        bodies.append(re.sub(rb"<agj:ReferentieAanbieder>[^<]+<", f"<agj:ReferentieAanbieder>CPU-{n}<".encode(),
                             body))
    return bodies


def database_url() -> tuple[str, str | None]:
    """The database to measure on, and the PostgreSQL server to drop it from afterwards."""
    url = os.environ.get("GATEWAY_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-cpu-')}/gateway.db", None
    server = url.replace("postgresql+psycopg://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    return url.rsplit("/", 1)[0] + f"/{DATABASE}", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    url, server = database_url()
    try:
        measure(url, args.messages, args.profile)
    finally:
        if server is not None:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def measure(url: str, count: int, profile: bool) -> None:
    upgrade(url)
    ctx = create_app(Settings(database_url=url), publish=lambda ids: None).state.ctx
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0363", naam="Amsterdam")
        _, token = add_party(session, soort="aanbieder", code="12345678", naam="Bench Zorg")

    def intake(body: bytes) -> None:
        with unit_of_work(sessions) as session:
            party = authenticate(session, token)
            session.commit()  # as the API's token lookup does, before it reads the body
            answer = receive(session, ctx, party, screen(ctx, body), today=ctx.today())
            session.flush()
        assert answer.status == 202, answer.body[:300]

    bodies = aanvragen(count + WARM_UP)
    for body in bodies[:WARM_UP]:
        intake(body)
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for body in bodies[WARM_UP:]:
        intake(body)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    print(f"intake of an AGJ on {engine.dialect.name}, {count} messages, one thread:")
    print(f"  {1000 * wall / count:6.2f} ms wall, {1000 * cpu / count:6.2f} ms CPU per message "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
