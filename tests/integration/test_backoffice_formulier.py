"""The aanvraagformulier entry form (/aanvraagformulier, issue 5 item 4): the CJG records an
aanvraag, which becomes the same AGJ a provider would send (Afzender: the chosen provider) and
goes through the same intake: stored, validated, answered, decided by the worker."""
from __future__ import annotations

import re
from html import unescape

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.db.models import Aanvraag, AuditRegel, Bericht, Bevinding, Client, Outbox, Partij
from gateway.domain.beheer import audit
from gateway.intake import answers
from gateway.web import formulier
from gateway.web.forms.aanvraagformulier import PRODUCTVELDEN
from gateway.web.views.regelrapport import veld_van_locatie
from tests.backoffice import csrf_of, login
from tests.route import run_work
from tests.support import TODAY, reference, schemas

NS = {"agj": "urn:jeugdhulp-gateway:aanvraag:1.0",
      "ijw": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"}
PAD = "/aanvraagformulier"


def geldig(**wijzigingen: str) -> dict[str, str]:
    """A complete form: 45A01 4 uur per week for six months, within the catalogue's norms."""
    data = {
        "gemeente": "0363", "aanbieder": "12345678", "verwijzer": "",
        "bsn": "999994323", "geboortedatum": "2018-02-22", "geslacht": "2",
        "voornamen": "Sem", "voorletters": "", "voorvoegsel": "de", "achternaam": "Wit",
        "contact_soort": "01", "straatnaam": "Damrak", "huisnummer": "96", "huisletter": "B",
        "toevoeging": "", "postcode": "1012 lg", "plaatsnaam": "Amsterdam", "telefoon": "06-12345678",
        "email": "ouders@example.nl",
        "hulpvraag": "Ouders vragen hulp bij de driftbuien van hun dochter.",
        "contextanalyse": "Twee ouders, één kind; school is betrokken.",
        "resultaten": "Minder escalaties thuis.\r\n\r\nDochter gaat weer elke dag naar school.\r\n",
        "toestemming_ouders": "2026-11-02", "afstemming_datum": "20-11-2026",
        "overeenstemming": "ja", "toelichting": "", "leveringsvorm": "ZIN",
        "product_1": "45/45A01", "ingangsdatum_1": "2026-12-01", "einddatum_1": "2027-05-31",
        "volume_1": "4", "eenheid_1": "", "frequentie_1": "", "referentie_1": "",
    }
    for n in (2, 3):  # empty rows are ignored
        data.update({f"{veld}_{n}": "" for veld in PRODUCTVELDEN})
    data.update(wijzigingen)
    return data


def indienen(client, data: dict[str, str]):
    page = client.get(PAD)
    assert page.status_code == 200, page.text
    return client.post(PAD, data={**data, "csrf_token": csrf_of(page.text), "actie": "indienen"},
                       follow_redirects=False)


def berichten(sessions) -> list[Bericht]:
    with sessions() as session:
        return list(session.scalars(select(Bericht).order_by(Bericht.id)))


def ingevoerd(sessions) -> list[AuditRegel]:
    with sessions() as session:
        return list(session.scalars(select(AuditRegel).where(AuditRegel.actie == audit.AANVRAAG_INGEVOERD)))


def agj(bericht: Bericht) -> etree._Element:
    return etree.fromstring(bericht.inhoud)


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


@pytest.fixture
def cjg(client, parties, users):
    login(client, users["cjg"])
    return client


def test_the_form_offers_gemeenten_providers_and_the_catalogue(cjg):
    page = cjg.get(PAD)
    assert page.status_code == 200
    assert "Nieuwe aanvraag" in page.text and 'name="csrf_token"' in page.text
    assert '<option value="0363" selected>Amsterdam</option>' in page.text  # the only gemeente
    assert "Zorg BV (AGB 12345678)" in page.text and "Ander BV (AGB 87654321)" in page.text
    assert "45A01 Jeugdhulp ambulant individueel" in page.text
    assert "ten hoogste 8 uur per week, 12 maanden" in page.text
    assert "43A01 Verblijf inclusief behandeling" in page.text and "CJG beslist altijd" in page.text
    assert 'name="product_3"' in page.text and 'name="product_4"' not in page.text
    assert '<option value="2">Vrouwelijk</option>' in page.text


def test_a_complete_form_with_overeenstemming_is_stored_as_the_providers_agj_and_granted(
        cjg, sessions, app, published):
    answer = indienen(cjg, geldig())
    assert answer.status_code == 303, answer.text
    [bericht] = berichten(sessions)
    assert answer.headers["location"] == f"/berichten/{bericht.id}?ingevoerd=1"
    with sessions() as session:
        provider = session.scalar(select(Partij).where(Partij.soort == "aanbieder", Partij.code == "12345678"))
        assert bericht.partij_id == provider.id
        [outbox] = session.scalars(select(Outbox)).all()
        client_id = session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == "999994323"))
    assert (bericht.richting, bericht.berichttype, bericht.status) == ("in", "AGJ", "accepted")
    assert (bericht.afzender, bericht.ontvanger, bericht.bsn) == ("12345678", "0363", "999994323")
    assert bericht.dagtekening == TODAY and bericht.antwoord_status == 202
    assert re.fullmatch(r"CJG[0-9A-F]{9}", bericht.identificatie)
    assert (outbox.bericht_id, outbox.taak) == (bericht.id, "verwerk_agj")

    root = agj(bericht)
    assert schemas().for_message("AGJ").errors(etree.ElementTree(root)) == []
    assert root.tag == "{urn:jeugdhulp-gateway:aanvraag:1.0}Bericht"
    assert texts(root, "/agj:Bericht/agj:Header/agj:BerichtCode") == ["AGJ"]
    assert texts(root, "//agj:XsdVersie/ijw:BerichtXsdVersie") == ["1.0.0"]
    assert texts(root, "//agj:Client/agj:Naam/ijw:Voorletters") == ["S"]  # from the first name
    assert texts(root, "//agj:Client/agj:Naam/ijw:NaamGebruik") == ["1"]
    assert texts(root, "//agj:Contact/agj:Adres/ijw:Postcode") == ["1012LG"]
    assert texts(root, "//agj:Contact/agj:Adres/ijw:LandCode") == ["NL"]
    assert texts(root, "//agj:Contact/agj:Telefoon/ijw:Telefoon01/ijw:Telefoonnummer") == ["0612345678"]
    assert texts(root, "//agj:Resultaten/agj:Resultaat") == [
        "Minder escalaties thuis.", "Dochter gaat weer elke dag naar school."]
    assert texts(root, "//agj:Afstemming/agj:Datum") == ["2026-11-20"]
    assert texts(root, "//agj:Afstemming/agj:Overeenstemming") == ["1"]
    assert texts(root, "//agj:Afstemming/agj:Toelichting") == []
    [referentie] = texts(root, "//agj:AangevraagdProduct/agj:ReferentieAanbieder")
    assert re.fullmatch(r"CJG-20261123-[0-9A-F]{9}-1", referentie)
    assert texts(root, "//agj:AangevraagdProduct/agj:Omvang/ijw:Eenheid") == ["04"]  # from the catalogue
    assert texts(root, "//agj:AangevraagdProduct/agj:Omvang/ijw:Frequentie") == ["2"]
    assert texts(root, "//agj:Verwijzer/ijw:Type") == ["01"]
    assert texts(root, "//agj:Verwijzer/ijw:Naam") == ["CJG Amsterdam"]

    [entry] = ingevoerd(sessions)
    assert (entry.gebruiker, entry.object_type, entry.object_id) == ("marieke", "bericht", str(bericht.id))
    assert entry.client_id == client_id is not None

    assert run_work(app, published) == ["done"]
    with sessions() as session:
        aanvraag = session.scalar(select(Aanvraag))
        assert (aanvraag.bericht_id, aanvraag.status, aanvraag.automatisch) == (bericht.id, "toegekend", True)
        assert [p.referentie_aanbieder for p in aanvraag.producten] == [referentie]


