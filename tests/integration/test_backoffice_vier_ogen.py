"""Four eyes in the back office (design.md §9): a grant outside the norms is recorded as a
proposal and carried out only when another cjg user approves it; either may withdraw it; a
decision taken otherwise makes it lapse. Both steps are in the audit log and on the aanvraag."""
from __future__ import annotations

from sqlalchemy import func, select

from gateway.db.models import Aanvraag, AuditRegel, Outbox, Voorstel
from gateway.db.session import unit_of_work
from gateway.domain.beheer import gebruikers
from tests.backoffice import PASSWORD, csrf_of, login
from tests.route import aanvragen, besluit, fetch, post, postbus, request, run_work, texts

REF = "VB-REF-0301"  # asks 6 uur per week of 45A01, whose norm is at most 8
MOTIVERING = "Het gezin heeft de komende maanden meer begeleiding nodig."
ABOVE = {"besluit": "wijzigen", "p1_volume": "12", "p1_eenheid": "04", "p1_frequentie": "2",
         "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "2027-03-14", "motivering": MOTIVERING}


def _aanvraag(client, parties, published, app) -> int:
    answer = post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "R-VIER1", REF))
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    return aanvraag["id"]


def _second_case_worker(sessions) -> str:
    with unit_of_work(sessions) as session:
        gebruikers.add(session, gebruikersnaam="joost", rol="cjg", wachtwoord=PASSWORD)
    return "joost"


def _post(client, path: str, data: dict, page: str):
    return client.post(path, data={**data, "csrf_token": csrf_of(client.get(page).text)}, follow_redirects=False)


def _propose(client, aanvraag_id: int):
    return _post(client, f"/aanvragen/{aanvraag_id}/besluit", ABOVE, f"/aanvragen/{aanvraag_id}")


def _voorstel(sessions, aanvraag_id: int) -> Voorstel:
    with sessions() as session:
        return session.scalars(select(Voorstel).where(Voorstel.aanvraag_id == aanvraag_id)
                               .order_by(Voorstel.id.desc())).first()


def _work(sessions, aanvraag_id: int) -> list[str]:
    with sessions() as session:
        bericht_id = session.get(Aanvraag, aanvraag_id).bericht_id
        return session.scalars(select(Outbox.taak).where(Outbox.bericht_id == bericht_id).order_by(Outbox.id)).all()


