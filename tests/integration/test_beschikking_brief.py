"""The beschikking letter as the parents get it (design.md §9), through HTTP: the addressee
(the parents of a minor) with the address from the aanvraag, asked against decided per product
(a partial grant reads as one), a rejection's reason in words, the motivering, the PGB amount,
whom to contact; the letter as PDF (API and back office); a bezwaar decided on the page with
its Awb 7:10 term."""
from __future__ import annotations

import re
import zlib
from datetime import date, timedelta

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.db.models import AuditRegel, Beschikking, Bezwaar
from gateway.main import create_app
from gateway.model.datum import datum_nl
from gateway.settings import Settings
from tests.backoffice import csrf_of, login
from tests.route import aanvragen, besluit, json_auth, post, request, run_work

GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"  # L ten Hoek (2018), 6 uur per week 45A01: to the CJG
CONTACT = "Bel het CJG van {gemeente}: 020 123 45 67 (werkdagen 9-17 uur), of mail beschikkingen@example.nl."
MOTIVERING = "Vijf uur per week is genoeg naast de hulp op school."


@pytest.fixture
def app(database_url, engine, published):
    """The gateway with its contact for the parents configured (GATEWAY_CJG_CONTACT)."""
    return create_app(Settings(database_url=database_url, cjg_contact=CONTACT), publish=published.extend)


def _text(html: str) -> str:
    return " ".join(" ".join(lxml.html.document_fromstring(html).body.itertext()).split())


def _beschikking(client, parties, published, app, xml: bytes, decision: dict | None = None) -> tuple[dict, str]:
    """Send `xml`, decide it when given (else it is granted automatically), carry it out: the
    beschikking's JSON and its letter (the API's HTML document)."""
    assert post(client, parties["provider"], xml).status_code == 202
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    if decision is not None:
        answer = besluit(client, parties["gemeente"], aanvraag["id"], decision)
        assert answer.status_code == 202, answer.text
        run_work(app, published)
    gemeente = json_auth(parties["gemeente"])
    href = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["href"]
    document = client.get(href + "/document", headers=gemeente)
    assert document.status_code == 200
    return client.get(href, headers=gemeente).json(), _text(document.text)


def test_a_partial_grant_reads_as_one_beside_what_was_asked_with_the_motivering(client, parties, published, app):
    data, text = _beschikking(client, parties, published, app, request(GEEN_OVEREENSTEMMING, "BRF-1"), {
        "besluit": "toekennen", "producten": [{"referentie_aanbieder": "VB-REF-0002", "volume": 5}],
        "motivering": MOTIVERING})
    assert data["gedeeltelijk"] is True
    [product] = data["producten"]
    assert product["uitkomst"] == "gedeeltelijk"
    assert product["aangevraagd"]["omvang"] == "6 uur per week" and product["omvang"] == "5 uur per week"
    assert "wij kennen jeugdhulp gedeeltelijk toe" in text and "U krijgt minder dan u heeft gevraagd" in text
    assert "Ons besluit: wij kennen jeugdhulp toe" not in text
    doc = lxml.html.document_fromstring(client.get(
        f"/api/v1/beschikkingen/{data['nummer']}/document", headers=json_auth(parties["gemeente"])).text)
    [table] = doc.xpath("//table[contains(@class, 'vergelijking')]")
    assert [th.text_content() for th in table.xpath(".//thead//th")] == ["Jeugdhulp", "Gevraagd", "Toegekend",
                                                                          "Besluit"]
    row = " ".join(table.xpath(".//tbody/tr")[0].text_content().split())
    assert "6 uur per week" in row and "5 uur per week" in row and "Gedeeltelijk toegekend" in row
    assert "Toegekend 5 uur van de gevraagde 6 uur per week." in row
    assert "Waarom wij zo besluiten" in text and MOTIVERING in text


def test_a_minor_is_addressed_through_the_parents_at_the_address_of_the_aanvraag(client, parties, published, app):
    data, text = _beschikking(client, parties, published, app, request(GEEN_OVEREENSTEMMING, "BRF-2"),
                              {"besluit": "toekennen"})
    assert data["geadresseerde"] == {"aan": "Aan de ouder(s)/verzorger(s) van L ten Hoek", "minderjarig": True,
                                     "adres": ["Javastraat 192", "1094HB Amsterdam"]}
    assert "Aan de ouder(s)/verzorger(s) van L ten Hoek Javastraat 192 1094HB Amsterdam" in text
    assert "Beste ouder of verzorger," in text
    assert data["producten"][0]["uitkomst"] == "toegekend" and data["gedeeltelijk"] is False
    assert "Ons besluit: wij kennen jeugdhulp toe" in text and "Toegekend zoals gevraagd" in text
    assert "gedeeltelijk" not in text.lower()


