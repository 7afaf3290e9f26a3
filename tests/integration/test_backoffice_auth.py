"""Back-office accounts: log-in, sessions, roles, CSRF, lock-out, the append-only audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from gateway import clock
from gateway.clock import as_utc
from gateway.db.models import AuditRegel, Sessie
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit, inlogtellers
from tests.backoffice import PASSWORD, csrf_of, login


def test_pages_need_a_session_and_redirect_303_to_login(client, users):
    for path in ("/", "/berichten", "/aanvragen", "/audit", "/berichten/1", "/clienten/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
    assert client.get("/berichten?q=1", follow_redirects=False).headers["location"] == \
        "/login?volgende=%2Fberichten%3Fq%3D1"


def test_login_sets_a_safe_session_cookie_and_goes_to_the_role_start(client, users):
    response = login(client, "marieke")
    assert response.status_code == 303
    assert response.headers["location"] == "/aanvragen"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("gateway_sessie="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http here
    assert client.get("/", follow_redirects=False).headers["location"] == "/aanvragen"


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, users):
    assert login(client, "beheer", volgende="/audit").headers["location"] == "/audit"
    assert login(client, "beheer", volgende="//evil.example/x").headers["location"] == "/berichten"
    assert login(client, "beheer", volgende="https://evil.example").headers["location"] == "/berichten"


def test_wrong_password_shows_the_form_again_and_is_logged(client, users, sessions):
    response = login(client, "marieke", "verkeerd-wachtwoord")
    assert response.status_code == 401
    assert "Gebruikersnaam of wachtwoord klopt niet" in response.text
    assert 'value="marieke"' in response.text
    unknown = login(client, "niemand", "verkeerd-wachtwoord")
    assert unknown.status_code == 401 and "klopt niet" in unknown.text  # no hint which was wrong
    with sessions() as session:
        acties = session.execute(select(AuditRegel.gebruiker, AuditRegel.actie)).all()
    # An unknown name is not kept as typed: it may be a password typed in the wrong field.
    assert sorted(acties) == [("(onbekend)", "inloggen_mislukt"), ("marieke", "inloggen_mislukt")]


def test_login_form_without_its_csrf_cookie_is_refused(client, users):
    page = client.get("/login")
    client.cookies.clear()
    response = client.post("/login", data={"username": "marieke", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 400
    assert "gateway_sessie" not in client.cookies


def test_five_failures_lock_the_account_even_for_the_right_password(client, users, move_clock):
    for _ in range(inlogtellers.PER_NAAM - 1):
        assert login(client, "marieke", "fout-fout-fout-fout").status_code == 401
    locked = login(client, "marieke", "fout-fout-fout-fout")
    assert locked.status_code == 429 and "geblokkeerd" in locked.text
    assert locked.headers["retry-after"] == "900"
    assert login(client, "marieke").status_code == 429  # the right password does not help now
    move_clock(clock.today() + timedelta(days=1))  # the lock-out ends after its time
    assert login(client, "marieke").status_code == 303


def test_roles_cjg_finance_admin(client, users):
    login(client, "marieke")
    assert client.get("/audit").status_code == 403
    assert "Geen toegang" in client.get("/audit").text
    assert client.get("/partijen").status_code == 403
    assert client.get("/financien").status_code == 403
    assert client.get("/berichten").status_code == 200
    login(client, "fenna")
    assert client.get("/financien").status_code == 200
    assert client.get("/berichten").status_code == 403
    assert client.get("/audit").status_code == 403
    login(client, "beheer")
    for path in ("/audit", "/partijen", "/financien", "/berichten", "/aanvragen", "/termijnen"):
        assert client.get(path).status_code == 200, path


def test_logout_needs_the_csrf_token_and_ends_the_session(client, users, sessions):
    login(client, "marieke")
    page = client.get("/berichten")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with sessions() as session:
        assert session.scalar(select(Sessie)) is None
    assert client.get("/berichten", follow_redirects=False).status_code == 303


def test_a_stolen_cookie_after_logout_or_expiry_opens_nothing(client, users, sessions):
    login(client, "marieke")
    key = client.cookies.get("gateway_sessie")
    with unit_of_work(sessions) as session:  # idle for longer than allowed
        session.execute(update(Sessie).values(laatst_gebruikt=clock.now() - timedelta(hours=1)))
    client.cookies.clear()
    client.cookies.set("gateway_sessie", key)
    assert client.get("/berichten", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalar(select(Sessie)) is None  # removed, not just ignored


def test_unknown_page_is_a_readable_404_and_the_api_keeps_problem_json(client, users):
    login(client, "marieke")
    page = client.get("/bestaat-niet")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Niet gevonden" in page.text
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/validatie").status_code == 405  # wrong method on an API path


def test_pages_carry_security_headers_and_server_timing(client, users):
    login(client, "marieke")
    response = client.get("/berichten")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["server-timing"].startswith("app;dur=")


def test_audit_log_refuses_update_and_delete(sessions, users, client):
    login(client, "marieke")
    with sessions() as session:
        assert session.scalar(select(AuditRegel.id)) is not None
        for statement in (update(AuditRegel).values(gebruiker="iemand"), AuditRegel.__table__.delete()):
            with pytest.raises(DBAPIError):
                session.execute(statement)
            session.rollback()
        if session.get_bind().dialect.name == "postgresql":
            with pytest.raises(DBAPIError):
                session.execute(text("TRUNCATE audit_regel"))
            session.rollback()


def test_every_page_keeps_the_session_alive_even_one_that_writes_nothing(client, users, sessions):
    login(client, "fenna")
    with unit_of_work(sessions) as session:
        session.execute(update(Sessie).values(laatst_gebruikt=clock.now() - timedelta(minutes=20)))
    assert client.get("/financien").status_code == 200
    with sessions() as session:
        assert clock.now() - as_utc(session.scalar(select(Sessie.laatst_gebruikt))) < timedelta(minutes=1)


def test_a_form_posted_after_the_session_expired_goes_to_login_without_coming_back_to_the_post(client, users):
    response = client.post("/aanvragen/1/besluit", data={"besluit": "toekennen"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_the_audit_csv_defuses_spreadsheet_formulas():
    row = AuditRegel(id=1, tijdstip=clock.now(), gebruiker="=HYPERLINK(\"x\")", actie="inloggen_mislukt",
                     object_type=None, object_id="+1", client_id=None, adres="@a")
    line = audit.as_csv([row]).splitlines()[1]
    assert "'=HYPERLINK" in line and ",'+1," in line and line.endswith(",'@a")
