"""Each edge answers every GatewayError with its one handler: the API with problem+json, the
back office with a Dutch page (or, for LoginNodig, the way to the log-in)."""
from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from gateway.domain.aanvraag.besluiten import BesluitFout
from gateway.domain.berichten.uitgaand import UitgaandOngeldig
from gateway.errors import GatewayError
from gateway.intake.parties import OnbekendToken
from gateway.problems import PROBLEM_JSON, Problem
from gateway.web.app import BackOfficeMount
from gateway.web.deps import LoginNodig, Verboden

ERRORS = {
    "token": lambda: OnbekendToken(7),
    "besloten": lambda: BesluitFout(409, "al-besloten", "over aanvraag 5 is al besloten (toegekend)"),
    "probleem": lambda: Problem(401, "unauthorized", "Niet geauthenticeerd", "geef een geldig token mee",
                                headers={"WWW-Authenticate": "Bearer"}),
    "eigen-controle": lambda: UitgaandOngeldig("JW301", ["TR342 /Bericht/Client"]),
    "verboden": lambda: Verboden("Deze pagina is voor beheerder. Je bent ingelogd als financiën."),
    "login": lambda: LoginNodig("/aanvragen?status=open"),
}


def _raise(soort: str):
    raise ERRORS[soort]()


@pytest.fixture
def routed(app):
    """The app with a route on each edge that raises the error its path names."""
    app.add_api_route("/api/v1/proef/{soort}", _raise)
    backoffice = next(route.app for route in app.router.routes if isinstance(route, BackOfficeMount))
    backoffice.add_api_route("/proef/{soort}", _raise)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _problem(answer, status: int, slug: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    problem = answer.json()
    assert problem["type"] == f"urn:jeugdhulp-gateway:problem:{slug}" and problem["status"] == status
    return problem


def test_the_api_answers_an_error_of_the_family_as_problem_json(routed):
    problem = _problem(routed.get("/api/v1/proef/token"), 404, "not-found")
    assert (problem["title"], problem["detail"]) == ("Niet gevonden", "geen token 7")
    problem = _problem(routed.get("/api/v1/proef/besloten"), 409, "al-besloten")
    assert (problem["title"], problem["detail"]) == ("Conflict", "over aanvraag 5 is al besloten (toegekend)")
    answer = routed.get("/api/v1/proef/probleem")
    assert _problem(answer, 401, "unauthorized")["title"] == "Niet geauthenticeerd"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_the_api_logs_its_own_fault_and_names_it(routed, caplog):
    with caplog.at_level(logging.ERROR, logger="gateway.api"):
        problem = _problem(routed.get("/api/v1/proef/eigen-controle"), 500, "eigen-controle")
    assert problem["detail"] == "JW301 afgekeurd door de eigen controle: TR342 /Bericht/Client"
    assert any("eigen-controle on GET" in r.getMessage() for r in caplog.records)


def test_the_back_office_shows_an_error_of_the_family_as_a_dutch_page(routed):
    answer = routed.get("/proef/token")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "<h1>Niet gevonden</h1>" in answer.text and "<p>Geen token 7.</p>" in answer.text
    answer = routed.get("/proef/besloten")
    assert answer.status_code == 409
    assert "<p>Over aanvraag 5 is al besloten (toegekend).</p>" in answer.text
    answer = routed.get("/proef/verboden")
    assert answer.status_code == 403 and "<h1>Geen toegang</h1>" in answer.text
    assert "Deze pagina is voor beheerder." in answer.text


def test_the_back_office_sends_a_visitor_without_session_to_the_log_in(routed):
    answer = routed.get("/proef/login", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?volgende=%2Faanvragen%3Fstatus%3Dopen"


def test_the_back_office_keeps_its_own_fault_to_the_log(routed, caplog):
    with caplog.at_level(logging.ERROR, logger="gateway.web"):
        answer = routed.get("/proef/eigen-controle")
    assert answer.status_code == 500 and "<h1>Er ging iets mis</h1>" in answer.text
    assert "TR342" not in answer.text
    assert any("eigen-controle on GET" in r.getMessage() for r in caplog.records)


def test_every_error_here_is_of_the_family():
    assert all(isinstance(make(), GatewayError) for make in ERRORS.values())
