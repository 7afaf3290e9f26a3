"""Helpers for back-office tests: users, logging in with a TestClient, reading a page's
CSRF token."""
from __future__ import annotations

import re

from gateway.db.session import unit_of_work
from gateway.domain.beheer import gebruikers

PASSWORD = "correct-paard-batterij-niet"
USERS = {"cjg": "marieke", "finance": "fenna", "admin": "beheer"}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_users(sessions) -> dict[str, str]:
    """One user per role, all with PASSWORD; returns role -> username."""
    with unit_of_work(sessions) as session:
        for rol, naam in USERS.items():
            gebruikers.add(session, gebruikersnaam=naam, rol=rol, wachtwoord=PASSWORD)
    return dict(USERS)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no form with a csrf_token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, *, volgende: str = ""):
    """Log `client` in (replacing any earlier session); returns the POST /login response."""
    client.cookies.clear()
    form_page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(form_page.text), "volgende": volgende},
                       follow_redirects=False)


def post_form(client, path: str, data: dict, *, form_page: str | None = None):
    """POST a back-office form with the session's CSRF token (read from `form_page`, or
    from the page at `path`)."""
    page = client.get(form_page or path)
    return client.post(path, data={**data, "csrf_token": csrf_of(page.text)}, follow_redirects=False)
