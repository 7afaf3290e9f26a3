"""The log-in protection against what a review found: a password changed during a log-in's
check, cleanup that could deadlock with other addresses' attempts, a reverse proxy the gateway
was not told about (/metrics and the shared throttle), and IPv6 clients rotating through
their /64."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from gateway import clock
from gateway.cli import main
from gateway.db.models import AuditRegel, InlogTeller, Sessie
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit, gebruikers, inlogtellers
from gateway.main import create_app
from gateway.settings import Settings
from gateway.web import auth
from tests.backoffice import PASSWORD, login

WRONG = "fout-fout-fout-fout"
NEW_PASSWORD = "een-heel-nieuw-wachtwoord"
PER_ADRES = 8


@pytest.fixture
def throttled_app(database_url, engine, published):
    return create_app(Settings(database_url=database_url, login_failures_per_address=PER_ADRES),
                      publish=published.extend)


def _client(app, adres: str) -> TestClient:
    return TestClient(app, client=(adres, 40000))


# 1. A password changed while a log-in's password was being checked.

def test_a_login_checked_against_the_old_password_opens_no_session(users, throttled_app, sessions, monkeypatch):
    check = gebruikers.password_matches

    def passwd_meanwhile(kandidaat, wachtwoord):
        right = check(kandidaat, wachtwoord)
        with unit_of_work(sessions) as session:  # the admin's `gateway user passwd`, mid-check
            gebruikers.set_password(session, gebruikersnaam="marieke", wachtwoord=NEW_PASSWORD)
        return right

    monkeypatch.setattr(gebruikers, "password_matches", passwd_meanwhile)
    with _client(throttled_app, "203.0.113.9") as client:
        stale = login(client, "marieke", PASSWORD)
        assert stale.status_code == 401 and "klopt niet" in stale.text
        assert "gateway_session" not in stale.cookies
        monkeypatch.setattr(gebruikers, "password_matches", check)
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Sessie)) == 0
            # Recorded as what it is: a failed log-in.
            assert list(session.scalars(select(AuditRegel.actie).where(AuditRegel.gebruiker == "marieke"))) \
                == [audit.INLOGGEN_MISLUKT]
        assert login(client, "marieke", NEW_PASSWORD).status_code == 303


# 2. Expired counters are removed outside the counting of an attempt.

def _expired_counter(sessions, adres: str) -> None:
    """A failure from `adres` an hour ago: its window and any lock-out are over by now."""
    with unit_of_work(sessions) as session:
        inlogtellers.admit(session, "oud", adres, clock.now() - timedelta(hours=1), per_adres=PER_ADRES)


def _counters(sessions, adres: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InlogTeller).where(InlogTeller.adres == adres))


def test_failed_touches_only_its_own_address_and_the_login_cleans_up_after(
        users, throttled_app, sessions):
    _expired_counter(sessions, "198.51.100.1")
    with unit_of_work(sessions) as session:
        inlogtellers.admit(session, "marieke", "203.0.113.9", clock.now(), per_adres=PER_ADRES)
        inlogtellers.failed(session, "marieke", "203.0.113.9", clock.now(), per_adres=PER_ADRES)
        other = session.scalar(select(func.count()).select_from(InlogTeller)
                               .where(InlogTeller.adres == "198.51.100.1"))
        assert other == 2  # in its own transaction: another address's rows are not its business
    with _client(throttled_app, "203.0.113.9") as client:
        assert login(client, "marieke", WRONG).status_code == 401
    assert _counters(sessions, "198.51.100.1") == 0  # gone, in the cleanup's own transaction
    assert _counters(sessions, "203.0.113.9") == 2


def test_on_postgresql_counting_never_waits_for_another_addresses_rows(sessions, engine):
    """The precondition of the deadlock: an attempt's transaction must never wait for a row of
    another address. Here another transaction holds the expired rows of 198.51.100.1 (as a
    concurrent attempt from there does); a failure from 203.0.113.9 must not wait for them,
    and the cleanup skips them rather than waits."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite has one write lock)")
    _expired_counter(sessions, "198.51.100.1")
    holder = sessions()
    try:
        holder.execute(select(InlogTeller).where(InlogTeller.adres == "198.51.100.1").with_for_update()).all()
        with unit_of_work(sessions) as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            inlogtellers.admit(session, "marieke", "203.0.113.9", clock.now(), per_adres=PER_ADRES)
            inlogtellers.failed(session, "marieke", "203.0.113.9", clock.now(), per_adres=PER_ADRES)
        with unit_of_work(sessions) as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert inlogtellers.forget_expired(session, clock.now()) == 0
    finally:
        holder.rollback()
        holder.close()
    with unit_of_work(sessions) as session:
        assert inlogtellers.forget_expired(session, clock.now()) == 2


