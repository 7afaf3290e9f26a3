"""Time of the finance report (`GET /api/v1/rapportages/volumes`, target < 5 s) and of the
back office's finance page `/financien` with its month chart (target < 2 s) over 1 M
toewijzingen and 5 M prestaties on PostgreSQL.

Builds (once: here about four minutes for the rows, four and a half for the month totals) the
database of bench/volume_report_data.py, then drives the real application in-process. The API
with a municipality token: the JSON report for one calendar year, a few runs after one warm-up,
and once each as CSV and XLSX and for one provider; the figure is the wall time of the whole
request (authentication, the grouped queries, the answer). The page logged in as a finance
user: the default period (this calendar year up to today), one calendar year and 36 months (the
longest month chart); the figure is the server's own time from the `Server-Timing` header. Then
the report on its own: the direct queries without and with the month columns
(`rapportage.rapport`, per_maand False as the API runs it, True with the chart), and from the
month totals as the page asks it (`maandrapport.rapport`).

Run: .venv/bin/python bench/volume_report.py [--runs N] [--reset]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from volume_report_data import GEMEENTE, PROVIDERS, TOEWIJZINGEN, ensure, sqlalchemy_url

from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.domain.beheer import gebruikers
from gateway.domain.financien import maandrapport, rapportage
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.settings import Settings
from tests.backoffice import login

PATH = "/api/v1/rapportages/volumes?van=2025-01-01&tot=2025-12-31"
USER, PASSWORD = "bench-financien", "bench-wachtwoord-lang"
PAGES = [("default period", "/financien"),
         ("2025 (12 months)", "/financien?van=2025-01-01&tot=2025-12-31"),
         ("2023-2025 (36 months)", "/financien?van=2023-01-01&tot=2025-12-31")]
PARTS = [("2025 (12 months)", rapportage.Periode(date(2025, 1, 1), date(2025, 12, 31))),
         ("2023-2025 (36 months)", rapportage.Periode(date(2023, 1, 1), date(2025, 12, 31)))]


def timed(http: TestClient, path: str, token: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = http.get(path, headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (response.status_code, response.text[:300])
    rows = len(response.json()["rows"]) if path.endswith("31") else -1
    return elapsed, rows


def page_seconds(http: TestClient, path: str) -> float:
    response = http.get(path)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert "<svg" in response.text  # the charts were drawn: the month series was built
    return float(response.headers["server-timing"].split("dur=")[1]) / 1000


def part_seconds(session: Session, run) -> float:
    started = time.perf_counter()
    run(session)
    session.rollback()  # `SET LOCAL jit` and the snapshot end with the transaction, as per request
    return time.perf_counter() - started


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def parts_of_page(session: Session, periode: rapportage.Periode, producten, runs: int) -> tuple[float, ...]:
    """Median seconds of the direct report without month columns (the table, as the API asks
    it) and with them, and of the report from the month totals with them (as the page asks)."""
    def run(report, per_maand: bool):
        def measure(s: Session) -> None:
            report(s, periode, gemeenten=None, producten=producten, per_maand=per_maand)
        return measure

    return (median_of(runs, lambda: part_seconds(session, run(rapportage.rapport, False))),
            median_of(runs, lambda: part_seconds(session, run(rapportage.rapport, True))),
            median_of(runs, lambda: part_seconds(session, run(maandrapport.rapport, True))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("api", "page"), help="Time only the API report or only the page.")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    ensure(args.reset)
    url = sqlalchemy_url()
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        _, token = add_party(session, soort="gemeente", code=GEMEENTE, naam="Gemeente")  # a new token
        if gebruikers.by_name(session, USER) is None:
            gebruikers.add(session, gebruikersnaam=USER, rol=gebruikers.FINANCE, wachtwoord=PASSWORD)
        prestaties = session.connection().exec_driver_sql("SELECT count(*) FROM prestatie").scalar()
    print(f"{TOEWIJZINGEN:,} toewijzingen, {prestaties:,} prestaties", flush=True)
    app = create_app(Settings(database_url=url), publish=lambda ids: None)
    with TestClient(app) as http:
        if args.only != "page":
            api(http, token, args.runs)
        if args.only != "api":
            assert login(http, USER, PASSWORD).status_code == 303
            print(f"/financien page, server time, median of {args.runs} after a warm-up (target < 2 s):", flush=True)
            for name, path in PAGES:
                page_seconds(http, path)
                seconds = statistics.median(page_seconds(http, path) for _ in range(args.runs))
                print(f"  {name:22} {seconds:.2f} s", flush=True)
    if args.only != "api":
        producten = app.state.ctx.reference.producten
        print("the report on its own (rapport), median:", flush=True)
        with Session(engine) as session:
            for name, periode in PARTS:
                table_s, chart_s, totals_s = parts_of_page(session, periode, producten, args.runs)
                print(f"  {name:22} direct: table only {table_s:.2f} s, table and month chart {chart_s:.2f} s; "
                      f"from the month totals, table and chart {totals_s:.2f} s", flush=True)
    engine.dispose()


def api(http: TestClient, token: str, runs_: int) -> None:
    timed(http, PATH, token)  # warm-up: connection pool, caches
    runs = [timed(http, PATH, token) for _ in range(runs_)]
    csv_s, _ = timed(http, PATH + "&format=csv", token)
    xlsx_s, _ = timed(http, PATH + "&format=xlsx", token)
    one_s, _ = timed(http, PATH + f"&aanbieder={10000000 + PROVIDERS // 2}", token)
    seconds = [s for s, _ in runs]
    print(f"report 2025-01-01 .. 2025-12-31, {runs[0][1]} rows")
    print(f"json  median {statistics.median(seconds):.2f} s  min {min(seconds):.2f} s  max {max(seconds):.2f} s "
          f"({runs_} runs)")
    print(f"csv {csv_s:.2f} s  xlsx {xlsx_s:.2f} s  one provider {one_s:.2f} s  (target < 5 s)", flush=True)


if __name__ == "__main__":
    main()
