"""Users and municipalities on the case-work pages (design.md §9): on a regional gateway a
back-office user of 0363 sees and decides only Amsterdam's aanvragen, clients, beschikkingen
and terms, a user of 0599 only Rotterdam's, and an admin both. Another municipality's object is
the same 404 page as an unknown id, and a POST to it records nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from gateway.db.models import Aanvraag, AuditRegel, Bericht, Beschikking, Bezwaar, Client, Voorstel
from gateway.db.session import unit_of_work
from gateway.domain.beheer import gebruikers
from gateway.intake.parties import add_party
from tests.backoffice import PASSWORD, csrf_of, login
from tests.integration.test_backoffice_formulier import geldig
from tests.route import post, request, run_work
from tests.support import TODAY

BSN_AGJ = "999980919"  # the client of the AGJ without agreement: known in both municipalities
BSN_ZIN = "999994323"  # the client of the AGJ granted automatically
GEMEENTEN = ("0363", "0599")
UNKNOWN = 999999


@pytest.fixture
def regio(client, app, sessions, parties, users, published):
    """Amsterdam (0363) and Rotterdam (0599) on one gateway, a CJG user of each ("ams", "rot")
    and the admin ("beheer"); per municipality an aanvraag waiting for the CJG and one granted
    automatically (so a beschikking and a JW301 in the postbus)."""
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0599", naam="Rotterdam")
        for naam, code in (("ams", "0363"), ("rot", "0599")):
            gebruikers.add(session, gebruikersnaam=naam, rol=gebruikers.CJG, wachtwoord=PASSWORD,
                           gemeenten=gebruikers.Gemeenten([code], app.state.reference, TODAY))
    for n, gemeente in enumerate(GEMEENTEN):
        naar = [("<agj:Ontvanger>0363<", f"<agj:Ontvanger>{gemeente}<")]
        for name, prefix in (("AGJ-GEEN-OVEREENSTEMMING", "OPEN"), ("AGJ", "ZIN")):
            answer = post(client, parties["provider"], request(name, f"R-{prefix}{n}", f"VB-{prefix}-{gemeente}",
                                                               edits=naar))
            assert answer.status_code == 202, answer.text
            run_work(app, published)
    with sessions() as session:
        open_ = dict(session.execute(select(Aanvraag.gemeente, Aanvraag.id)
                                     .where(Aanvraag.status == "te_beoordelen")).all())
        beschikkingen = dict(session.execute(select(Beschikking.gemeente, Beschikking.id)).all())
        clienten = dict(session.execute(select(Client.gemeente, Client.id).where(Client.bsn == BSN_AGJ)).all())
        jw301 = dict(session.execute(select(Bericht.afzender, Bericht.id).where(Bericht.berichttype == "JW301")).all())
    assert set(open_) == set(beschikkingen) == set(clienten) == set(jw301) == set(GEMEENTEN)
    return {"open": open_, "beschikking": beschikkingen, "client": clienten, "jw301": jw301}


def _not_found_as_unknown(client, path: str, other: int) -> None:
    """The page for another municipality's `other` is the page for an id that does not exist."""
    answer = client.get(path.format(other))
    assert answer.status_code == 404, path
    unknown = client.get(path.format(UNKNOWN))
    assert unknown.status_code == 404
    # The only difference is the number in "Er is geen … met nummer N." (not in, say, a token).
    assert f"nummer {other}." in answer.text
    assert answer.text.replace(f"nummer {other}.", "nummer N.") == unknown.text.replace(f"nummer {UNKNOWN}.",
                                                                                      "nummer N.")


def _audit_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditRegel).where(AuditRegel.actie != "bekijken"))


