"""The prestatie records the declaration rules read (gateway/rules/declaratie_regels.py): raw
texts, white space included, None where an element is absent, clients and lines in document
order, and the elements a finding points at."""
from __future__ import annotations

from pathlib import Path

from gateway.reference import ReferenceData
from gateway.rules.declaratie_regels import regels
from gateway.rules.engine import RuleContext
from tests.support import TODAY, check, edit

BERICHTEN = Path(__file__).resolve().parents[1] / "fixtures" / "berichten"
PRESTATIE_START = "<jw323:Prestatie>"


def _context(xml: bytes) -> RuleContext:
    result = check(xml, max_level=2)
    assert result.parsed is not None, result.schema_errors
    return RuleContext(result.parsed, TODAY, ReferenceData(gemeenten={}, producten={}, regels={},
                                                           retourcodes={}))


def _local(element) -> str:
    return element.tag.split("}")[1]


def test_the_example_line_as_written():
    [regel] = regels(_context((BERICHTEN / "JW323-declaratie.xml").read_bytes())).regels
    assert (regel.referentie_text, regel.heeft_vorig, regel.vorig_text) == ("P2026100001", False, None)
    assert (regel.toewijzingnummer, regel.categorie, regel.code) == ("100001", "45", "45A01")
    assert (regel.periode.begin_text, regel.periode.eind_text) == ("2026-10-01", "2026-10-31")
    assert (regel.volume, regel.eenheid_text, regel.tarief) == ("16", "04", "9800")
    assert (regel.bedrag, regel.debet_credit) == ("156800", "D")
    assert regel.vorig() is None


def test_raw_white_space_absent_tarief_and_a_second_client_in_document_order():
    xml = (BERICHTEN / "JW323-declaratie.xml").read_bytes()
    xml = edit(xml, "<ijw:Begindatum>2026-10-01</ijw:Begindatum>\n              <ijw:Einddatum>",
               "<ijw:Begindatum> 2026-10-01</ijw:Begindatum>\n              <ijw:Einddatum>")
    xml = edit(xml, "</ijw:ReferentieNummer>",
               "</ijw:ReferentieNummer><ijw:VorigReferentieNummer>OUD1 </ijw:VorigReferentieNummer>")
    xml = edit(xml, "<jw323:ProductTarief>9800</jw323:ProductTarief>", "")
    text = xml.decode()
    client = text[text.index("<jw323:Client>"):text.index("</jw323:Client>") + len("</jw323:Client>")]
    second = client.replace("999994323", "111222333").replace("P2026100001", "P2")
    xml = text.replace(client, client + second).encode()

    gelezen = regels(_context(xml))
    assert [c.bsn.text for c in gelezen.clients] == ["999994323", "111222333"]
    assert [r.referentie_text for r in gelezen.regels] == ["P2026100001", "P2"]
    first = gelezen.regels[0]
    assert first.periode.begin_text == " 2026-10-01"
    assert (first.heeft_vorig, first.vorig_text, first.tarief) == (True, "OUD1 ", None)
    assert [_local(e) for e in (first.referentie(), first.vorig(), first.eenheid(), first.ingediend(),
                                first.periode.element(), first.periode.begin(), first.periode.eind())] == [
        "ReferentieNummer", "VorigReferentieNummer", "Eenheid", "IngediendBedrag", "ProductPeriode",
        "Begindatum", "Einddatum"]
    assert first.vorig().text == "OUD1 "
    assert gelezen.clients[1].regels[0].element.getparent().getparent() is gelezen.clients[1].element


def test_read_once_per_check():
    ctx = _context((BERICHTEN / "JW323-declaratie.xml").read_bytes())
    assert regels(ctx) is regels(ctx)


def test_the_lines_a_jw325_echoes():
    [regel] = regels(_context((BERICHTEN / "JW325-declaratie-antwoord.xml").read_bytes())).regels
    assert (regel.referentie_text, regel.periode.begin_text) == ("P2026100001", "2026-10-01")
    assert _local(regel.element) == "Prestatie" and regel.debet_credit in ("D", "C")