def test_an_adult_is_addressed_in_person(client, parties, published, app):
    xml = request(GEEN_OVEREENSTEMMING, "BRF-3", edits=[("<ijw:Datum>2018-08-23<", "<ijw:Datum>2007-01-02<")])
    data, text = _beschikking(client, parties, published, app, xml, {"besluit": "toekennen"})
    assert data["geadresseerde"]["aan"] == "Aan L ten Hoek" and data["geadresseerde"]["minderjarig"] is False
    assert "Aan L ten Hoek Javastraat 192" in text and "Beste L ten Hoek," in text
    assert "ouder(s)/verzorger(s)" not in text


def test_a_rejection_says_its_reason_in_words_with_the_code_as_a_detail(client, parties, published, app):
    data, text = _beschikking(client, parties, published, app, request(GEEN_OVEREENSTEMMING, "BRF-4"),
                              {"besluit": "afwijzen", "reden_afwijzing": "7"})
    assert data["reden_afwijzing"]["omschrijving"] == "Zorginhoudelijke afkeur"
    assert "wij wijzen uw aanvraag af" in text
    assert "deze hulp niet passend of niet nodig is" in text
    assert "Reden van afwijzing: Zorginhoudelijke afkeur (code 7" in text
    assert data["producten"][0]["uitkomst"] == "afgewezen"
    assert "Wat u heeft gevraagd" in text and "Afgewezen" in text


def test_a_pgb_states_its_amount_from_the_contract_tariff(client, parties, published, app):
    # 4 uur per week of 45A01 at € 98,00 per uur (mappings/producten.toml): € 392,00 per week.
    xml = request("AGJ", "BRF-5", edits=[("<agj:Leveringsvorm>ZIN<", "<agj:Leveringsvorm>PGB<")])
    data, text = _beschikking(client, parties, published, app, xml)
    assert data["producten"][0]["pgb"]["eurocent"] == 39200
    assert "Uw persoonsgebonden budget" in text
    assert "€ 392,00 per week" in text and "4 uur × tarief € 98,00 per uur" in text


def test_the_letter_says_whom_to_contact(client, parties, published, app, database_url):
    data, text = _beschikking(client, parties, published, app, request("AGJ", "BRF-6"))
    expected = CONTACT.replace("{gemeente}", "Amsterdam")
    assert data["contact"] == expected and f"Vragen? {expected}" in text
    assert "uiterlijk op" in text  # the bezwaar deadline stays


def test_without_a_configured_contact_the_letter_names_the_gemeentes_cjg(parties, published, database_url, engine):
    unconfigured = create_app(Settings(database_url=database_url), publish=published.extend)
    with TestClient(unconfigured) as client:
        data, text = _beschikking(client, parties, published, unconfigured, request("AGJ", "BRF-7"))
    assert "Centrum voor Jeugd en Gezin (CJG) van gemeente Amsterdam" in data["contact"]
    assert "Vragen? Heeft u vragen over dit besluit?" in text


def _pdf_titles(pdf: bytes) -> list[str]:
    """The PDF's title and bookmarks, read from its (deflated) object streams: enough to see
    which beschikking it is without a PDF library."""
    raw = pdf + b"".join(zlib.decompressobj().decompress(m) for m in re.findall(rb"stream\r?\n(.*?)endstream",
                                                                               pdf, re.S))
    titles = [t.decode("latin-1") for t in re.findall(rb"/Title \(((?:[^()\\]|\\.)*)\)", raw)]
    titles += [bytes.fromhex(h.decode()).decode("utf-16-be") for h in re.findall(rb"/Title <feff([0-9a-f]+)>", raw)]
    return titles


def test_the_letter_as_pdf_through_the_api(client, parties, published, app):
    data, _ = _beschikking(client, parties, published, app, request("AGJ", "BRF-8"))
    answer = client.get(f"/api/v1/beschikkingen/{data['nummer']}/document.pdf", headers=json_auth(parties["gemeente"]))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="beschikking-{data["nummer"]}.pdf"'
    assert answer.content.startswith(b"%PDF-")
    assert answer.headers["cache-control"] == "no-store"  # personal data: kept by no cache
    titles = _pdf_titles(answer.content)
    assert f"Beschikking {data['nummer']} – gemeente Amsterdam" in titles
    assert "Besluit over uw aanvraag jeugdhulp" in titles and "Vragen?" in titles
    assert client.get(f"/api/v1/beschikkingen/{data['nummer']}/document.pdf",
                      headers=json_auth(parties["provider"])).status_code == 403