@pytest.mark.parametrize(("naam", "eigen", "ander"), [("ams", "0363", "0599"), ("rot", "0599", "0363")])
def test_the_queue_and_an_aanvraag_are_only_the_users_municipalitys(client, sessions, regio, naam, eigen, ander):
    login(client, naam)
    queue = client.get("/aanvragen")
    assert queue.status_code == 200
    assert f'href="/aanvragen/{regio["open"][eigen]}"' in queue.text
    assert f'href="/aanvragen/{regio["open"][ander]}"' not in queue.text
    decided = client.get("/aanvragen?status=toegekend").text
    with sessions() as session:
        granted = dict(session.execute(select(Aanvraag.gemeente, Aanvraag.id)
                                       .where(Aanvraag.status == "toegekend")).all())
    assert f'href="/aanvragen/{granted[eigen]}"' in decided and f'href="/aanvragen/{granted[ander]}"' not in decided

    assert client.get(f"/aanvragen/{regio['open'][eigen]}").status_code == 200
    _not_found_as_unknown(client, "/aanvragen/{}", regio["open"][ander])


@pytest.mark.parametrize("stap", ["besluit", "client-overnemen"])
def test_a_post_on_another_municipalitys_aanvraag_is_a_404_and_records_nothing(client, sessions, regio, stap):
    login(client, "ams")
    other = regio["open"]["0599"]
    csrf = csrf_of(client.get(f"/aanvragen/{regio['open']['0363']}").text)
    before = _audit_count(sessions)
    answer = client.post(f"/aanvragen/{other}/{stap}", data={"csrf_token": csrf, "besluit": "toekennen"},
                         follow_redirects=False)
    assert answer.status_code == 404
    with sessions() as session:
        aanvraag = session.get(Aanvraag, other)
        assert (aanvraag.status, aanvraag.besluit, aanvraag.besloten_door) == ("te_beoordelen", None, None)
    assert _audit_count(sessions) == before


def test_the_same_decision_on_the_users_own_aanvraag_is_taken(client, sessions, regio):
    """The other side of the test above: the POST that was refused works on 0599's own user."""
    login(client, "rot")
    own = regio["open"]["0599"]
    csrf = csrf_of(client.get(f"/aanvragen/{own}").text)
    answer = client.post(f"/aanvragen/{own}/besluit", data={"csrf_token": csrf, "besluit": "toekennen"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with sessions() as session:
        assert session.get(Aanvraag, own).status == "toegekend"


@pytest.mark.parametrize(("naam", "eigen", "ander"), [("ams", "0363", "0599"), ("rot", "0599", "0363")])
def test_client_search_and_pages_are_only_the_users_municipalitys(client, sessions, regio, naam, eigen, ander):
    login(client, naam)
    for q in (BSN_AGJ, "VB-OPEN-0363", "VB-OPEN-0599"):
        found = client.get("/clienten", params={"q": q})
        assert found.status_code == 200
        assert f'href="/clienten/{regio["client"][ander]}"' not in found.text, q
    assert f'href="/clienten/{regio["client"][eigen]}"' in client.get("/clienten", params={"q": BSN_AGJ}).text
    assert client.get(f"/clienten/{regio['client'][eigen]}").status_code == 200
    _not_found_as_unknown(client, "/clienten/{}", regio["client"][ander])


@pytest.mark.parametrize(("naam", "eigen", "ander"), [("ams", "0363", "0599"), ("rot", "0599", "0363")])
def test_a_beschikking_its_pdf_and_its_bezwaar_are_only_the_users_municipalitys(client, sessions, regio, naam,
                                                                                eigen, ander):
    login(client, naam)
    own, other = regio["beschikking"][eigen], regio["beschikking"][ander]
    page = client.get(f"/beschikkingen/{own}")
    assert page.status_code == 200
    assert client.get(f"/beschikkingen/{own}/document.pdf").status_code == 200
    _not_found_as_unknown(client, "/beschikkingen/{}", other)
    assert client.get(f"/beschikkingen/{other}/document.pdf").status_code == 404
    before = _audit_count(sessions)
    csrf = csrf_of(page.text)
    bezwaar = client.post(f"/beschikkingen/{other}/bezwaren", follow_redirects=False,
                          data={"csrf_token": csrf, "ontvangen_op": TODAY.isoformat(), "indiener": "moeder",
                                "toelichting": ""})
    assert bezwaar.status_code == 404
    assert client.post(f"/beschikkingen/{other}/bezwaren/1/afhandeling", follow_redirects=False,
                       data={"csrf_token": csrf, "uitkomst": "gegrond"}).status_code == 404
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Bezwaar)) == 0
    assert _audit_count(sessions) == before


