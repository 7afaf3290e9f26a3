"""Edges of the route found in review: decisions that could not become valid messages,
misspelt fields, huge ids, a rejected JW301, what a provider may see, failed automatic work."""
from __future__ import annotations

from sqlalchemy import select

from gateway.db.models import Client, Toewijzing
from gateway.domain.aanvraag import uitvoering
from tests.route import aanvragen, besluit, fetch, json_auth, post, postbus, request, retour_for, run_work

GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"


def _jw315_to_decide(client, parties, published, app) -> dict:
    assert post(client, parties["provider"], request("JW315", "R-JW3151")).status_code == 202
    run_work(app, published)
    return aanvragen(client, parties["gemeente"])[0]


def test_a_decision_whose_jw301_would_break_the_rules_is_refused_and_changes_nothing(
        client, parties, published, app, sessions):
    aanvraag = _jw315_to_decide(client, parties, published, app)
    gemeente = parties["gemeente"]
    only_email = {"besluit": "toekennen", "contactgegevens": [{"soort": "01", "emailadres": "a@example.nl"}]}
    answer = besluit(client, gemeente, aanvraag["id"], only_email)
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"].endswith("geen-geldig-bericht")
    assert "TR061" in answer.json()["detail"] or "TR006" in answer.json()["detail"]
    detail = client.get(aanvraag["href"], headers=json_auth(gemeente)).json()
    assert detail["status"] == "te_beoordelen" and detail["besluit"] is None
    with sessions() as session:  # the invalid contact data were not kept either
        assert b"a@example.nl" not in session.scalar(select(Client.gegevens))
    assert published == [] and postbus(client, parties["provider"]) == []
    good = {"besluit": "toekennen", "contactgegevens": [{"soort": "01", "straatnaam": "Ceintuurbaan",
                                                          "huisnummer": 12, "postcode": "1072GB",
                                                          "plaatsnaam": "Amsterdam"}]}
    assert besluit(client, gemeente, aanvraag["id"], good).status_code == 202


def test_misspelt_fields_in_a_decision_are_an_error_not_as_asked(client, parties, published, app):
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "R-AGJ1"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    for body in ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "volumen": 2}]},
                 {"besluit": "toekennen", "bogus": 1},
                 {"besluit": "toekennen", "contactgegevens": [{"soort": "01", "straat": "X"}]}):
        answer = besluit(client, parties["gemeente"], aanvraag["id"], body)
        assert answer.status_code == 400, (body, answer.text)
    assert aanvragen(client, parties["gemeente"])[0]["status"] == "te_beoordelen"


def test_ids_too_large_for_the_database_are_not_found(client, parties):
    for url in ("/api/v1/postbus/99999999999", "/api/v1/berichten/99999999999",
                "/api/v1/aanvragen/99999999999", "/api/v1/postbus/0"):
        answer = client.get(url, headers=json_auth(parties["gemeente"]))
        assert answer.status_code == 404, (url, answer.text)


def test_a_rejected_jw301_is_shown_to_the_cjg_and_its_versions_go_out_again(
        client, parties, published, app, sessions):
    post(client, parties["provider"], request("AGJ", "R-AGJ2"))
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    with sessions() as session:
        assert session.scalar(select(Toewijzing.gewijzigd)) is False
    assert post(client, parties["provider"], retour_for(jw301, ["0200", "9332"])).status_code == 202
    with sessions() as session:  # OP286: counts as not sent, so the next JW301 carries it again
        assert session.scalar(select(Toewijzing.gewijzigd)) is True
    [aanvraag] = aanvragen(client, parties["gemeente"])
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    [sent] = detail["berichten"]
    assert (sent["message"], sent["status"], sent["retourcodes"]) == ("JW301", "afgekeurd", ["0200", "9332"])
    assert detail["verwerking"]["status"] == "done"


def test_the_provider_sees_its_aanvraag_without_the_cjgs_notes(client, parties, published, app):
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "R-AGJ3"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    mine = client.get(aanvraag["href"], headers=json_auth(parties["provider"])).json()
    assert mine["status"] == "te_beoordelen" and mine["producten"][0]["referentie_aanbieder"] == "VB-REF-0002"
    assert "beoordeling" not in mine and "besluit" not in mine and "verwerking" not in mine


def test_an_automatic_grant_that_cannot_be_carried_out_goes_to_the_cjg(
        client, parties, published, app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise uitvoering.UitvoeringFout("toewijzing kon niet worden gemaakt")

    monkeypatch.setattr(uitvoering, "execute", broken)
    post(client, parties["provider"], request("AGJ", "R-AGJ4"))
    assert run_work(app, published) == ["done"]
    [aanvraag] = aanvragen(client, parties["gemeente"])
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["status"] == "te_beoordelen" and detail["automatisch"] is False
    assert detail["beoordeling"][-1]["code"] == "automatisch_mislukt"
    assert "toewijzing kon niet worden gemaakt" in detail["beoordeling"][-1]["message"]
    assert postbus(client, parties["provider"]) == []


def test_a_pgb_is_not_held_up_by_an_overlapping_zin_assignment(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "R-AGJ5"))
    run_work(app, published)
    pgb = request("AGJ", "R-AGJ6", "VB-REF-0066", edits=[("<agj:Leveringsvorm>ZIN<", "<agj:Leveringsvorm>PGB<")])
    assert post(client, parties["provider"], pgb).status_code == 202
    run_work(app, published)
    statuses = [a["status"] for a in aanvragen(client, parties["gemeente"])]
    assert statuses == ["toegekend", "toegekend"]