# 3. A reverse proxy the gateway was not told about.

def test_metrics_refuses_a_request_through_a_proxy_it_does_not_believe(database_url, engine):
    app = create_app(Settings(database_url=database_url), publish=lambda ids: None)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200
        for header in ({"X-Forwarded-For": "192.0.2.7"}, {"Forwarded": "for=192.0.2.7"}):
            refused = local.get("/metrics", headers=header)
            assert refused.status_code == 403, header
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"] == "dit adres mag /metrics niet lezen"
    believing = create_app(Settings(database_url=database_url, proxy_headers=True), publish=lambda ids: None)
    with TestClient(believing, client=("127.0.0.1", 40000)) as proxy:
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_serve_tells_the_app_whether_proxy_headers_are_believed(cli_env, monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr("gateway.db.migrate.upgrade", lambda url: None)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(app=app, options=options))
    monkeypatch.setenv("GATEWAY_BROKER_URL", "redis://127.0.0.1:1/0")  # no embedded worker
    result = cli_env.invoke(main, ["serve", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert seen["options"]["proxy_headers"] is True
    assert seen["app"].state.settings.proxy_headers is True


def test_a_login_through_an_unknown_proxy_warns_the_operator_once(users, throttled_app, caplog, monkeypatch):
    monkeypatch.setattr(auth, "_warned_about_proxy", False)
    caplog.set_level(logging.WARNING, logger="gateway.web")
    with _client(throttled_app, "127.0.0.1") as client:
        assert login(client, "marieke").status_code == 303
        assert not [r for r in caplog.records if "--proxy-headers" in r.getMessage()]
        client.headers["X-Forwarded-For"] = "192.0.2.7"
        for _ in range(3):
            assert login(client, "marieke").status_code == 303  # otherwise as before
    warnings = [r for r in caplog.records if "--proxy-headers --forwarded-allow-ips" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


# 4. IPv6: an address rotating through its /64.

@pytest.mark.parametrize(("adres", "sleutel"), [
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::/64", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("192.0.2.7", "192.0.2.7"),
    ("testclient", "testclient"),
])
def test_counters_key_ipv6_by_its_64(adres, sleutel):
    assert inlogtellers.adres_sleutel(adres) == sleutel


def test_an_ipv6_client_rotating_through_its_64_is_throttled_and_locked_out(users, throttled_app):
    answers = []
    for n in range(inlogtellers.PER_NAAM + 1):
        with _client(throttled_app, f"2001:db8:1:2::{n + 1:x}") as client:
            answers.append(login(client, "marieke", WRONG if n < inlogtellers.PER_NAAM else PASSWORD).status_code)
    assert answers == [401] * (inlogtellers.PER_NAAM - 1) + [429, 429]
    with _client(throttled_app, "2001:db8:1:3::1") as neighbour:  # the next /64 is someone else
        assert login(neighbour, "marieke").status_code == 303
    names = []
    for n in range(PER_ADRES):
        with _client(throttled_app, f"2001:db8:9:9:{n + 1:x}::1") as client:
            names.append(login(client, f"gok{n}", WRONG).status_code)
    assert names == [401] * (PER_ADRES - 1) + [429]


def test_an_ipv4_mapped_address_counts_as_the_ipv4_address(users, throttled_app):
    for n in range(inlogtellers.PER_NAAM):
        adres = "192.0.2.7" if n % 2 else "::ffff:192.0.2.7"
        with _client(throttled_app, adres) as client:
            login(client, "marieke", WRONG)
    with _client(throttled_app, "192.0.2.7") as client:
        assert login(client, "marieke").status_code == 429


def test_user_unlock_lifts_the_64_of_an_ipv6_address(cli_env, users, throttled_app):
    for n in range(inlogtellers.PER_NAAM):
        with _client(throttled_app, f"2001:db8:1:2::{n + 1:x}") as client:
            login(client, "marieke", WRONG)
    with _client(throttled_app, "2001:db8:1:2::99") as client:
        assert login(client, "marieke").status_code == 429
        result = cli_env.invoke(main, ["user", "unlock", "--address", "2001:db8:1:2::abcd"])
        assert result.exit_code == 0, result.output
        assert "2 lock-out(s) lifted" in result.stderr
        assert login(client, "marieke").status_code == 303
