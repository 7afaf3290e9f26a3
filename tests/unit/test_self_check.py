"""The self-check of every message the gateway sends (`uitgaand.self_check`): it passes what
the renderers make from valid input and refuses a broken message of every kind, at the XSD,
at level 2 and, for a heen-bericht, at level 4; a retour is judged at levels 1 and 2 only."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from lxml import etree

from gateway.domain.berichten import uitgaand
from gateway.domain.berichten.uitgaand import UitgaandOngeldig, self_check
from gateway.messages import BY_NAME, SENT
from gateway.model import declaratie
from gateway.render.jw325 import render_jw325
from gateway.render.outbound import Kop, ToegewezenProductRegel, render_jw301, render_jw319
from gateway.render.retour import render_retour
from gateway.rules.check import check_schema
from gateway.rules.engine import Finding, Outcome
from gateway.xml.safe import Limits
from tests.support import FIXTURES, TODAY, edit, example, reference, schemas

KOP = Kop("0363", "12345678", "T00000000001", TODAY)
BAD_BSN = "123456789"  # fails the 11-proef (CS002)
HEEN = {"JW306": "JW305", "JW308": "JW307", "JW316": "JW315", "JW318": "JW317", "AGR": "AGJ"}


def parsed(xml: bytes):
    result = check_schema(xml, schemas=schemas(), limits=Limits())
    assert result.parsed is not None, result.schema_errors
    return result.parsed


def judge(tree: etree._ElementTree, today: date = TODAY):
    return self_check(tree, schemas=schemas(), reference=reference(), today=today)


def refused(tree: etree._ElementTree, today: date = TODAY) -> str:
    with pytest.raises(UitgaandOngeldig) as refusal:
        judge(tree, today)
    assert refusal.value.status == 500 and refusal.value.slug == "eigen-controle"
    return str(refusal.value)


def find(tree: etree._ElementTree, path: str) -> etree._Element:
    namespace = etree.QName(tree.getroot()).namespace
    found = tree.getroot().find(path.replace("m:", f"{{{namespace}}}").replace(
        "b:", "{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}"))
    assert found is not None, path
    return found


# -- JW301 ----------------------------------------------------------------------------------------
def jw301(**changes) -> etree._ElementTree:
    client = parsed(example("JW301")).find("m:Client")
    client = etree.fromstring(etree.tostring(client))
    client.remove(client.find("{*}ToegewezenProducten"))
    regel = dict(nummer=1, referentie="VB-REF-0001", categorie="45", code="45A01",
                 toewijzingsdatum=TODAY, toewijzingstijd="12:00:00", ingangsdatum=date(2026, 9, 15),
                 einddatum=date(2027, 3, 14), reden_wijziging=None, volume=4, eenheid="04",
                 frequentie="2", budget=None)
    regel.update(changes)
    return render_jw301(KOP, client, [ToegewezenProductRegel(**regel)], schemas())


def test_a_rendered_jw301_passes_and_is_serialised_from_the_same_tree():
    tree = jw301()
    checked = judge(tree)
    assert checked.parsed.tree is tree  # read as rendered: no second parse
    assert checked.body == etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    assert checked.parsed.all_texts("ToewijzingNummer") == ["1"]


def test_a_jw301_with_a_bsn_failing_the_11_proef_is_refused():
    tree = jw301()
    find(tree, "m:Client/m:Bsn").text = BAD_BSN
    text = refused(tree)
    assert "JW301" in text and "CS002 /Bericht/Client/Bsn" in text
    assert BAD_BSN not in text  # codes and paths only: the text may be logged


def test_a_jw301_against_its_schema_is_refused_without_quoting_the_value():
    tree = jw301()
    find(tree, "m:Client/m:Bsn").text = "12345"  # not nine digits
    text = refused(tree)
    assert "XSD" in text and "Bsn" in text and "12345" not in text


def test_a_jw301_with_einddatum_before_ingangsdatum_is_refused():
    text = refused(jw301(einddatum=date(2026, 9, 1)))
    assert "CS003" in text


def test_a_jw301_dated_after_today_is_refused_at_level_4():
    text = refused(jw301(), today=TODAY - timedelta(days=1))
    assert "TR135" in text


# -- JW319 ----------------------------------------------------------------------------------------
def jw319(antwoord="1", reden="3", woonplaats=None) -> etree._ElementTree:
    return render_jw319(KOP, referentie="VB-REF-0003", verzoek_antwoord=antwoord, reden=reden,
                        woonplaatsbeginsel=woonplaats, schemas=schemas())


@pytest.mark.parametrize("antwoord, reden, woonplaats", [("1", "3", None), ("1", "8", "0599"), ("2", None, None)])
def test_rendered_jw319s_pass(antwoord, reden, woonplaats):
    judge(jw319(antwoord, reden, woonplaats))


@pytest.mark.parametrize("antwoord, reden, woonplaats, code", [
    ("1", None, None, "CD085"),  # afgewezen without a reason
    ("2", "3", None, "CD086"),  # in onderzoek with a reason
    ("1", "8", None, "TR377"),  # woonplaatsbeginsel without the gemeente
    ("1", "3", "0599", "TR409"),  # a gemeente without reason 8
])
def test_a_broken_jw319_is_refused(antwoord, reden, woonplaats, code):
    assert code in refused(jw319(antwoord, reden, woonplaats))


# -- JW325 ----------------------------------------------------------------------------------------
def jw325(findings=()) -> etree._ElementTree:
    msg = parsed((FIXTURES / "berichten" / "JW323-declaratie.xml").read_bytes())
    found = [f(msg) for f in findings]
    return render_jw325(KOP, msg, declaratie.antwoord(msg, found), schemas())


def _line_rejected(msg):
    prestatie = msg.find("m:Declaratie/m:Clienten/m:Client/m:Prestaties/m:Prestatie")
    return Finding("TR346", "9346", 3, msg.location(prestatie), prestatie)


def _level_2(msg):
    return Finding("CS340", "0001", 2, "/Bericht/Declaratie/DeclaratiePeriode", None)


@pytest.mark.parametrize("findings", [(), (_line_rejected,), (_level_2,)], ids=["8001", "line", "0001"])
def test_rendered_jw325s_pass(findings):
    judge(jw325(findings))


def test_a_jw325_against_its_schema_is_refused():
    tree = jw325((_line_rejected,))
    find(tree, "m:DeclaratieAntwoord/m:TotaalToegekendBedrag/b:DebetCredit").text = "X"
    assert "XSD" in refused(tree)


def test_a_jw325_with_a_bad_bsn_is_refused():
    # CS002 on Clienten/Client/Bsn is a JW325 rule of the official rule set (facts, JW325
    # level 2).
    tree = jw325((_line_rejected,))
    find(tree, "m:DeclaratieAntwoord/m:Clienten/m:Client/m:Bsn").text = BAD_BSN
    assert "CS002" in refused(tree)


# -- the retours the intake answers with ------------------------------------------------------------
def retour(name: str, outcome: Outcome | None = None) -> etree._ElementTree:
    msg = parsed(example(HEEN[name]))
    return render_retour(msg, outcome or Outcome([]), identificatie="R00000000001", today=TODAY,
                         schemas=schemas())


def echo(name: str) -> etree._ElementTree:
    msg = parsed(example(HEEN[name]))
    client = msg.find("m:Client")
    return retour(name, Outcome([Finding("TR056", "9019", 3, msg.location(client), client)]))


@pytest.mark.parametrize("name", sorted(HEEN))
def test_rendered_retours_pass(name):
    judge(retour(name))
    judge(echo(name))


@pytest.mark.parametrize("name", sorted(HEEN))
def test_a_retour_against_its_schema_is_refused(name):
    tree = retour(name)
    find(tree, "m:Header/m:IdentificatieRetour").text = "R" * 13  # LDT_IdentificatieBericht: 12 at most
    assert f"{name} afgekeurd" in refused(tree)


@pytest.mark.parametrize("name", sorted(HEEN))
def test_an_echo_with_a_bad_bsn_is_refused(name):
    # The official rule set applies CS002 to every retour's echoed Client/Bsn (facts §3.2).
    tree = echo(name)
    find(tree, "m:Client/m:Bsn").text = BAD_BSN
    assert "CS002" in refused(tree)


def test_a_retour_is_judged_at_levels_1_and_2_a_heen_bericht_also_at_level_4(monkeypatch):
    # A retour copies the Header of the message it answers (IV028): a Dagtekening after
    # today (8848 for the heen-bericht) is what the retour reports, not a fault of ours.
    xml = edit(example("JW305"), "<ijw:Dagtekening>2026-09-22<", "<ijw:Dagtekening>2026-12-31<")
    msg = parsed(xml)
    header = msg.find("m:Header/m:BerichtIdentificatie/b:Dagtekening")
    tree = render_retour(msg, Outcome([Finding("TR135", "8848", 4, msg.location(header), header)]),
                         identificatie="R00000000001", today=TODAY, schemas=schemas())
    levels = []
    real = uitgaand.check_rules

    def spy(result, **kw):
        levels.append(kw["max_level"])
        return real(result, **kw)

    monkeypatch.setattr(uitgaand, "check_rules", spy)
    judge(tree)
    judge(jw301())
    assert levels == [2, 4]


def test_every_type_the_gateway_sends_is_covered_here():
    covered = {"JW301", "JW319", "JW325"} | set(HEEN)
    assert covered == set(SENT)
    assert all(BY_NAME[HEEN[name]].retour == name for name in HEEN)
