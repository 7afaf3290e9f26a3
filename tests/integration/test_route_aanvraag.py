"""The CJG route through the API, with the published work run in-process (as a worker would):
aanvraag → automatic or CJG decision → beschikking → JW301/JW319 in the postbus → JW302/JW320.
Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL); the real-worker variant is in
test_worker_route.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from gateway import clock
from gateway.model.werkdagen import add_werkdagen
from tests.route import (
    aanvragen,
    besluit,
    fetch,
    json_auth,
    post,
    postbus,
    request,
    retour_for,
    run_work,
    texts,
)

GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"


def test_automatic_grant_gives_beschikking_and_jw301_confirmed_by_jw302(client, parties, published, app):
    answer = post(client, parties["provider"], request("AGJ", "AGJ1"))
    assert answer.status_code == 202, answer.text
    assert len(published) == 1  # published after commit
    assert run_work(app, published) == ["done"]

    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert aanvraag["status"] == "toegekend" and aanvraag["referentie_aanbieder"] == "VB-REF-0001"
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["automatisch"] is True and detail["beoordeling"] == []
    assert detail["beschikking"]["leveringsvorm"] == "ZIN"
    assert detail["beschikking"]["nummer"].startswith("0363-2026-")
    # The provider that sent it may read it too; another provider may not.
    assert client.get(aanvraag["href"], headers=json_auth(parties["provider"])).status_code == 200
    assert client.get(aanvraag["href"], headers=json_auth(parties["other"])).status_code == 404

    [item] = postbus(client, parties["provider"])
    assert item["message"] == "JW301" and item["status"] == "nieuw"
    assert item["href"] == f"/api/v1/postbus/{item['id']}"
    assert datetime.fromisoformat(item["created_at"]).utcoffset() == timedelta(0)
    assert postbus(client, parties["other"]) == []
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0001"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Product/ijw:Code") == ["45A01"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Ingangsdatum") == ["2026-09-15"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["4"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:RedenWijziging") == []  # initial (IV066)
    assert texts(jw301, "//jw301:Client/jw301:Relaties/jw301:Relatie/jw301:Soort") == ["10"]  # OP002
    assert texts(jw301, "//jw301:Header/jw301:Afzender") == ["0363"]
    assert postbus(client, parties["provider"]) == []
    assert [i["status"] for i in postbus(client, parties["provider"], "opgehaald")] == ["opgehaald"]

    confirmed = post(client, parties["provider"], retour_for(jw301))
    assert confirmed.status_code == 202, confirmed.text
    assert [i["id"] for i in postbus(client, parties["provider"], "bevestigd")] == [item["id"]]


def test_jw302_with_error_codes_marks_the_jw301_afgekeurd(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "AGJ1"))
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert post(client, parties["provider"], retour_for(jw301, ["0200", "9332"])).status_code == 202
    assert [i["id"] for i in postbus(client, parties["provider"], "afgekeurd")] == [item["id"]]
    # Only the first retour counts.
    assert post(client, parties["provider"], retour_for(jw301)).status_code == 202
    assert postbus(client, parties["provider"], "bevestigd") == []


def test_cjg_decides_with_its_own_volume_and_a_second_decision_conflicts(client, parties, published, app):
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ2"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert [r["code"] for r in detail["beoordeling"]] == ["geen_overeenstemming"]
    assert "Aanbieder adviseert meer uren" in detail["beoordeling"][0]["message"]
    # 5 werkdagen after the (real) day of receipt: 2026-11-23 (a Monday) gives 2026-11-30
    assert detail["antwoord_uiterlijk"] == add_werkdagen(clock.today(), 5).isoformat()
    assert postbus(client, parties["provider"]) == []

    less = {"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "volume": 5}]}
    unexplained = besluit(client, parties["gemeente"], aanvraag["id"], less)
    assert unexplained.status_code == 422  # less than asked needs a motivering (design.md §9)
    assert unexplained.json()["type"].endswith("motivering")
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {**less, "motivering": "Vijf uur volstaat."})
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "toegekend"
    again = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "7"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:Omvang/ijw:Volume") == ["5"]
    assert texts(jw301, "//jw301:ReferentieAanbieder") == ["VB-REF-0002"]  # honoured, differently (IV094)
    beschikking = client.get(detail["href"] if "href" in detail else aanvraag["href"],
                             headers=json_auth(parties["gemeente"])).json()["beschikking"]
    document = client.get(beschikking["href"], headers=json_auth(parties["gemeente"])).json()
    assert document["producten"][0]["volume"] == 5
    assert document["soort"] == "toekenning"


def test_rejected_agj_gives_an_afwijzing_beschikking_and_a_jw319(client, parties, published, app):
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ3"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "7"})
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    assert item["message"] == "JW319"
    jw319 = fetch(client, parties["provider"], item)
    assert texts(jw319, "//jw319:Antwoord/jw319:ReferentieAanbieder") == ["VB-REF-0002"]
    assert texts(jw319, "//jw319:VerzoekAntwoord") == ["1"]
    assert texts(jw319, "//jw319:RedenAfwijzingVerzoek") == ["7"]
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["status"] == "afgewezen" and detail["beschikking"]["soort"] == "afwijzing"
    assert post(client, parties["provider"], retour_for(jw319)).status_code == 202
    assert [i["message"] for i in postbus(client, parties["provider"], "bevestigd")] == ["JW319"]


def test_pgb_gives_a_beschikking_and_nothing_in_the_postbus(client, parties, published, app):
    xml = request("AGJ", "AGJ4", edits=[("<agj:Leveringsvorm>ZIN<", "<agj:Leveringsvorm>PGB<")])
    post(client, parties["provider"], xml)
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["status"] == "toegekend"
    assert detail["beschikking"]["leveringsvorm"] == "PGB"
    assert postbus(client, parties["provider"]) == []
    # The request is answered: a new one for the same client is not 9374.
    again = post(client, parties["provider"], request("AGJ", "AGJ5", "VB-REF-0009"))
    assert again.status_code == 202, again.text


def test_a_second_request_waits_for_the_answer_of_the_first(client, parties, published, app):
    assert post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ6")).status_code == 202
    run_work(app, published)
    second = post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ7", "VB-REF-0077"))
    assert second.status_code == 422 and b"9374" in second.content
    [aanvraag] = aanvragen(client, parties["gemeente"])
    besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "in_onderzoek"})
    run_work(app, published)
    third = post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ8", "VB-REF-0078"))
    assert third.status_code == 422  # in onderzoek is not a final answer


def test_jw315_in_onderzoek_then_granted_with_the_cjgs_contact_data(client, parties, published, app):
    assert post(client, parties["provider"], request("JW315", "JW3151")).status_code == 202
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert aanvraag["soort"] == "JW315" and aanvraag["status"] == "te_beoordelen"
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert {r["code"] for r in detail["beoordeling"]} >= {"niet_automatisch", "contactgegevens"}

    onderzoek = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "in_onderzoek"})
    assert onderzoek.status_code == 202, onderzoek.text
    assert onderzoek.json()["antwoord_uiterlijk"] == "2026-10-29"  # 8 weeks after Dagtekening 2026-09-03
    assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "in_onderzoek"}).status_code == 409
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw319 = fetch(client, parties["provider"], item)
    assert texts(jw319, "//jw319:VerzoekAntwoord") == ["2"]
    assert texts(jw319, "//jw319:RedenAfwijzingVerzoek") == []

    missing = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"})
    assert missing.status_code == 422 and "contactgegevens" in missing.json()["detail"]
    granted = besluit(client, parties["gemeente"], aanvraag["id"], {
        "besluit": "toekennen",
        "contactgegevens": [{"soort": "01", "straatnaam": "Ceintuurbaan", "huisnummer": 12,
                             "postcode": "1072GB", "plaatsnaam": "Amsterdam"}]})
    assert granted.status_code == 202, granted.text
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:Contactgegevens/jw301:Contact/jw301:Adres/ijw:Postcode") == ["1072GB"]
    assert texts(jw301, "//jw301:Naam/ijw:NaamGebruik") == ["1"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0003"]
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["beschikking"] is None  # a JW315 rests on a referral, not on a beschikking


def test_jw315_rejected_on_woonplaatsbeginsel_names_the_gemeente(client, parties, published, app):
    post(client, parties["provider"], request("JW315", "JW3152"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    without = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "8"})
    assert without.status_code == 422
    for code in ("0000", "0003"):  # not on the CBS list; Appingedam, which ended in 2021
        unknown = besluit(client, parties["gemeente"], aanvraag["id"],
                          {"besluit": "afwijzen", "reden_afwijzing": "8", "woonplaatsbeginsel": code})
        assert unknown.status_code == 422 and "CBS-lijst" in unknown.text, code
    answer = besluit(client, parties["gemeente"], aanvraag["id"],
                     {"besluit": "afwijzen", "reden_afwijzing": "8", "woonplaatsbeginsel": "0599"})
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw319 = fetch(client, parties["provider"], item)
    assert texts(jw319, "//jw319:Woonplaatsbeginsel/jw319:Gemeente") == ["0599"]


def test_jw317_granted_as_a_whole_changes_and_adds_assignments(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "AGJ9"))
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    first = fetch(client, parties["provider"], item)
    [nummer] = texts(first, "//jw301:ToewijzingNummer")
    jw317 = request("JW317", "JW3171", edits=[("<jw317:ToewijzingNummer>100001<",
                                               f"<jw317:ToewijzingNummer>{nummer}<")])
    accepted = post(client, parties["provider"], jw317)
    assert accepted.status_code == 202, accepted.text
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    assert aanvraag["soort"] == "JW317" and aanvraag["referentie_aanbieder"] == "VB-REF-0004"
    partial = besluit(client, parties["gemeente"], aanvraag["id"], {
        "besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0004", "volume": 1}]})
    assert partial.status_code == 422  # a VOW is granted as a whole and as asked (OP344)
    assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"}).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    # Every product carries the VOW's reference (IV093); the extended one keeps its number
    # with RedenWijziging 12 and the new Einddatum; the new product has a new number.
    assert texts(jw301, "//jw301:ReferentieAanbieder") == ["VB-REF-0004", "VB-REF-0004"]
    numbers = texts(jw301, "//jw301:ToewijzingNummer")
    assert numbers[0] == nummer and numbers[1] != nummer
    assert texts(jw301, "//jw301:ToegewezenProduct[1]/jw301:Einddatum") == ["2027-09-14"]
    assert texts(jw301, "//jw301:ToegewezenProduct[1]/jw301:RedenWijziging") == ["12"]
    assert texts(jw301, "//jw301:ToegewezenProduct[2]/jw301:RedenWijziging") == []
    assert texts(jw301, "//jw301:ToegewezenProduct[2]/jw301:Product/ijw:Code") == ["41A01"]


def test_jw317_that_misses_a_current_assignment_is_rejected_with_9349(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "AGJ10"))
    run_work(app, published)
    answer = post(client, parties["provider"], request("JW317", "JW3172"))  # names 100001, not ours
    assert answer.status_code == 422
    assert b"9349" in answer.content and b"9351" in answer.content


def test_bad_decisions_are_clear_errors_and_change_nothing(client, parties, published, app):
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ11"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = parties["gemeente"]
    cases = [
        ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "ONBEKEND"}]}, 422, "onbekend-product"),
        ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "eenheid": "01"}]},
         422, "eenheid"),
        ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "frequentie": "4"}]},
         422, "frequentie"),
        ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002",
                                                 "einddatum": "2026-01-01"}]}, 422, "periode"),
        ({"besluit": "afwijzen"}, 422, "reden-afwijzing"),
        ({"besluit": "afwijzen", "reden_afwijzing": "12"}, 422, "reden-afwijzing"),
        ({"besluit": "misschien"}, 422, "besluit"),
        ({"besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "volume": "veel"}]},
         400, "bad-request"),
    ]
    for body, status, slug in cases:
        answer = besluit(client, gemeente, aanvraag["id"], body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["type"].endswith(slug), (body, answer.json())
    assert besluit(client, parties["provider"], aanvraag["id"], {"besluit": "toekennen"}).status_code == 403
    assert besluit(client, gemeente, 999999, {"besluit": "toekennen"}).status_code == 404
    detail = client.get(aanvraag["href"], headers=json_auth(gemeente)).json()
    assert detail["status"] == "te_beoordelen" and detail["besluit"] is None
    assert all(p["status"] == "te_beoordelen" for p in detail["producten"])
    assert published == []


def test_beschikking_document_and_bezwaar(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "AGJ12"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = json_auth(parties["gemeente"])
    href = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["href"]
    beschikking = client.get(href, headers=gemeente).json()
    assert beschikking["hulpvraag"].startswith("Gezin vraagt ondersteuning")
    assert len(beschikking["resultaten"]) == 3
    today = clock.today()
    uiterlijk = date.fromisoformat(beschikking["bezwaar_uiterlijk"])
    assert 42 <= (uiterlijk - date.fromisoformat(beschikking["datum"])).days <= 46
    document = client.get(href + "/document", headers=gemeente)
    assert document.status_code == 200 and document.headers["content-type"].startswith("text/html")
    assert beschikking["nummer"] in document.text and "Bezwaar" in document.text
    assert client.get(href, headers=json_auth(parties["provider"])).status_code == 403

    bezwaar = client.post(href + "/bezwaren", headers=gemeente,
                          json={"ontvangen_op": today.isoformat(), "indiener": "K. Jansen (vader)"})
    assert bezwaar.status_code == 201, bezwaar.text
    assert bezwaar.json()["status"] == "ingediend" and bezwaar.json()["binnen_termijn"] is True
    decided = client.post(f"{href}/bezwaren/{bezwaar.json()['id']}/afhandeling", headers=gemeente,
                          json={"uitkomst": "ongegrond"})
    assert decided.status_code == 200 and decided.json()["status"] == "ongegrond"
    again = client.post(f"{href}/bezwaren/{bezwaar.json()['id']}/afhandeling", headers=gemeente,
                        json={"uitkomst": "gegrond"})
    assert again.status_code == 409
    assert client.get(href, headers=gemeente).json()["bezwaren"][0]["status"] == "ongegrond"
    early = client.post(href + "/bezwaren", headers=gemeente,
                        json={"ontvangen_op": "2020-01-01", "indiener": "X"})
    assert early.status_code == 422
    for too_long in ({"indiener": "X" * 201}, {"indiener": "X", "toelichting": "t" * 4001}):
        answer = client.post(href + "/bezwaren", headers=gemeente, json={"ontvangen_op": today.isoformat(), **too_long})
        assert answer.status_code == 422 and "hoogstens" in answer.json()["detail"]
