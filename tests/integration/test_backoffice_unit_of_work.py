"""The back office's unit of work: what a page writes (its access-log line) is committed with
its answer and rolled back with a page that fails; the session's own bookkeeping ("last used",
an expired session removed) is kept whatever the page answers; a refused decision keeps
nothing of itself, while the page shown again is a logged view."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gateway import clock
from gateway.clock import as_utc
from gateway.db.models import AuditRegel, Sessie
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.web.views import berichten as berichten_view
from tests.backoffice import login
from tests.integration.test_backoffice_aanvragen import _agj, _audit, _decide, _state


def _idle_for(sessions, minutes: int) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(Sessie).values(laatst_gebruikt=clock.now() - timedelta(minutes=minutes)))


def _recently_used(sessions) -> bool:
    with sessions() as session:
        return clock.now() - as_utc(session.scalar(select(Sessie.laatst_gebruikt))) < timedelta(minutes=1)


def _count(sessions, actie: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditRegel).where(AuditRegel.actie == actie))


def test_a_page_that_fails_keeps_no_access_log_line_and_still_counts_as_use(app, users, sessions, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the page breaks after its search was logged")

    monkeypatch.setattr(berichten_view, "paging_links", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "marieke")
        _idle_for(sessions, 20)
        response = client.get("/berichten?q=999994323")
        assert response.status_code == 500 and "Er ging iets mis" in response.text
    assert _count(sessions, audit.ZOEKEN) == 0  # rolled back with the page
    assert _recently_used(sessions)  # the session's own unit of work


def test_a_refused_page_counts_as_use_of_the_session(client, users, sessions):
    login(client, "marieke")
    _idle_for(sessions, 20)
    assert client.get("/audit").status_code == 403
    assert _recently_used(sessions)


def test_an_expired_session_is_removed_by_the_page_that_sends_to_login(client, users, sessions):
    login(client, "marieke")
    _idle_for(sessions, 45)
    response = client.get("/aanvragen/1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?volgende=%2Faanvragen%2F1"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sessie)) == 0


def test_a_refused_decision_is_discarded_and_the_page_shown_again_is_a_logged_view(
        client, parties, users, published, app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    before = _state(sessions, aanvraag_id)
    login(client, "marieke")
    # The service claims the aanvraag, then refuses the unit: the claim is undone too.
    refused = _decide(client, aanvraag_id, {"besluit": "wijzigen", "p1_volume": "6", "p1_eenheid": "01",
                                            "p1_frequentie": "2", "p1_ingangsdatum": "2026-09-15",
                                            "p1_einddatum": "2027-03-14"})
    assert refused.status_code == 422
    assert _state(sessions, aanvraag_id) == before
    assert _count(sessions, audit.BESLUITEN) == 0
    views = [row for row in _audit(sessions, audit.BEKIJKEN) if row[1] == "aanvraag"]
    assert len(views) == 2  # the form page, and the same page shown again with the refusal