def test_geen_overeenstemming_goes_to_the_cjg_queue(cjg, sessions, app, published):
    answer = indienen(cjg, geldig(overeenstemming="nee", toelichting="Aanbieder wil meer uren.",
                                  referentie_1="MIJN-REF-1", aanbieder="87654321"))
    assert answer.status_code == 303, answer.text
    [bericht] = berichten(sessions)
    assert bericht.status == "accepted" and bericht.afzender == "87654321"
    root = agj(bericht)
    assert texts(root, "//agj:Afstemming/agj:Overeenstemming") == ["2"]
    assert texts(root, "//agj:Afstemming/agj:Toelichting") == ["Aanbieder wil meer uren."]
    assert texts(root, "//agj:AangevraagdProduct/agj:ReferentieAanbieder") == ["MIJN-REF-1"]
    assert run_work(app, published) == ["done"]
    with sessions() as session:
        aanvraag = session.scalar(select(Aanvraag))
    assert (aanvraag.status, aanvraag.automatisch) == ("te_beoordelen", False)
    assert [r["code"] for r in aanvraag.beoordeling] == ["geen_overeenstemming"]
    assert "Aanbieder wil meer uren." in aanvraag.beoordeling[0]["message"]


def test_missing_and_malformed_fields_are_shown_beside_the_fields_and_nothing_is_stored(cjg, sessions):
    data = geldig(bsn="", achternaam="", hulpvraag="   ", geboortedatum="31-02-2018",
                  postcode="AB 1234", overeenstemming="", volume_1="vier", telefoon="06-ABC",
                  product_2="45/45A02")  # a started second row without its dates and volume
    del data["leveringsvorm"]
    answer = indienen(cjg, data)
    assert answer.status_code == 400
    html = answer.text
    for veld in ("bsn", "achternaam", "hulpvraag", "geboortedatum", "postcode", "overeenstemming",
                 "leveringsvorm", "volume_1", "telefoon", "ingangsdatum_2", "volume_2"):
        assert f'id="{veld}-fout"' in html, veld
    assert re.search(r'id="bsn"[^>]*aria-invalid="true"', html)
    assert "Vul het BSN in." in html and "Vul een geldige datum in" in html
    assert "Een postcode is 4 cijfers en 2 letters" in html
    assert "Het formulier is niet verstuurd" in html
    # The values are kept.
    assert 'value="Damrak"' in html and 'value="31-02-2018"' in html and 'value="AB 1234"' in html
    assert "Minder escalaties thuis." in html
    assert '<option value="45/45A02" selected>' in html
    assert berichten(sessions) == [] and ingevoerd(sessions) == []


