"""Fixtures: a real, migrated database (SQLite by default, PostgreSQL when
GATEWAY_TEST_DATABASE_URL is set), cleaned between tests, and an API client."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before anything imports prometheus_client: the suite runs in its multiprocess mode, as
# `gateway serve` does, so a worker subprocess (which inherits the environment) reports its
# task metrics to the test's /metrics through the same directory; removed after the run.
# Under pytest-xdist each worker process gets a directory of its own (it inherits the
# controller's variable): tests read their own process's counts.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ or "PYTEST_XDIST_WORKER" in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-test-metrics-")
    atexit.register(shutil.rmtree, os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway import clock
from gateway.db import append_only
from gateway.db.migrate import upgrade
from gateway.db.models import Base, Toewijzing
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.domain.beheer import gebruikers
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.settings import Settings, get_settings
from tests.support import TODAY

# Every test runs on the examples' day, whatever the machine's clock says, from noon (Dutch
# time) on, so the run crosses no midnight, Dutch or UTC. One shift for the whole run, handed to
# subprocesses (worker, `gateway serve`) through the environment: every process reads one clock.
SHIFT_SECONDS = (clock.noon(TODAY) - datetime.now(UTC)).total_seconds()
os.environ["GATEWAY_CLOCK_SHIFT_SECONDS"] = repr(SHIFT_SECONDS)
os.environ.pop("GATEWAY_TODAY", None)
clock.configure(shift_seconds=SHIFT_SECONDS)

AGB = "12345678"
GEMEENTE = "0363"

# argon2id with its production parameters costs a quarter to half a second of CPU per hash or
# check, by design; some 200 tests add users or log in, which made that a quarter of the suite's
# time. In-process tests use argon2id's cheapest parameters instead (the same code paths: hash
# strings, rehash and the dummy hash for unknown names); tests where the cost is the point
# (the answer time of an unknown name) say `@pytest.mark.real_argon2`. Subprocesses (`gateway
# serve`, the CLI as a command) always hash as in production.
_CHEAP_HASHER = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)
_CHEAP_DUMMY_HASH = _CHEAP_HASHER.hash("geen-gebruiker-met-deze-naam")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch):
    if request.node.get_closest_marker("real_argon2") is None:
        monkeypatch.setattr(gebruikers, "_hasher", _CHEAP_HASHER)
        monkeypatch.setattr(gebruikers, "_DUMMY_HASH", _CHEAP_DUMMY_HASH)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("GATEWAY_TEST_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as connection:  # start from nothing: the migrations must build it all
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
    upgrade(url)
    return url


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    with engine.begin() as connection, append_only.without_guard(connection):
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def published() -> list[int]:
    """Outbox ids the app published after commit (no broker in API tests)."""
    return []


@pytest.fixture
def app(database_url, engine, published):
    return create_app(Settings(database_url=database_url), publish=published.extend)


@pytest.fixture
def move_clock():
    """Moves the application's clock to noon of another day (None: the machine's clock) for one
    test; the run's own clock after it."""
    def move(day: date | None) -> None:
        clock.install(clock.Clock.starting_at(clock.noon(day)) if day else clock.Clock())

    yield move
    clock.configure(shift_seconds=SHIFT_SECONDS)


class _ReadClock(clock.Clock):
    """The application's clock reading a test's own function."""

    def __init__(self, read):
        super().__init__()
        self.read = read

    def now(self):
        return self.read()


@pytest.fixture
def read_clock():
    """Runs the application's clock on `read` (a function giving an aware UTC moment) for one
    test, for tests that compare stored times exactly: every reading (a request's, a task's, a
    column default's) is `read()`. The clock the run had before, after it."""
    previous = []

    def install(read) -> None:
        previous.append(clock.install(_ReadClock(read)))

    yield install
    if previous:
        clock.install(previous[0])


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def parties(sessions) -> dict[str, str]:
    """Tokens for the example provider and municipality, and a second provider."""
    with unit_of_work(sessions) as session:
        _, provider = add_party(session, soort="aanbieder", code=AGB, naam="Zorg BV")
        _, other = add_party(session, soort="aanbieder", code="87654321", naam="Ander BV")
        _, gemeente = add_party(session, soort="gemeente", code=GEMEENTE, naam="Amsterdam")
    return {"provider": provider, "other": other, "gemeente": gemeente}


@pytest.fixture
def toewijzing_100001(sessions, parties):
    """The toewijzing the JW305/JW307 examples name: 45A01 for Bsn 999994323 at provider
    12345678 from gemeente 0363, from 2026-09-15."""
    with unit_of_work(sessions) as session:
        session.add(Toewijzing(gemeente=GEMEENTE, nummer=100001, aanbieder=AGB, bsn="999994323",
                               categorie="45", code="45A01", ingangsdatum=date(2026, 9, 15),
                               einddatum=date(2027, 3, 14), volume=4, eenheid="04", frequentie="2",
                               toewijzingsdatum=date(2026, 9, 8), toewijzingstijd="10:15:00", gewijzigd=False,
                               aangemaakt_op=datetime(2026, 9, 8, 8, 15, tzinfo=UTC)))
    return 100001


@pytest.fixture
def cli_env(database_url, engine, monkeypatch):
    """A CLI runner whose `gateway` commands use the test database."""
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}


@pytest.fixture
def users(sessions) -> dict[str, str]:
    """Back-office users, one per role (password tests.backoffice.PASSWORD)."""
    from tests.backoffice import add_users

    return add_users(sessions)


@pytest.fixture
def keten(database_url, engine, published):
    """A gateway on the GGk route: GATEWAY_GGK_URL at a ChainStub, the adapter's TestClient from
    a loopback address and a zeep client on the served WSDL (tests.ggk_route.Keten)."""
    from gateway.ggk.stub import ChainStub
    from tests.ggk_route import ADAPTER, Keten, soap_client

    with ChainStub() as stub:
        app = create_app(Settings(database_url=database_url, ggk_url=stub.url), publish=published.extend)
        with TestClient(app, client=ADAPTER) as http:
            yield Keten(app, http, soap_client(http), stub, published)
