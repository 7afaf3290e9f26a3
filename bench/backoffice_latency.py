"""Server time of the back office's log search and client page with 1 M stored messages.

Builds (once) the PostgreSQL database of bench/backoffice_data.py, then drives the real
application in-process, logged in as a CJG user: searches of the message log by BSN,
ToewijzingNummer, ReferentieAanbieder and BerichtIdentificatie (alone and with filters), the
unfiltered and filtered list with its next page, and client pages of random clients. The
figure is the server's own time per page, from the `Server-Timing` header (from the request
entering the back office to the answer leaving it: session, queries, access-log write and
commit, rendering). Target (issue 5): p95 < 100 ms for both.

Run: .venv/bin/python bench/backoffice_latency.py [--samples N] [--messages N] [--reset]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice_data import CLIENTS, GEMEENTE, PROVIDERS, ensure, sqlalchemy_url

from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.domain.beheer import gebruikers
from gateway.main import create_app
from gateway.settings import Settings
from tests.backoffice import login

USER, PASSWORD = "bench-cjg", "bench-wachtwoord-lang"


def server_ms(response) -> float:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return float(response.headers["server-timing"].split("dur=")[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log_searches(rng: random.Random, messages: int):
    """Paths of the log as a case worker uses it."""
    while True:
        client = rng.randint(1, CLIENTS)
        message = rng.randint(1, messages)
        provider = rng.randint(1, PROVIDERS)
        yield rng.choice([
            f"/berichten?q={100000000 + client}",
            f"/berichten?q={100000 + client}",
            f"/berichten?q=REF-{client}-{rng.randint(0, 6)}",
            f"/berichten?q=B{message:09d}",
            f"/berichten?q={100000000 + client}&berichttype=JW305",
            f"/berichten?q={100000 + client}&status=accepted",
            "/berichten",
            f"/berichten?voor={rng.randint(1000, messages)}",
            "/berichten?berichttype=JW301&status=rejected",
            f"/berichten?aanbieder={10000000 + provider}",
            "/berichten?van=2024-06-01&tot=2024-06-30",
        ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    ensure(args.messages, args.reset)
    url = sqlalchemy_url()
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        if gebruikers.by_name(session, USER) is None:
            gebruikers.add(session, gebruikersnaam=USER, rol="cjg", wachtwoord=PASSWORD)
        client_ids = [row[0] for row in session.execute(
            text("SELECT id FROM client WHERE gemeente = :g"), {"g": GEMEENTE})]
    engine.dispose()
    app = create_app(Settings(database_url=url), publish=lambda ids: None)
    rng = random.Random(5)
    with TestClient(app) as http:
        assert login(http, USER, PASSWORD).status_code == 303
        searches = log_searches(rng, args.messages)
        for _ in range(20):  # warm the caches and the connection pool
            http.get(next(searches))
            http.get(f"/clienten/{rng.choice(client_ids)}")
        log = [server_ms(http.get(next(searches))) for _ in range(args.samples)]
        clients = [server_ms(http.get(f"/clienten/{rng.choice(client_ids)}")) for _ in range(args.samples)]
    print(f"{args.messages:,} messages, {len(client_ids):,} clients, {args.samples} samples each (server time)")
    for name, values in (("log search", log), ("client page", clients)):
        print(f"{name:12} p50 {percentile(values, 50):6.1f} ms  p95 {percentile(values, 95):6.1f} ms  "
              f"max {max(values):6.1f} ms  mean {statistics.mean(values):6.1f} ms")


if __name__ == "__main__":
    main()
