"""Guardrails on a grant (design.md §9) through the API: a volume of 0 is refused, a grant
outside the product's norms or below what was asked needs a motivering, which is stored with
the decision and printed in the beschikking; finance's exceptions page lists grants outside
the norms."""
from __future__ import annotations

from sqlalchemy import select

from gateway.db.models import Aanvraag, AanvraagProduct, Outbox
from tests.backoffice import login
from tests.route import aanvragen, besluit, fetch, json_auth, post, postbus, request, run_work, texts

REF = "VB-REF-0201"  # the AGJ without agreement asks 6 uur per week of 45A01 (norm: at most 8)


def _aanvraag(client, parties, published, app) -> dict:
    answer = post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "R-GUARD1", REF))
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    return aanvraag


def _nothing_recorded(sessions, aanvraag_id: int) -> None:
    with sessions() as session:
        a = session.get(Aanvraag, aanvraag_id)
        assert (a.status, a.besluit, a.buiten_norm) == ("te_beoordelen", None, False)
        assert session.scalars(select(Outbox.taak).where(Outbox.bericht_id == a.bericht_id)).all() == ["verwerk_agj"]


def test_a_volume_of_0_is_refused_and_nothing_is_recorded(client, parties, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {
        "besluit": "toekennen", "motivering": "niets", "producten": [{"referentie_aanbieder": REF, "volume": 0}]})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("volume") and "volume van 0" in answer.json()["detail"]
    _nothing_recorded(sessions, aanvraag["id"])


def test_a_volume_of_0_as_asked_is_refused_too(client, parties, published, app, sessions):
    answer = post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "R-GUARD0", REF,
                                                       edits=[("<ijw:Volume>6<", "<ijw:Volume>0<")]))
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    refused = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen", "motivering": "x"})
    assert refused.status_code == 422 and refused.json()["type"].endswith("volume")
    _nothing_recorded(sessions, aanvraag["id"])


def test_a_grant_outside_the_norms_needs_a_motivering_that_the_beschikking_prints(
        client, parties, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    above = {"besluit": "toekennen", "producten": [{"referentie_aanbieder": REF, "volume": 12}]}
    unexplained = besluit(client, parties["gemeente"], aanvraag["id"], above)
    assert unexplained.status_code == 422, unexplained.text
    problem = unexplained.json()
    assert problem["type"].endswith("motivering")
    assert "12 uur per week is meer dan de norm van 8" in problem["detail"]
    _nothing_recorded(sessions, aanvraag["id"])

    motivering = "Het gezin heeft tijdelijk meer steun nodig; na drie maanden wordt afgeschaald."
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {**above, "motivering": motivering})
    assert answer.status_code == 202, answer.text
    assert answer.json()["besluit"]["motivering"] == motivering
    assert [a["soort"] for a in answer.json()["besluit"]["afwijkingen"]] == ["buiten_norm"]
    with sessions() as session:
        assert session.get(Aanvraag, aanvraag["id"]).buiten_norm is True
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    assert texts(fetch(client, parties["provider"], item), "//jw301:Omvang/ijw:Volume") == ["12"]
    gemeente = json_auth(parties["gemeente"])
    href = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["href"]
    assert client.get(href, headers=gemeente).json()["motivering"] == motivering
    document = client.get(f"{href}/document", headers=gemeente)
    assert motivering in document.text


def test_a_grant_within_the_norms_as_asked_needs_no_motivering(client, parties, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"})
    assert answer.status_code == 202, answer.text
    assert "motivering" not in answer.json()["besluit"] and "afwijkingen" not in answer.json()["besluit"]
    with sessions() as session:
        assert session.get(Aanvraag, aanvraag["id"]).buiten_norm is False


def test_more_within_the_norms_needs_no_motivering_but_a_shorter_period_does(
        client, parties, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    shorter = {"besluit": "toekennen", "producten": [{"referentie_aanbieder": REF, "volume": 8,
                                                       "einddatum": "2026-12-31"}]}
    refused = besluit(client, parties["gemeente"], aanvraag["id"], shorter)
    assert refused.status_code == 422 and "Einddatum 31 december 2026 ligt eerder" in refused.json()["detail"]
    more = {"besluit": "toekennen", "producten": [{"referentie_aanbieder": REF, "volume": 8}]}
    assert besluit(client, parties["gemeente"], aanvraag["id"], more).status_code == 202


def test_a_motivering_is_text_of_1_to_4000_characters(client, parties, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    for motivering in ("", "x" * 4001):
        answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen",
                                                                       "motivering": motivering})
        assert answer.status_code == 422, motivering[:5]
        assert answer.headers["content-type"] == "application/problem+json"
    _nothing_recorded(sessions, aanvraag["id"])
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "7",
                                                                   "motivering": "x" * 4000})
    assert answer.status_code == 202 and answer.json()["besluit"]["motivering"] == "x" * 4000


def test_the_exceptions_page_lists_a_grant_outside_the_norms(client, parties, users, published, app, sessions):
    aanvraag = _aanvraag(client, parties, published, app)
    motivering = "Tijdelijk intensiever vanwege de crisis in het gezin."
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {
        "besluit": "toekennen", "motivering": motivering, "producten": [{"referentie_aanbieder": REF, "volume": 12}]})
    assert answer.status_code == 202
    with sessions() as session:
        besloten = session.get(Aanvraag, aanvraag["id"]).besloten_op.date()
        code = session.scalar(select(AanvraagProduct.code).where(AanvraagProduct.referentie_aanbieder == REF))
    login(client, users["finance"])
    page = client.get("/financien/uitzonderingen", params={"van": besloten.isoformat(), "tot": besloten.isoformat()})
    assert page.status_code == 200
    row = page.text[page.text.index('<tr class="soort-buiten_norm">'):]
    row = row[:row.index("</tr>")]
    assert "Toegekend buiten de norm" in row and code in row and motivering in row
    assert "12 uur per week is meer dan de norm van 8" in row
    assert f"aanvraag {aanvraag['id']}" in row