def _audit(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        return session.execute(select(AuditRegel.gebruiker, AuditRegel.actie)
                               .where(AuditRegel.actie.in_(("besluit_voorgesteld", "akkoord_gegeven",
                                                            "voorstel_ingetrokken", "besluiten")))
                               .order_by(AuditRegel.id)).all()


def test_a_grant_outside_the_norms_waits_for_another_case_worker(client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    joost = _second_case_worker(sessions)
    login(client, users["cjg"])
    answer = _propose(client, aanvraag_id)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/aanvragen/{aanvraag_id}?voorgesteld=1"
    with sessions() as session:
        a = session.get(Aanvraag, aanvraag_id)
        assert (a.status, a.besluit) == ("te_beoordelen", None)
    assert _work(sessions, aanvraag_id) == ["verwerk_agj"]  # nothing carried out yet
    voorstel = _voorstel(sessions, aanvraag_id)
    assert (voorstel.status, voorstel.voorgesteld_door) == ("wacht", "marieke (backoffice)")
    assert voorstel.invoer["motivering"] == MOTIVERING

    page = client.get(f"/aanvragen/{aanvraag_id}?voorgesteld=1")
    assert "pas uitgevoerd als een andere cjg-medewerker akkoord geeft" in page.text
    assert "wacht op akkoord" in page.text and "12 uur per week is meer dan de norm van 8" in page.text
    assert "Je hebt dit voorstel zelf gedaan" in page.text
    assert "/akkoord" not in page.text and f'action="/aanvragen/{aanvraag_id}/besluit"' not in page.text
    # The proposer cannot approve by posting directly either.
    own = _post(client, f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/akkoord", {}, f"/aanvragen/{aanvraag_id}")
    assert own.status_code == 403 and "een ander cjg-medewerker" in own.text
    assert _voorstel(sessions, aanvraag_id).status == "wacht"

    login(client, joost)
    page = client.get(f"/aanvragen/{aanvraag_id}")
    assert f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/akkoord" in page.text
    approved = _post(client, f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/akkoord", {},
                     f"/aanvragen/{aanvraag_id}")
    assert approved.status_code == 303, approved.text
    with sessions() as session:
        a = session.get(Aanvraag, aanvraag_id)
        assert (a.status, a.besloten_door, a.buiten_norm) == ("toegekend", "marieke (backoffice)", True)
        assert a.besluit["akkoord_door"] == "joost (backoffice)" and a.besluit["motivering"] == MOTIVERING
    v = _voorstel(sessions, aanvraag_id)
    assert (v.status, v.afgehandeld_door) == ("akkoord", "joost (backoffice)")
    assert _audit(sessions) == [("marieke", "besluit_voorgesteld"), ("joost", "akkoord_gegeven")]
    page = client.get(f"/aanvragen/{aanvraag_id}")
    assert "Akkoord (vier ogen)" in page.text and MOTIVERING in page.text and "akkoord gegeven" in page.text

    # Carried out exactly once, with the proposed volume.
    again = _post(client, f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/akkoord", {}, f"/aanvragen/{aanvraag_id}")
    assert again.status_code == 409
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    assert texts(fetch(client, parties["provider"], item), "//jw301:Omvang/ijw:Volume") == ["12"]
    assert _work(sessions, aanvraag_id) == ["verwerk_agj", "uitvoeren_besluit"]


def test_a_proposal_can_be_withdrawn_and_then_not_approved(client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    joost = _second_case_worker(sessions)
    login(client, users["cjg"])
    assert _propose(client, aanvraag_id).status_code == 303
    voorstel = _voorstel(sessions, aanvraag_id)
    withdrawn = _post(client, f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/intrekken", {},
                      f"/aanvragen/{aanvraag_id}")
    assert withdrawn.status_code == 303
    assert _voorstel(sessions, aanvraag_id).status == "ingetrokken"
    page = client.get(f"/aanvragen/{aanvraag_id}?ingetrokken=1")
    assert "Het voorstel is ingetrokken" in page.text
    assert f'action="/aanvragen/{aanvraag_id}/besluit"' in page.text  # the form is back
    login(client, joost)
    late = _post(client, f"/aanvragen/{aanvraag_id}/voorstel/{voorstel.id}/akkoord", {}, f"/aanvragen/{aanvraag_id}")
    assert late.status_code == 409 and "al afgehandeld" in late.text
    with sessions() as session:
        assert session.get(Aanvraag, aanvraag_id).status == "te_beoordelen"
    assert _audit(sessions) == [("marieke", "besluit_voorgesteld"), ("marieke", "voorstel_ingetrokken")]


def test_a_decision_through_the_api_makes_a_waiting_proposal_lapse(client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    assert _propose(client, aanvraag_id).status_code == 303
    assert besluit(client, parties["gemeente"], aanvraag_id, {"besluit": "afwijzen", "reden_afwijzing": "7"}
                   ).status_code == 202
    v = _voorstel(sessions, aanvraag_id)
    assert (v.status, v.afgehandeld_door) == ("vervallen", "gemeente 0363 (API)")
    assert "vervallen (anders besloten)" in client.get(f"/aanvragen/{aanvraag_id}").text


def test_only_one_proposal_waits_and_a_second_one_is_refused(client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    form_page = client.get(f"/aanvragen/{aanvraag_id}").text  # the form as it was, in a second tab
    assert _propose(client, aanvraag_id).status_code == 303
    second = client.post(f"/aanvragen/{aanvraag_id}/besluit", data={**ABOVE, "csrf_token": csrf_of(form_page)},
                         follow_redirects=False)
    assert second.status_code == 409 and "wacht al een voorstel" in second.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Voorstel)) == 1


def test_without_a_motivering_the_field_says_why_and_nothing_is_proposed(
        client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    answer = _post(client, f"/aanvragen/{aanvraag_id}/besluit", {**ABOVE, "motivering": ""},
                   f"/aanvragen/{aanvraag_id}")
    assert answer.status_code == 422
    assert 'id="motivering-fout"' in answer.text and "12 uur per week is meer dan de norm van 8" in answer.text
    assert _voorstel(sessions, aanvraag_id) is None
    zero = _post(client, f"/aanvragen/{aanvraag_id}/besluit", {**ABOVE, "p1_volume": "0"}, f"/aanvragen/{aanvraag_id}")
    assert zero.status_code == 400 and "Een volume van 0 kan niet worden toegekend" in zero.text
    with sessions() as session:
        assert session.get(Aanvraag, aanvraag_id).status == "te_beoordelen"


def test_within_the_norms_the_back_office_decides_at_once(client, parties, users, published, app, sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    answer = _post(client, f"/aanvragen/{aanvraag_id}/besluit", {**ABOVE, "p1_volume": "8", "motivering": ""},
                   f"/aanvragen/{aanvraag_id}")
    assert answer.status_code == 303 and answer.headers["location"].endswith("?besloten=1")
    assert _voorstel(sessions, aanvraag_id) is None
    assert _audit(sessions) == [("marieke", "besluiten")]


def test_in_onderzoek_through_the_api_makes_a_waiting_proposal_lapse(client, parties, users, published, app,
                                                                     sessions):
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    assert _propose(client, aanvraag_id).status_code == 303
    assert besluit(client, parties["gemeente"], aanvraag_id, {"besluit": "in_onderzoek"}).status_code == 202
    assert _voorstel(sessions, aanvraag_id).status == "vervallen"


def test_two_proposals_at_the_same_moment_give_one_and_a_409(client, parties, users, published, app, sessions,
                                                             monkeypatch):
    from gateway.domain.aanvraag import voorstellen
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    form_page = f"/aanvragen/{aanvraag_id}"
    assert _propose(client, aanvraag_id).status_code == 303
    # The second arrives before the first is visible to it: only the unique index stops it.
    monkeypatch.setattr(voorstellen, "waiting", lambda session, aanvraag_id: None)
    monkeypatch.setattr("gateway.web.views.aanvraag.proposals", lambda found, door: [])  # its form still shown
    second = _post(client, f"/aanvragen/{aanvraag_id}/besluit", ABOVE, form_page)
    assert second.status_code == 409 and "zojuist gedaan door een collega" in second.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Voorstel)) == 1


def test_the_clients_data_cannot_be_taken_over_under_a_waiting_proposal(client, parties, users, published, app,
                                                                         sessions):
    from gateway.domain.aanvraag import aanvragen
    aanvraag_id = _aanvraag(client, parties, published, app)
    login(client, users["cjg"])
    assert _propose(client, aanvraag_id).status_code == 303
    with unit_of_work(sessions) as session:
        try:
            aanvragen.take_over_client(session, app.state.ctx, aanvraag_id=aanvraag_id, gemeente="0363")
        except aanvragen.ClientFout as exc:
            assert (exc.status, exc.slug) == (409, "voorstel-wacht")
        else:
            raise AssertionError("taken over under a waiting proposal")