def test_a_form_without_products_asks_for_one(cjg, sessions):
    answer = indienen(cjg, geldig(product_1="", ingangsdatum_1="", einddatum_1="", volume_1=""))
    assert answer.status_code == 400
    assert 'id="producten-fout"' in answer.text and "Vraag ten minste één product aan." in answer.text
    assert berichten(sessions) == []


def test_a_rule_the_form_does_not_check_stores_the_rejected_message_and_explains_it(cjg, sessions, published):
    # Toestemming of the parents after the Dagtekening (today): AG001.
    answer = indienen(cjg, geldig(toestemming_ouders="2026-11-24"))
    assert answer.status_code == 422
    [bericht] = berichten(sessions)
    assert (bericht.status, bericht.niveau, bericht.retourcodes) == ("rejected", 2, ["0001"])
    assert bericht.berichttype == "AGJ" and bericht.antwoord_status == 422
    html = answer.text
    assert "AG001" in html and "0001" in html
    assert "De datum van de toestemming van de ouders (ToestemmingOuders) ligt na de dagtekening" in html
    # What to change, beside what the rule means (design.md §7).
    assert "<th>Uitleg</th><th>Hoe op te lossen</th>" in html
    assert f"<td>{reference().remedy('AG001')}</td>" in unescape(html)
    assert f'href="/berichten/{bericht.id}"' in html
    assert re.search(r'id="toestemming_ouders"[^>]*aria-invalid="true"', html)
    assert 'value="2026-11-24"' in html and 'value="Damrak"' in html  # the form is kept
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0
        assert [b.code for b in session.scalars(select(Bevinding))] == ["AG001"]
    assert published == []
    [entry] = ingevoerd(sessions)  # entered, though rejected; no client id for a rejected message
    assert entry.object_id == str(bericht.id) and entry.client_id is None


def test_a_bsn_failing_the_elfproef_and_an_end_before_the_start_are_rule_rejections(cjg, sessions):
    answer = indienen(cjg, geldig(bsn="123456789", einddatum_1="2026-11-30"))
    assert answer.status_code == 422
    html = answer.text
    assert "CS002" in html and "elfproef" in html
    assert "CS003" in html
    assert re.search(r'id="bsn"[^>]*aria-invalid="true"', html)
    assert re.search(r'id="einddatum_1"[^>]*aria-invalid="true"', html)
    [bericht] = berichten(sessions)
    assert bericht.status == "rejected" and bericht.bsn == "123456789"


def test_a_second_open_aanvraag_for_the_client_at_that_provider_is_refused_with_9374(cjg, sessions):
    assert indienen(cjg, geldig()).status_code == 303
    again = indienen(cjg, geldig())
    assert again.status_code == 422
    assert "TR374" in again.text and "9374" in again.text
    assert [b.status for b in berichten(sessions)] == ["accepted", "rejected"]


