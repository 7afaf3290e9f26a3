"""While the database cannot be reached the gateway says so (503 with Retry-After: problem+json
for the API, a Dutch page for the back office, /readyz "unreachable") and it recovers by
itself when the database is back: no restart, no 500.

On PostgreSQL the app reaches the test database through a TCP forwarder that the test
switches off (connections cut, new ones refused) and on again. On SQLite the database file's
directory is moved away, after the pool let go of its open files (an open SQLite file keeps
working even when moved), and moved back.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from gateway.db.migrate import upgrade
from gateway.db.session import CONNECT_TIMEOUT_SECONDS, unit_of_work
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.settings import Settings
from tests.backoffice import add_users, login
from tests.conftest import AGB, GEMEENTE
from tests.route import json_auth, post, request
from tests.tcp_switch import TcpSwitch


class _SqliteOutage:
    def __init__(self, directory: Path):
        self.directory, self.away = directory, directory.with_name(directory.name + "-weg")
        self.url = f"sqlite:///{directory / 'gateway.db'}"

    def off(self, app) -> None:
        app.state.engine.dispose()
        self.directory.rename(self.away)

    def on(self, _app) -> None:
        self.away.rename(self.directory)


class _PostgresOutage:
    def __init__(self, switch: TcpSwitch, database_url: str):
        self.switch = switch
        self.url = make_url(database_url).set(host="127.0.0.1", port=switch.port).render_as_string(
            hide_password=False)

    def off(self, _app) -> None:
        self.switch.off()

    def on(self, _app) -> None:
        self.switch.on()


@contextmanager
def _database_that_goes_away(database_url: str, tmp_path: Path):
    if database_url.startswith("sqlite"):
        directory = tmp_path / "data"
        directory.mkdir()
        outage = _SqliteOutage(directory)
        upgrade(outage.url)
        yield outage
        return
    target = make_url(database_url)
    with TcpSwitch(target.host or "127.0.0.1", target.port or 5432) as switch:
        yield _PostgresOutage(switch, database_url)


def _unavailable_problem(answer) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "10"
    assert answer.json()["type"].endswith(":database-unavailable")


def test_database_unreachable_is_503_with_retry_after_and_recovers_by_itself(database_url, engine, tmp_path):
    # `engine`: the tables are emptied after the test on the shared PostgreSQL database.
    with _database_that_goes_away(database_url, tmp_path) as db:
        app = create_app(Settings(database_url=db.url), publish=[].extend)
        with TestClient(app) as client:
            with unit_of_work(app.state.sessions) as session:
                _, provider = add_party(session, soort="aanbieder", code=AGB, naam="Zorg BV")
                add_party(session, soort="gemeente", code=GEMEENTE, naam="Amsterdam")
            users = add_users(app.state.sessions)
            assert post(client, provider, request("AGJ", "VOOR1")).status_code == 202
            assert login(client, users["cjg"]).status_code == 303
            assert client.get("/aanvragen").status_code == 200

            db.off(app)
            started = time.monotonic()
            _unavailable_problem(post(client, provider, request("AGJ-GEEN-OVEREENSTEMMING", "TIJDENS1")))
            _unavailable_problem(client.get("/api/v1/postbus", headers=json_auth(provider)))
            page = client.get("/aanvragen")
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert page.headers["retry-after"] == "10"
            assert "database van de gateway is even niet bereikbaar" in page.text
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.headers["retry-after"] == "10"
            assert ready.json()["checks"]["database"] == "unreachable"
            assert client.get("/healthz").status_code == 200
            assert time.monotonic() - started < 15  # answered, not hung

            db.on(app)
            assert client.get("/readyz").status_code == 200
            # Never stored while the database was away, so now simply accepted (no replay).
            again = post(client, provider, request("AGJ-GEEN-OVEREENSTEMMING", "TIJDENS1"))
            assert again.status_code == 202 and "idempotent-replay" not in again.headers
            assert client.get("/aanvragen").status_code == 200


def test_a_database_that_does_not_answer_is_503_within_the_connect_timeout(database_url, engine):
    """A server or network that swallows packets (no refusal): each request waits at most the
    connect time-out, then answers 503, instead of hanging for the system's TCP time-out."""
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite file has no network to lose")
    target = make_url(database_url)
    with TcpSwitch(target.host or "127.0.0.1", target.port or 5432) as switch:
        app = create_app(Settings(database_url=_PostgresOutage(switch, database_url).url), publish=[].extend)
        with TestClient(app) as client:
            with unit_of_work(app.state.sessions) as session:
                _, provider = add_party(session, soort="aanbieder", code=AGB, naam="Zorg BV")
            switch.hang()
            # In a thread, so that a request that hangs fails the test instead of stalling it
            # (leaving the `with` cuts the held connections and so ends it).
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(client.get, "/api/v1/postbus", headers=json_auth(provider))
                try:
                    _unavailable_problem(waiting.result(timeout=CONNECT_TIMEOUT_SECONDS + 5))
                finally:
                    switch.on()
            assert client.get("/api/v1/postbus", headers=json_auth(provider)).status_code == 200

