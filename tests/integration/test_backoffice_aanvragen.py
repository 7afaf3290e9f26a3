"""The CJG's decision queue and deciding in the back office (/aanvragen): the queue's order
and norms, one aanvraag, and decisions through the same service as the API, carried out by
the outbox work in-process (tests.route.run_work)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select, update

from gateway.db.models import Aanvraag, AanvraagProduct, AuditRegel, Beschikking, Client, Outbox, Toewijzing
from gateway.web import aanvragen as aanvragen_pagina
from gateway.web.views.termijn import termijn
from tests.backoffice import csrf_of, login
from tests.route import besluit, fetch, post, postbus, request, run_work, texts

GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"
BSN_AGJ = "999980919"  # the client of the AGJ without agreement (and of the JW315 example)


def _submit(client, parties, published, app, sessions, name: str, identificatie: str, referentie: str,
            edits: list[tuple[str, str]] = ()) -> int:
    """Post a request through the API, run its work, and return the aanvraag's id."""
    answer = post(client, parties["provider"], request(name, identificatie, referentie, edits=list(edits)))
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    with sessions() as session:
        return session.scalar(select(AanvraagProduct.aanvraag_id)
                              .where(AanvraagProduct.referentie_aanbieder == referentie))


def _agj(client, parties, published, app, sessions, identificatie: str, referentie: str, *,
         bsn: str = BSN_AGJ, volume: int | None = None) -> int:
    edits = [(f"<agj:Bsn>{BSN_AGJ}<", f"<agj:Bsn>{bsn}<")] if bsn != BSN_AGJ else []
    if volume is not None:
        edits.append(("<ijw:Volume>6<", f"<ijw:Volume>{volume}<"))
    return _submit(client, parties, published, app, sessions, GEEN_OVEREENSTEMMING, identificatie, referentie,
                   edits)


def _jw315(client, parties, published, app, sessions, identificatie: str = "R-JW3151",
           referentie: str = "VB-REF-0315") -> int:
    return _submit(client, parties, published, app, sessions, "JW315", identificatie, referentie)


def _state(sessions, aanvraag_id: int) -> tuple:
    with sessions() as session:
        a = session.get(Aanvraag, aanvraag_id)
        outbox_rows = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.bericht_id == a.bericht_id))
        return a.status, a.besluit, a.besloten_door, [p.toegekend for p in a.producten], outbox_rows


def _decide(client, aanvraag_id: int, data: dict):
    return client.post(f"/aanvragen/{aanvraag_id}/besluit",
                       data={**data, "csrf_token": csrf_of(client.get(f"/aanvragen/{aanvraag_id}").text)},
                       follow_redirects=False)


def _audit(sessions, actie: str) -> list[tuple]:
    with sessions() as session:
        return session.execute(select(AuditRegel.gebruiker, AuditRegel.object_type, AuditRegel.object_id,
                                      AuditRegel.client_id).where(AuditRegel.actie == actie)
                               .order_by(AuditRegel.id)).all()


def _field_error(html: str, name: str) -> str:
    """The error text shown beside field `name` (its input carries aria-describedby to it)."""
    assert re.search(rf'name="{name}"[^>]*aria-invalid="true" aria-describedby="{name}-fout"', html), name
    match = re.search(rf'<p class="veldfout" id="{name}-fout">([^<]+)</p>', html)
    assert match, f"no error beside {name}"
    return match.group(1)