def test_the_same_form_posted_twice_is_one_message(cjg, sessions):
    page = cjg.get(PAD)
    data = {**geldig(), "csrf_token": csrf_of(page.text), "actie": "indienen",
            "sleutel": re.search(r'name="sleutel" value="([0-9A-F]+)"', page.text).group(1)}
    first = cjg.post(PAD, data=data, follow_redirects=False)
    second = cjg.post(PAD, data=data, follow_redirects=False)  # a double click or a reload
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert [b.status for b in berichten(sessions)] == ["accepted"]


def test_a_schema_error_is_stored_as_invalid_and_shown_with_the_schema_message(cjg, sessions, monkeypatch):
    # Nothing the form lets through breaks the XSD; a too-long identificatie stands in for a gap.
    monkeypatch.setattr(formulier, "identificatie_for", lambda sleutel: "CJG1234567890")
    answer = indienen(cjg, geldig())
    assert answer.status_code == 400
    [bericht] = berichten(sessions)
    assert (bericht.status, bericht.niveau) == ("invalid", 1)
    assert "XSD" in answer.text and "voldoet niet aan het berichtformaat" in answer.text
    assert "Identificatie" in answer.text  # lxml's message names the element
    assert f'href="/berichten/{bericht.id}"' in answer.text
    assert len(ingevoerd(sessions)) == 1


def test_an_agr_the_self_check_refuses_keeps_the_message_and_says_it_was_not_taken_in(
        cjg, sessions, monkeypatch):
    real = answers.render_retour

    def broken(*args, **kwargs):  # an AGR our own XSD refuses (IdentificatieRetour too long)
        tree = real(*args, **kwargs)
        tree.getroot().find("{*}Header/{*}IdentificatieRetour").text = "R" * 13
        return tree

    monkeypatch.setattr(answers, "render_retour", broken)
    answer = indienen(cjg, geldig())
    assert answer.status_code == 500
    [bericht] = berichten(sessions)
    assert (bericht.status, bericht.antwoord_status) == ("rejected", 500)
    assert f"bericht {bericht.id}" in answer.text and "niet in behandeling genomen" in answer.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0
    assert len(ingevoerd(sessions)) == 1


def test_extra_product_row_keeps_the_values_and_stores_nothing(cjg, sessions):
    page = cjg.get(PAD)
    answer = cjg.post(PAD, data={**geldig(achternaam="Jansen"), "csrf_token": csrf_of(page.text),
                                 "actie": "regel"}, follow_redirects=False)
    assert answer.status_code == 200
    assert 'name="product_4"' in answer.text and 'name="product_5"' not in answer.text
    assert 'value="Jansen"' in answer.text and 'id="achternaam-fout"' not in answer.text
    assert berichten(sessions) == []


def test_without_the_csrf_token_nothing_is_stored(cjg, sessions):
    answer = cjg.post(PAD, data={**geldig(), "actie": "indienen"}, follow_redirects=False)
    assert answer.status_code == 403
    assert berichten(sessions) == [] and ingevoerd(sessions) == []


def test_finance_may_not_use_the_form_and_admin_may(client, parties, users, sessions):
    login(client, users["finance"])
    assert client.get(PAD).status_code == 403
    refused = client.post(PAD, data={**geldig(), "actie": "indienen"}, follow_redirects=False)
    assert refused.status_code == 403 and "Geen toegang" in refused.text
    assert berichten(sessions) == []
    login(client, users["admin"])
    assert indienen(client, geldig()).status_code == 303
    assert [e.gebruiker for e in ingevoerd(sessions)] == ["beheer"]


def test_without_a_session_the_form_redirects_to_login(client, users):
    answer = client.get(PAD, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?volgende=%2Faanvraagformulier"


@pytest.mark.parametrize(("locatie", "veld"), [
    ("/Bericht/Client/Aanvraagformulier/ToestemmingOuders", "toestemming_ouders"),
    ("/Bericht/Client/Aanvraagformulier/Afstemming/Datum", "afstemming_datum"),
    ("/Bericht/Client/Geboortedatum/Datum", "geboortedatum"),
    ("/Bericht/Client/Contactgegevens/Contact/Adres/Postcode", "postcode"),
    ("/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]/ToewijzingEinddatum", "einddatum_3"),
    ("/Bericht/Client/AangevraagdeProducten/AangevraagdProduct/Omvang/Volume", "volume_1"),
    ("/agj:Bericht/agj:Client/agj:AangevraagdeProducten/agj:AangevraagdProduct[2]/agj:Product", "product_3"),
    ("/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[5]", None),
    ("/Bericht/Header/BerichtIdentificatie/Dagtekening", None),
    ("/Bericht/Client", None),
])
def test_a_findings_location_points_at_its_form_field(locatie, veld):
    assert veld_van_locatie(locatie, [1, 3]) == veld
