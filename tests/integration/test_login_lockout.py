"""Failed log-ins: the same answer and lock-out for unknown and known names, a lock-out per name
and source address that cannot keep an administrator out, the throttle of an address, lifting
a lock-out on the back office, and no database connection held during a password check."""
from __future__ import annotations

import re
import statistics
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway import clock
from gateway.db.models import AuditRegel, InlogTeller
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit, gebruikers, inlogtellers
from gateway.main import create_app
from gateway.settings import Settings
from tests.backoffice import PASSWORD, csrf_of, login

ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"
PER_ADRES = 8
WRONG = "fout-fout-fout-fout"


@pytest.fixture
def throttled_app(database_url, engine, published):
    return create_app(Settings(database_url=database_url, login_failures_per_address=PER_ADRES),
                      publish=published.extend)


@pytest.fixture
def from_address(throttled_app):
    """A TestClient whose requests come from the given source address."""
    clients = []

    def make(adres: str) -> TestClient:
        client = TestClient(throttled_app, client=(adres, 40000))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _normalised(response, typed_name: str) -> str:
    """The page without what differs by design: the fresh CSRF token and the echoed name."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', response.text)
    return text.replace(f'value="{typed_name}"', 'value=""')


@pytest.mark.real_argon2  # the time of the check is what is compared
def test_an_unknown_name_gets_the_same_answers_lock_out_and_time_as_a_known_one(users, from_address):
    seen, times = {}, {}
    for naam, adres in (("marieke", "192.0.2.1"), ("niemand", "192.0.2.2")):
        client = from_address(adres)
        answers, took = [], []
        for _ in range(inlogtellers.PER_NAAM):
            start = time.perf_counter()
            answers.append(login(client, naam, WRONG))
            took.append(time.perf_counter() - start)
        answers.append(login(client, naam, PASSWORD))  # locked: even the right password is refused
        seen[naam] = [(r.status_code, r.headers.get("retry-after"), _normalised(r, naam)) for r in answers]
        times[naam] = statistics.median(took[:-1])
    assert [status for status, _, _ in seen["marieke"]] == [401, 401, 401, 401, 429, 429]
    assert seen["niemand"] == seen["marieke"]
    # An unknown name costs a password check too (against a dummy hash of the same parameters).
    assert times["niemand"] > 0.5 * times["marieke"] and times["marieke"] > 0.5 * times["niemand"], times


def test_a_name_locked_from_one_address_still_logs_in_from_another(users, from_address):
    attacker = from_address(ATTACKER)
    for _ in range(inlogtellers.PER_NAAM):
        login(attacker, "beheer", WRONG)
    assert login(attacker, "beheer").status_code == 429
    assert login(from_address(OFFICE), "beheer").status_code == 303
    assert login(attacker, "beheer").status_code == 429  # the administrator's log-in lifts nothing there


def test_an_address_is_throttled_whatever_the_names_and_refusals_write_nothing(users, from_address, sessions):
    attacker = from_address(ATTACKER)
    names = [f"gok{n}" for n in range(PER_ADRES)]  # never the same name twice: no name lock-out
    answers = [login(attacker, naam, WRONG).status_code for naam in names]
    assert answers == [401] * (PER_ADRES - 1) + [429]
    with sessions() as session:
        logged = session.scalar(select(func.count()).select_from(AuditRegel))
    for _ in range(20):  # a flood while throttled: cheap refusals that do not grow the access log
        assert login(attacker, "marieke").status_code == 429
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditRegel)) == logged
        stored = " ".join(f"{row.naam_sleutel} {row.adres}" for row in session.scalars(select(InlogTeller)))
        gebruikers_in_log = set(session.scalars(select(AuditRegel.gebruiker)))
    assert gebruikers_in_log == {"(onbekend)"}  # typed names are kept nowhere as typed
    assert not any(naam in stored for naam in names)
    assert login(from_address(OFFICE), "marieke").status_code == 303


def test_a_success_gives_its_attempt_back_to_the_address(users, from_address):
    office = from_address(OFFICE)  # a shared address where colleagues log in all day
    for _ in range(PER_ADRES + 1):
        assert login(office, "marieke").status_code == 303
    assert login(office, "gok", WRONG).status_code == 401


def test_parallel_guesses_get_at_most_five_password_checks(users, sessions):
    """Attempts are counted before their check: however many arrive at once, a name gets five
    checks per window from one address (here ten threads, each its own transaction)."""
    admitted, barrier = [], threading.Barrier(10)

    def attempt() -> None:
        barrier.wait()
        with unit_of_work(sessions) as session:
            admitted.append(inlogtellers.admit(session, "beheer", ATTACKER, clock.now(), per_adres=100))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(admitted) == [False] * 5 + [True] * 5


def test_the_admin_lifts_a_lock_out_on_the_blokkades_page(users, from_address, sessions):
    attacker, other = from_address(ATTACKER), from_address("203.0.113.10")
    for _ in range(inlogtellers.PER_NAAM):
        login(attacker, "marieke", WRONG)
        login(other, "iemand-anders", WRONG)
    assert login(attacker, "marieke").status_code == 429
    cjg = from_address("192.0.2.50")
    login(cjg, "marieke")
    assert cjg.get("/blokkades").status_code == 403
    admin = from_address(OFFICE)
    login(admin, "beheer")
    page = admin.get("/blokkades")
    assert page.status_code == 200
    assert "gebruiker marieke" in page.text and "onbekende naam" in page.text and "iemand-anders" not in page.text
    with sessions() as session:
        marieke = session.scalar(select(InlogTeller.id).where(
            InlogTeller.naam_sleutel == inlogtellers.naam_sleutel("marieke"), InlogTeller.adres == ATTACKER))
    assert admin.post(f"/blokkades/{marieke}/opheffen", data={}).status_code == 403  # no CSRF token
    lifted = admin.post(f"/blokkades/{marieke}/opheffen", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert lifted.status_code == 303 and lifted.headers["location"] == "/blokkades?opgeheven=1"
    assert "gebruiker marieke" not in admin.get("/blokkades").text
    assert login(attacker, "marieke").status_code == 303
    with sessions() as session:
        assert session.scalar(select(AuditRegel.gebruiker).where(
            AuditRegel.actie == audit.BLOKKADE_OPGEHEVEN)) == "beheer"


def test_no_connection_is_held_while_a_password_is_checked(users, throttled_app, monkeypatch):
    """A log-in waiting for (or doing) its argon2 check holds no transaction, so on SQLite no
    lock and on PostgreSQL no pooled connection that a flood could exhaust."""
    held = []
    check = gebruikers.password_matches

    def watched(kandidaat, wachtwoord):
        held.append(throttled_app.state.engine.pool.checkedout())
        return check(kandidaat, wachtwoord)

    monkeypatch.setattr(gebruikers, "password_matches", watched)
    with TestClient(throttled_app) as client:
        assert login(client, "marieke", WRONG).status_code == 401
        assert login(client, "marieke").status_code == 303
    assert held == [0, 0]