def _value(html: str, name: str) -> str:
    match = re.search(rf'<input id="{name}" name="{name}" type="[a-z]+" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


# ---------------------------------------------------------------- the queue

def test_queue_shows_open_aanvragen_most_overdue_first_with_norms(client, parties, users, published, app,
                                                                  sessions):
    automatic = _submit(client, parties, published, app, sessions, "AGJ", "R-AGJ0", "VB-REF-0100")
    newer = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101", volume=10)
    overdue = _agj(client, parties, published, app, sessions, "R-AGJ2", "VB-REF-0102", bsn="999990019")
    onderzoek = _agj(client, parties, published, app, sessions, "R-AGJ3", "VB-REF-0103", bsn="999990020")
    with sessions.begin() as session:
        session.execute(update(Aanvraag).where(Aanvraag.id == overdue).values(antwoord_uiterlijk=date(2026, 11, 18)))
    assert besluit(client, parties["gemeente"], onderzoek, {"besluit": "in_onderzoek"}).status_code == 202
    with sessions() as session:
        assert session.get(Aanvraag, automatic).status == "toegekend"

    login(client, "marieke")
    page = client.get("/aanvragen")
    assert page.status_code == 200
    html = page.text
    te_beoordelen = html[html.index('id="te_beoordelen"'):html.index('id="in_onderzoek"')]
    in_onderzoek = html[html.index('id="in_onderzoek"'):]
    # Most overdue first; the automatically granted one is not waiting for anybody.
    assert te_beoordelen.index(f'href="/aanvragen/{overdue}"') < te_beoordelen.index(f'href="/aanvragen/{newer}"')
    assert f'href="/aanvragen/{automatic}"' not in html
    assert f'href="/aanvragen/{onderzoek}"' in in_onderzoek and f'href="/aanvragen/{onderzoek}"' not in te_beoordelen
    row_overdue = te_beoordelen[te_beoordelen.index(f'href="/aanvragen/{overdue}"'):
                                te_beoordelen.index(f'href="/aanvragen/{newer}"')]
    assert '<span class="label fout">verlopen</span>' in row_overdue
    assert "3 werkdagen over de termijn" in row_overdue  # 18 Nov → 23 Nov 2026: 19, 20, 23
    row_newer = te_beoordelen[te_beoordelen.index(f'href="/aanvragen/{newer}"'):]
    assert "nog 5 werkdagen" in row_newer  # received today (23 Nov), answer by 30 Nov
    # BSN masked, provider by AGB and name, product against the norm with the deviation.
    assert "*****0919" in row_newer and BSN_AGJ not in html
    assert "12345678" in row_newer and "Zorg BV" in row_newer
    assert "10 uur per week (eenheid 04, frequentie 2)" in row_newer
    assert "Norm: ten hoogste 8 uur per week, hoogstens 12 maanden" in row_newer
    assert '<span class="label fout">buiten de norm</span>' in row_newer
    assert "Volume 10 uur per week is meer dan de norm van 8." in row_newer
    assert '<span class="label goed">binnen norm</span>' in row_overdue  # 6 hours, within
    assert "CJG en aanbieder zijn het niet eens geworden" in row_newer  # the intake's reason

    decided = client.get("/aanvragen?status=toegekend")
    assert decided.status_code == 200
    assert f'href="/aanvragen/{automatic}"' in decided.text and f'href="/aanvragen/{newer}"' not in decided.text


def test_queue_pages_by_keyset_and_refuses_bad_filters(client, parties, users, published, app, sessions,
                                                      monkeypatch):
    first = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    second = _agj(client, parties, published, app, sessions, "R-AGJ2", "VB-REF-0102", bsn="999990019")
    monkeypatch.setattr(aanvragen_pagina, "PAGINA", 1)
    login(client, "marieke")
    html = client.get("/aanvragen").text
    assert f'href="/aanvragen/{first}"' in html and f'href="/aanvragen/{second}"' not in html
    volgende = re.search(r'<a href="(/aanvragen\?status=te_beoordelen[^"]+)">Meer aanvragen', html).group(1)
    rest = client.get(volgende.replace("&amp;", "&"))
    assert rest.status_code == 200
    assert f'href="/aanvragen/{second}"' in rest.text and f'href="/aanvragen/{first}"' not in rest.text
    assert "Meer aanvragen" not in rest.text
    assert client.get("/aanvragen?soort=JW315").text.count('href="/aanvragen/') == 0
    for bad in ("/aanvragen?status=alles", "/aanvragen?soort=XYZ", "/aanvragen?status=te_beoordelen&na=x.y.z"):
        answer = client.get(bad)
        assert answer.status_code == 400, bad
        assert 'class="veldfout"' in answer.text or 'class="fout"' in answer.text


# ---------------------------------------------------------------- one aanvraag

def test_detail_shows_the_aanvraag_its_norms_links_and_logs_the_view(client, parties, users, published, app,
                                                                   sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101", volume=10)
    with sessions() as session:
        a = session.get(Aanvraag, aanvraag_id)
        bericht_id = a.bericht_id
        client_id = session.scalar(select(Client.id).where(Client.bsn == BSN_AGJ))
    login(client, "marieke")
    page = client.get(f"/aanvragen/{aanvraag_id}")
    assert page.status_code == 200
    html = page.text
    assert f'href="/berichten/{bericht_id}"' in html and f'href="/clienten/{client_id}"' in html
    assert "Ouders willen handvatten bij de driftbuien" in html  # hulpvraag
    assert "Jeugdige woont bij vader" in html  # contextanalyse
    assert "Het aantal escalaties thuis is gehalveerd." in html  # a resultaat
    assert "geen overeenstemming met de aanbieder" in html and "Aanbieder adviseert meer uren" in html
    assert "Volume 10 uur per week is meer dan de norm van 8." in html
    assert "Jeugdhulp ambulant individueel" in html
    assert "ten hoogste 8 uur per week, hoogstens 12 maanden" in html
    assert "te beoordelen" in html and "nog geen berichten verstuurd" in html.lower()
    # The form, prefilled with what was asked, and the WJ759 reasons with their texts.
    assert _value(html, "p1_volume") == "10"
    assert _value(html, "p1_ingangsdatum") == "2026-09-15" and _value(html, "p1_einddatum") == "2027-03-14"
    assert '<option value="7">7 – Zorginhoudelijke afkeur</option>' in html
    assert 'value="in_onderzoek"' in html
    assert '<script src="/static/besluit.js"></script>' in html
    assert client.get("/static/besluit.js").status_code == 200
    assert _audit(sessions, "bekijken") == [("marieke", "aanvraag", str(aanvraag_id), client_id)]


def test_unknown_or_malformed_ids_are_a_404_page_and_finance_may_not_come_in(client, parties, users, published,
                                                                            app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    login(client, "marieke")
    csrf = csrf_of(client.get("/aanvragen").text)
    for path in ("/aanvragen/999999", "/aanvragen/abc", "/aanvragen/99999999999"):
        answer = client.get(path)
        assert answer.status_code == 404 and "Niet gevonden" in answer.text, path
        assert client.post(path + "/besluit", data={"csrf_token": csrf, "besluit": "toekennen"}).status_code == 404
    login(client, "fenna")
    assert client.get("/aanvragen").status_code == 403
    assert client.get(f"/aanvragen/{aanvraag_id}").status_code == 403
    csrf = csrf_of(client.get("/financien").text)
    refused = client.post(f"/aanvragen/{aanvraag_id}/besluit", data={"csrf_token": csrf, "besluit": "toekennen"},
                          follow_redirects=False)
    assert refused.status_code == 403 and "Geen toegang" in refused.text
    assert _state(sessions, aanvraag_id)[0] == "te_beoordelen"
    login(client, "beheer")  # an admin may decide too
    assert client.get(f"/aanvragen/{aanvraag_id}").status_code == 200


# ---------------------------------------------------------------- deciding

def test_toekennen_as_asked_gives_the_jw301_and_logs_the_decision(client, parties, users, published, app,
                                                                sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    login(client, "marieke")
    answer = _decide(client, aanvraag_id, {"besluit": "toekennen"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/aanvragen/{aanvraag_id}?besloten=1"
    status, besluit_json, door, toegekend, _ = _state(sessions, aanvraag_id)
    assert (status, besluit_json, door, toegekend) == ("toegekend", {"besluit": "toekennen"},
                                                       "marieke (backoffice)", [None])
    assert published, "the decision's work was published after the commit"
    assert run_work(app, published) == ["done"]
    [item] = postbus(client, parties["provider"])
    assert item["message"] == "JW301"
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0101"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["6"]
    with sessions() as session:
        beschikking = session.scalar(select(Beschikking).where(Beschikking.aanvraag_id == aanvraag_id))
        client_id = session.scalar(select(Client.id).where(Client.bsn == BSN_AGJ))
    assert beschikking is not None and beschikking.soort == "toekenning"

    page = client.get(answer.headers["location"])
    assert '<p class="melding" role="status">Het besluit is vastgelegd.' in page.text
    assert "toegekend zoals gevraagd" in page.text and "marieke (backoffice)" in page.text
    assert f'href="/beschikkingen/{beschikking.id}"' in page.text
    assert f'href="/berichten/{item["id"]}"' in page.text and "JW301" in page.text
    assert "besluit uitvoeren" in page.text and "verwerkt" in page.text
    assert 'action="/aanvragen/' not in page.text  # decided: no form any more
    assert _audit(sessions, "besluiten") == [("marieke", "aanvraag", str(aanvraag_id), client_id)]


def test_toekennen_with_a_changed_volume_grants_the_cjgs_volume(client, parties, users, published, app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101", volume=10)
    login(client, "marieke")
    answer = _decide(client, aanvraag_id, {
        "besluit": "wijzigen", "p1_volume": "4", "p1_eenheid": "04", "p1_frequentie": "2",
        "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "01-03-2027",
        "motivering": "Vier uur per week past bij de hulpvraag."})
    assert answer.status_code == 303, answer.text
    _, besluit_json, _, [toegekend], _ = _state(sessions, aanvraag_id)
    assert besluit_json == {"besluit": "toekennen", "producten": [
        {"referentie_aanbieder": "VB-REF-0101", "volume": 4, "einddatum": "2027-03-01"}],
        "motivering": "Vier uur per week past bij de hulpvraag.", "afwijkingen": [
            {"referentie": "VB-REF-0101", "soort": "minder_dan_gevraagd",
             "message": "Toegekend 4 uur van de gevraagde 10 uur per week."},
            {"referentie": "VB-REF-0101", "soort": "minder_dan_gevraagd",
             "message": "Einddatum 1 maart 2027 ligt eerder dan gevraagd (tot en met 14 maart 2027)."}]}
    assert toegekend["volume"] == 4
    run_work(app, published)
    with sessions() as session:
        toewijzing = session.scalar(select(Toewijzing).where(Toewijzing.bsn == BSN_AGJ))
    assert (toewijzing.volume, toewijzing.einddatum) == (4, date(2027, 3, 1))
    [item] = postbus(client, parties["provider"])
    assert texts(fetch(client, parties["provider"], item), "//jw301:Omvang/ijw:Volume") == ["4"]
    page = client.get(f"/aanvragen/{aanvraag_id}")
    assert "toegekend met wijzigingen" in page.text
    assert "Toegekend: 4 uur per week (eenheid 04, frequentie 2)" in page.text


def test_afwijzen_with_a_wj759_reason_sends_a_jw319(client, parties, users, published, app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    login(client, "marieke")
    answer = _decide(client, aanvraag_id, {"besluit": "afwijzen", "reden_afwijzing": "7",
                                           "p1_volume": "abc"})  # fields of other choices do not count
    assert answer.status_code == 303, answer.text
    assert _state(sessions, aanvraag_id)[0] == "afgewezen"
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw319 = fetch(client, parties["provider"], item)
    assert item["message"] == "JW319"
    assert texts(jw319, "//jw319:RedenAfwijzingVerzoek") == ["7"]
    assert "afgewezen, reden 7: Zorginhoudelijke afkeur" in client.get(f"/aanvragen/{aanvraag_id}").text


def test_jw315_in_onderzoek_then_granted_with_the_contact_data_from_the_form(client, parties, users, published,
                                                                            app, sessions):
    aanvraag_id = _jw315(client, parties, published, app, sessions)
    login(client, "marieke")
    html = client.get(f"/aanvragen/{aanvraag_id}").text
    assert 'name="contact_postcode"' in html  # the gemeente does not know the address yet
    answer = _decide(client, aanvraag_id, {"besluit": "in_onderzoek"})
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"]).text
    assert "De aanvraag staat nu in onderzoek" in page
    assert 'value="in_onderzoek"' not in page  # only once
    assert _state(sessions, aanvraag_id)[0] == "in_onderzoek"
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    assert texts(fetch(client, parties["provider"], item), "//jw319:VerzoekAntwoord") == ["2"]
    assert f'href="/aanvragen/{aanvraag_id}"' in client.get("/aanvragen").text.split('id="in_onderzoek"')[1]

    missing = _decide(client, aanvraag_id, {"besluit": "toekennen"})
    assert missing.status_code == 422
    assert "adres of telefoonnummer" in missing.text and "Er is niets opgeslagen" in missing.text
    assert _state(sessions, aanvraag_id)[0] == "in_onderzoek"
    bad = _decide(client, aanvraag_id, {"besluit": "toekennen", "contact_straatnaam": "Ceintuurbaan",
                                        "contact_huisnummer": "12a", "contact_postcode": "1072 gb",
                                        "contact_plaatsnaam": "Amsterdam"})
    assert bad.status_code == 400
    assert "geheel getal" in _field_error(bad.text, "contact_huisnummer")
    assert _value(bad.text, "contact_postcode") == "1072 gb"
    granted = _decide(client, aanvraag_id, {"besluit": "toekennen", "contact_straatnaam": "Ceintuurbaan",
                                            "contact_huisnummer": "12", "contact_postcode": "1072 gb",
                                            "contact_plaatsnaam": "Amsterdam"})
    assert granted.status_code == 303, granted.text
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:Contactgegevens/jw301:Contact/jw301:Adres/ijw:Postcode") == ["1072GB"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0315"]


def test_invalid_values_show_the_form_again_with_errors_and_change_nothing(client, parties, users, published, app,
                                                                         sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    before = _state(sessions, aanvraag_id)
    published.clear()
    login(client, "marieke")
    cases = [
        ({"besluit": "wijzigen", "p1_volume": "abc", "p1_eenheid": "04", "p1_frequentie": "2",
          "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "2027-03-14"}, "p1_volume", "geheel getal"),
        ({"besluit": "wijzigen", "p1_volume": "6", "p1_eenheid": "04", "p1_frequentie": "2",
          "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "2026-09-01"}, "p1_einddatum", "vóór de ingangsdatum"),
        ({"besluit": "wijzigen", "p1_volume": "6", "p1_eenheid": "04", "p1_frequentie": "2",
          "p1_ingangsdatum": "2026-02-30", "p1_einddatum": "2027-03-14"}, "p1_ingangsdatum", "geldige datum"),
        ({"besluit": "wijzigen", "p1_volume": "6", "p1_eenheid": "99", "p1_frequentie": "2",
          "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "2027-03-14"}, "p1_eenheid", "Kies een eenheid"),
        ({"besluit": "afwijzen", "reden_afwijzing": ""}, "reden_afwijzing", "Kies de reden"),
        ({"besluit": "afwijzen", "reden_afwijzing": "8"}, "woonplaatsbeginsel", "gemeentecode"),
        ({}, "besluit", "Kies een van de besluiten"),
        ({"besluit": "vernietigen"}, "besluit", "Kies een van de besluiten"),
    ]
    for data, field, text in cases:
        answer = _decide(client, aanvraag_id, data)
        assert answer.status_code == 400, (data, answer.text)
        assert text in _field_error(answer.text, field), data
        assert "Het besluit is niet vastgelegd" in answer.text
    # The values as entered are kept, the chosen decision stays checked.
    kept = _decide(client, aanvraag_id, cases[0][0])
    assert _value(kept.text, "p1_volume") == "abc"
    assert 'value="wijzigen" checked' in kept.text
    # A content error the service finds (a unit the product does not know) is a 422 page.
    refused = _decide(client, aanvraag_id, {"besluit": "wijzigen", "p1_volume": "6", "p1_eenheid": "01",
                                            "p1_frequentie": "2", "p1_ingangsdatum": "2026-09-15",
                                            "p1_einddatum": "2027-03-14"})
    assert refused.status_code == 422
    assert "kent alleen eenheid 04" in refused.text and 'name="p1_volume"' in refused.text
    assert _state(sessions, aanvraag_id) == before
    assert published == [] and _audit(sessions, "besluiten") == []


def test_a_second_decision_is_a_409_page_and_changes_nothing(client, parties, users, published, app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    login(client, "marieke")
    form_page = client.get(f"/aanvragen/{aanvraag_id}").text  # opened before the other decision
    assert besluit(client, parties["gemeente"], aanvraag_id,
                   {"besluit": "afwijzen", "reden_afwijzing": "3"}).status_code == 202
    decided = _state(sessions, aanvraag_id)
    answer = client.post(f"/aanvragen/{aanvraag_id}/besluit",
                         data={"besluit": "toekennen", "csrf_token": csrf_of(form_page)}, follow_redirects=False)
    assert answer.status_code == 409
    assert "is al besloten (afgewezen)" in answer.text
    assert _state(sessions, aanvraag_id) == decided
    assert _audit(sessions, "besluiten") == []


def test_in_onderzoek_twice_is_the_services_409(client, parties, users, published, app, sessions):
    aanvraag_id = _jw315(client, parties, published, app, sessions)
    login(client, "marieke")
    form_page = client.get(f"/aanvragen/{aanvraag_id}").text
    assert besluit(client, parties["gemeente"], aanvraag_id, {"besluit": "in_onderzoek"}).status_code == 202
    before = _state(sessions, aanvraag_id)
    answer = client.post(f"/aanvragen/{aanvraag_id}/besluit",
                         data={"besluit": "in_onderzoek", "csrf_token": csrf_of(form_page)}, follow_redirects=False)
    assert answer.status_code == 409
    assert "is al in onderzoek; beslis nu met toekennen of afwijzen" in answer.text
    assert 'name="besluit" value="afwijzen"' in answer.text  # still open: the form is there
    assert _state(sessions, aanvraag_id) == before


def test_the_deadline_label_counts_dutch_working_days():
    def label(uiterlijk: date, today: date) -> str:
        a = Aanvraag(status="te_beoordelen", antwoord_uiterlijk=uiterlijk, afgehandeld_op=None)
        return termijn(a, today).label

    assert label(date(2026, 11, 23), date(2026, 11, 23)) == "vandaag"
    assert label(date(2026, 11, 24), date(2026, 11, 23)) == "nog 1 werkdag"
    assert label(date(2026, 12, 28), date(2026, 12, 24)) == "nog 1 werkdag"  # Christmas, Boxing Day, weekend
    assert label(date(2026, 12, 24), date(2026, 12, 28)) == "verlopen"
    decided = Aanvraag(status="toegekend", antwoord_uiterlijk=date(2026, 1, 1), afgehandeld_op=None)
    assert termijn(decided, date(2026, 11, 23)) is None


def test_a_decision_without_the_csrf_token_is_refused(client, parties, users, published, app, sessions):
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    before = _state(sessions, aanvraag_id)
    login(client, "marieke")
    for data in ({"besluit": "toekennen"}, {"besluit": "toekennen", "csrf_token": "vals"}):
        answer = client.post(f"/aanvragen/{aanvraag_id}/besluit", data=data, follow_redirects=False)
        assert answer.status_code == 403 and "formulier is verlopen" in answer.text
    assert _state(sessions, aanvraag_id) == before
    assert _audit(sessions, "besluiten") == []
