"""Time of the finance report (`GET /api/v1/rapportages/volumes`) over 1 M toewijzingen and
5 M prestaties on PostgreSQL (issue 6 target: < 5 s).

Builds (once, about two minutes) the database of bench/volume_report_data.py, then drives the
real application in-process with a municipality token: the JSON report for one calendar year,
a few runs after one warm-up, and once each as CSV and XLSX and for one provider. The figure
is the wall time of the whole request (authentication, the three grouped queries, the answer).

Run: .venv/bin/python bench/volume_report.py [--runs N] [--reset]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from volume_report_data import GEMEENTE, PROVIDERS, TOEWIJZINGEN, ensure, sqlalchemy_url

from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.settings import Settings

PATH = "/api/v1/rapportages/volumes?van=2025-01-01&tot=2025-12-31"


def timed(http: TestClient, path: str, token: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = http.get(path, headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (response.status_code, response.text[:300])
    rows = len(response.json()["rows"]) if path.endswith("31") else -1
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    ensure(args.reset)
    url = sqlalchemy_url()
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        _, token = add_party(session, soort="gemeente", code=GEMEENTE, naam="Gemeente")  # a new token
        prestaties = session.connection().exec_driver_sql("SELECT count(*) FROM prestatie").scalar()
    engine.dispose()
    app = create_app(Settings(database_url=url), publish=lambda ids: None)
    with TestClient(app) as http:
        timed(http, PATH, token)  # warm-up: connection pool, caches
        runs = [timed(http, PATH, token) for _ in range(args.runs)]
        csv_s, _ = timed(http, PATH + "&format=csv", token)
        xlsx_s, _ = timed(http, PATH + "&format=xlsx", token)
        one_s, _ = timed(http, PATH + f"&aanbieder={10000000 + PROVIDERS // 2}", token)
    seconds = [s for s, _ in runs]
    print(f"{TOEWIJZINGEN:,} toewijzingen, {prestaties:,} prestaties; report 2025-01-01 .. 2025-12-31, "
          f"{runs[0][1]} rows")
    print(f"json  median {statistics.median(seconds):.2f} s  min {min(seconds):.2f} s  max {max(seconds):.2f} s "
          f"({args.runs} runs)")
    print(f"csv {csv_s:.2f} s  xlsx {xlsx_s:.2f} s  one provider {one_s:.2f} s  (target < 5 s)")


if __name__ == "__main__":
    main()