def test_the_pdf_fetches_nothing(monkeypatch):
    """Whatever the letter held, rendering asks the refusing fetcher and nobody else."""
    from weasyprint.urls import URLFetcher

    from gateway.web import documents

    asked = []

    def record(self, url, headers=None):
        asked.append(url)
        raise ValueError("refused")

    monkeypatch.setattr(URLFetcher, "fetch", record)
    html = documents.render_beschikking({"gewist": False, **_minimal()}).replace(
        "</main>", '<img src="http://127.0.0.1:9/x.png"></main>')
    monkeypatch.setattr(documents, "render_beschikking", lambda data: html)
    pdf = documents.render_beschikking_pdf({})
    assert pdf.startswith(b"%PDF-")
    assert asked == []  # the Refusing subclass answered: URLFetcher's own fetch was never reached


def _minimal() -> dict:
    return {"nummer": "0363-2026-000001", "datum": "2026-11-23", "soort": "toekenning", "leveringsvorm": "ZIN",
            "bezwaar_uiterlijk": "2027-01-04", "client": {"bsn": "999994323", "naam": "Sem", "geboortedatum": None},
            "gemeente": {"code": "0363", "naam": "Amsterdam"}, "aanbieder": {"agb": "1", "naam": "A"},
            "hulpvraag": None, "contextanalyse": None, "resultaten": [], "toestemming_ouders": None,
            "aanvraag_dagtekening": "2026-11-20", "producten": [], "reden_afwijzing": None, "bezwaren": []}


def test_the_pdf_in_the_back_office_and_a_bezwaar_decided_on_the_page(client, parties, published, app, users,
                                                                     sessions):
    data, _ = _beschikking(client, parties, published, app, request("AGJ", "BRF-9"))
    with sessions() as session:
        beschikking = session.scalar(select(Beschikking).where(Beschikking.nummer == data["nummer"]))
        beschikking_id, uiterlijk = beschikking.id, beschikking.bezwaar_uiterlijk
    gemeente = json_auth(parties["gemeente"])
    bezwaar = client.post(f"/api/v1/beschikkingen/{data['nummer']}/bezwaren", headers=gemeente,
                          json={"ontvangen_op": data["datum"], "indiener": "moeder"}).json()
    login(client, "marieke")
    path = f"/beschikkingen/{beschikking_id}"

    pdf = client.get(f"{path}/document.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and data["nummer"] in pdf.headers["content-disposition"]
    assert pdf.headers["cache-control"] == "no-store"
    assert f"Beschikking {data['nummer']} – gemeente Amsterdam" in _pdf_titles(pdf.content)

    page = client.get(path)
    termijn = uiterlijk + timedelta(weeks=6)
    verdaagd = termijn + timedelta(weeks=6)
    assert f"Beslissen op bezwaar uiterlijk</dt><dd>{datum_nl(termijn)}" in page.text
    assert "Awb 7:10" in page.text and datum_nl(verdaagd) in page.text
    assert f'href="{path}/document.pdf"' in page.text
    action = f'{path}/bezwaren/{bezwaar["id"]}/afhandeling'
    assert f'action="{action}"' in page.text

    token = csrf_of(page.text)
    forged = client.post(action, data={"csrf_token": "fout", "uitkomst": "gegrond"}, follow_redirects=False)
    assert forged.status_code == 403
    unknown = client.post(action, data={"csrf_token": token, "uitkomst": "misschien"}, follow_redirects=False)
    assert unknown.status_code == 422 and "is een van gegrond, ongegrond, ingetrokken" in unknown.text
    decided = client.post(action, data={"csrf_token": token, "uitkomst": "gegrond"}, follow_redirects=False)
    assert decided.status_code == 303 and decided.headers["location"] == f"{path}?bezwaar=afgehandeld"
    with sessions() as session:
        stored = session.get(Bezwaar, bezwaar["id"])
        assert (stored.status, stored.afgehandeld_op) == ("gegrond", date.fromisoformat(data["datum"]))
        assert session.scalar(select(AuditRegel.gebruiker).where(AuditRegel.actie == "bezwaar_afgehandeld")) \
            == "marieke"
    after = client.get(decided.headers["location"]).text
    assert "Het bezwaar is afgehandeld." in after and f'action="{action}"' not in after
    assert "gegrond: u krijgt gelijk" in after  # the letter on the page says it too
    again = client.post(action, data={"csrf_token": token, "uitkomst": "ongegrond"}, follow_redirects=False)
    assert again.status_code == 409