@pytest.mark.parametrize(("naam", "eigen", "ander"), [("ams", "0363", "0599"), ("rot", "0599", "0363")])
def test_termijnen_are_only_the_users_municipalitys(client, regio, naam, eigen, ander):
    login(client, naam)
    page = client.get("/termijnen")
    assert page.status_code == 200
    assert f'href="/aanvragen/{regio["open"][eigen]}"' in page.text
    assert f'href="/aanvragen/{regio["open"][ander]}"' not in page.text
    assert f'href="/berichten/{regio["jw301"][eigen]}"' in page.text  # its retour is due
    assert f'href="/berichten/{regio["jw301"][ander]}"' not in page.text


def test_the_admin_sees_both_municipalities(client, regio):
    login(client, "beheer")
    queue = client.get("/aanvragen").text
    termijnen = client.get("/termijnen").text
    found = client.get("/clienten", params={"q": BSN_AGJ}).text
    for gemeente in GEMEENTEN:
        assert f'href="/aanvragen/{regio["open"][gemeente]}"' in queue
        assert f'href="/aanvragen/{regio["open"][gemeente]}"' in termijnen
        assert f'href="/clienten/{regio["client"][gemeente]}"' in found
        assert client.get(f"/aanvragen/{regio['open'][gemeente]}").status_code == 200
        assert client.get(f"/clienten/{regio['client'][gemeente]}").status_code == 200
        assert client.get(f"/beschikkingen/{regio['beschikking'][gemeente]}").status_code == 200


def test_a_user_of_all_municipalities_sees_both_as_before(client, regio):
    """A user without a choice of municipalities (the single-municipality default) is unchanged."""
    login(client, "marieke")
    queue = client.get("/aanvragen").text
    assert all(f'href="/aanvragen/{regio["open"][g]}"' in queue for g in GEMEENTEN)
    form = client.get("/aanvraagformulier").text
    assert '<option value="0363"' in form and '<option value="0599"' in form


def test_the_intake_form_offers_and_accepts_only_the_users_municipalities(client, sessions, regio):
    login(client, "ams")
    form = client.get("/aanvraagformulier")
    assert '<option value="0363" selected>Amsterdam</option>' in form.text  # the only one left
    assert '<option value="0599"' not in form.text
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Bericht))
    answer = client.post("/aanvraagformulier", follow_redirects=False,
                         data={**geldig(gemeente="0599"), "csrf_token": csrf_of(form.text), "actie": "indienen"})
    assert answer.status_code == 400
    assert re.search(r'id="gemeente-fout">Kies een waarde uit de lijst\.<', answer.text)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Bericht)) == before


@pytest.mark.parametrize("stap", ["akkoord", "intrekken"])
def test_another_municipalitys_proposal_can_be_neither_approved_nor_withdrawn(client, sessions, regio, stap):
    """A real proposal (four eyes) on Rotterdam's aanvraag: Amsterdam's user gets the 404."""
    own = regio["open"]["0599"]
    login(client, "rot")
    page = client.get(f"/aanvragen/{own}").text
    velden = dict(re.findall(r'name="(p1_[a-z]+)"[^>]*value="([^"]*)"', page))
    answer = client.post(f"/aanvragen/{own}/besluit", follow_redirects=False,
                         data={**velden, "besluit": "wijzigen", "p1_volume": "12", "csrf_token": csrf_of(page),
                               "motivering": "Het gezin heeft de komende maanden meer begeleiding nodig."})
    assert answer.status_code == 303 and "voorgesteld=1" in answer.headers["location"], answer.text
    with sessions() as session:
        [voorstel_id] = session.scalars(select(Voorstel.id).where(Voorstel.aanvraag_id == own)).all()
    login(client, "ams")
    csrf = csrf_of(client.get(f"/aanvragen/{regio['open']['0363']}").text)
    before = _audit_count(sessions)
    answer = client.post(f"/aanvragen/{own}/voorstel/{voorstel_id}/{stap}", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.status_code == 404
    with sessions() as session:
        voorstel = session.get(Voorstel, voorstel_id)
        assert voorstel.status == "wacht" and session.get(Aanvraag, own).status == "te_beoordelen"
    assert _audit_count(sessions) == before
