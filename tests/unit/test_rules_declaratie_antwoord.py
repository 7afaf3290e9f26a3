"""Level-2 rules the provider's XSLT runs on the JW325 we send (gateway/rules/
declaratie_antwoord.py; facts: ijw-facts-declaratie-en-retours.md §2.2): for every rule an
answer that breaks it and one that keeps it.

Answers are the JW325 example (tests/fixtures/berichten/JW325-declaratie-antwoord.xml: Header
Dagtekening 2026-11-10, the answer on the JW323 example with its one line P2026100001 rejected
with 9321: TotaalIngediend 156800 D, TotaalToegekend 0 D, DeclaratieAntwoord 0200), edited.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from gateway.domain.berichten.uitgaand import UitgaandOngeldig, self_check
from gateway.rules.engine import REGISTRY
from tests.support import TODAY, check, codes, edit, fails, passes, reference, schemas, valid_bsns

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "berichten"
           / "JW325-declaratie-antwoord.xml")
BSN = "999994323"
ANDER = valid_bsns(1)[0]
JW325_RULES = ("CD060", "CS002", "CS325", "TR101", "TR134", "TR137", "TR342")
NOT_ON_JW325 = ("CD087", "CS100", "CS337", "CS339", "CS340", "TR315", "TR316", "TR319", "TR335",
                "TR358", "TR416")


def antwoord() -> str:
    return FIXTURE.read_text("utf-8")


def _element(text: str, tag: str) -> str:
    found = re.search(rf"<{tag}>.*?</{tag}>", text, re.S)
    assert found, f"<{tag}> not in message"
    return found.group(0)


def changed(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        text = edit(text.encode(), old, new).decode()
    return text


def totalen(text: str, ingediend: tuple[str, str], toegekend: tuple[str, str]) -> str:
    for tag, (amount, dc) in (("jw325:TotaalIngediendBedrag", ingediend),
                              ("jw325:TotaalToegekendBedrag", toegekend)):
        text = changed(text, (_element(text, tag), f"<{tag}><ijw:TotaalBedrag>{amount}</ijw:TotaalBedrag>"
                                                   f"<ijw:DebetCredit>{dc}</ijw:DebetCredit></{tag}>"))
    return text


def antwoord_codes(text: str, *codes_: str) -> str:
    """The DeclaratieAntwoord's own RetourCodes (its last child) replaced."""
    head, tail = text.rsplit("<jw325:RetourCodes>", 1)
    rest = tail.split("</jw325:RetourCodes>", 1)[1]
    body = "".join(f"<jw325:RetourCode>{c}</jw325:RetourCode>" for c in codes_)
    return f"{head}<jw325:RetourCodes>{body}</jw325:RetourCodes>{rest}"


def zonder_clienten(text: str) -> str:
    return changed(text, (_element(text, "jw325:Clienten"), ""))


def prestatie(referentie: str = "P2026100001", *, vorig: str | None = None, dc: str = "D",
              bedrag: str = "156800", begin: str = "2026-10-01", eind: str = "2026-10-31",
              code: str = "9321") -> str:
    block = _element(antwoord(), "jw325:Prestatie")
    for tag, value in (("ijw:ReferentieNummer", referentie), ("ijw:Bedrag", bedrag),
                       ("ijw:DebetCredit", dc), ("ijw:Begindatum", begin), ("ijw:Einddatum", eind),
                       ("jw325:RetourCode", code)):
        block = changed(block, (_element(block, tag), f"<{tag}>{value}</{tag}>"))
    if vorig is not None:
        block = block.replace("</ijw:ReferentieNummer>", "</ijw:ReferentieNummer>"
                              f"<ijw:VorigReferentieNummer>{vorig}</ijw:VorigReferentieNummer>")
    return block


def met_prestaties(text: str, *blocks: str, bsn: str = BSN) -> str:
    """The example's one client with these prestaties."""
    lijst = _element(text, "jw325:Prestaties")
    return changed(text, (lijst, f"<jw325:Prestaties>{''.join(blocks)}</jw325:Prestaties>"),
                   (f"<jw325:Bsn>{BSN}</jw325:Bsn>", f"<jw325:Bsn>{bsn}</jw325:Bsn>"))


def met_clients(text: str, *clients: str) -> str:
    return changed(text, (_element(text, "jw325:Clienten"),
                          f"<jw325:Clienten>{''.join(clients)}</jw325:Clienten>"))


def client(bsn: str, *blocks: str) -> str:
    return (f"<jw325:Client><jw325:Bsn>{bsn}</jw325:Bsn><jw325:Prestaties>{''.join(blocks)}"
            "</jw325:Prestaties><jw325:RetourCodes><jw325:RetourCode>0200</jw325:RetourCode>"
            "</jw325:RetourCodes></jw325:Client>")


def only(text: str, code: str) -> None:
    assert codes(text.encode()) == [code], codes(text.encode())


def count(text: str, code: str) -> int:
    return sum(f.code == code for f in check(text.encode()).outcome.findings)


# -- the example and the registry ------------------------------------------------------------------
def test_the_example_passes():
    assert codes(antwoord().encode()) == []


def test_the_rules_of_the_jw325_are_registered_for_it_and_no_others():
    for code in JW325_RULES:
        spec = REGISTRY[code]
        assert (spec.level, spec.retourcode) == (2, "0001") and "JW325" in spec.messages, code
    level_2 = {c for c, spec in REGISTRY.items() if "JW325" in spec.messages and spec.level == 2}
    assert level_2 == set(JW325_RULES)
    assert not {c for c, spec in REGISTRY.items() if "JW325" in spec.messages and spec.level > 2}


def test_rules_the_xslt_does_not_run_on_a_jw325_leave_the_echoed_lines_alone():
    for code in NOT_ON_JW325:
        assert "JW325" not in REGISTRY[code].messages, code
    # A line across two months, in a month after the DeclaratiePeriode of its JW323 would be:
    # CS337 would fire on a JW323, not on the echo.
    text = met_prestaties(antwoord(), prestatie(begin="2026-09-01", eind="2026-11-10"))
    assert codes(text.encode()) == []


# -- CS002 -----------------------------------------------------------------------------------------
def test_cs002_listed_client_bsn():
    fails(changed(antwoord(), (f"<jw325:Bsn>{BSN}<", "<jw325:Bsn>123456789<")).encode(), "CS002")
    passes(changed(antwoord(), (f"<jw325:Bsn>{BSN}<", f"<jw325:Bsn>{ANDER}<")).encode(), "CS002")


# -- CD060 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("block", "ok"), [
    (prestatie(vorig="OUD1"), False),
    (prestatie(dc="C"), False),
    (prestatie(dc="C", vorig="  "), False),
    (prestatie(dc="C", vorig="OUD1"), True),
])
def test_cd060_on_the_listed_lines(block, ok):
    dc = "C" if "<ijw:DebetCredit>C<" in block else "D"
    text = totalen(met_prestaties(antwoord(), block), ("156800", dc), ("0", "D"))
    (passes if ok else fails)(text.encode(), "CD060")


# -- CS325 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["ingediend", "toegekend"])
def test_cs325_a_zero_total_may_not_be_credit(which):
    text = zonder_clienten(antwoord_codes(antwoord(), "9333"))
    zero_c = totalen(text, *((("0", "C"), ("0", "D")) if which == "ingediend" else (("0", "D"), ("0", "C"))))
    fails(zero_c.encode(), "CS325")
    passes(totalen(text, ("0", "D"), ("0", "D")).encode(), "CS325")


def test_cs325_a_zero_line_may_not_be_credit():
    text = totalen(met_prestaties(antwoord(), prestatie(dc="C", vorig="OUD", bedrag="0")),
                   ("0", "D"), ("0", "D"))
    only(text, "CS325")


# -- TR101 -----------------------------------------------------------------------------------------
def test_tr101_client_twice():
    text = met_clients(antwoord(), client(BSN, prestatie("A1", bedrag="100000")),
                       client(BSN, prestatie("B1", bedrag="56800")))
    only(text, "TR101")


def test_tr101_prestatie_twice_within_one_client():
    text = met_prestaties(antwoord(), prestatie("R1", bedrag="100000"), prestatie("R1", bedrag="56800"))
    only(text, "TR101")


def test_tr101_same_referentie_under_two_clients_or_with_another_vorig_passes():
    text = met_clients(antwoord(), client(BSN, prestatie("R1", bedrag="100000")),
                       client(ANDER, prestatie("R1", bedrag="56800")))
    passes(text.encode(), "TR101")
    text = met_prestaties(antwoord(), prestatie("R1", bedrag="156800"),
                          prestatie("R1", dc="C", vorig="OUD", bedrag="0"))
    passes(text.encode(), "TR101")


# -- TR134 / TR137 against the JW325's own Dagtekening ----------------------------------------------
def test_tr134_tr137_productperiode_after_the_jw325_dagtekening():
    text = met_prestaties(antwoord(), prestatie(begin="2026-11-11", eind="2026-11-11"))
    assert codes(text.encode()) == ["TR134", "TR137"]


def test_tr134_tr137_equal_to_the_dagtekening_pass():
    text = met_prestaties(antwoord(), prestatie(begin="2026-11-10", eind="2026-11-10"))
    assert codes(text.encode()) == []


def test_tr134_tr137_declaratieidentificatie_dagtekening_is_read_by_no_rule():
    text = changed(antwoord(), ("<ijw:Dagtekening>2026-11-05</ijw:Dagtekening>",
                                "<ijw:Dagtekening>2026-09-01</ijw:Dagtekening>"))
    assert codes(text.encode()) == []


def test_tr137_end_before_begin():
    only(met_prestaties(antwoord(), prestatie(begin="2026-10-31", eind="2026-10-01")), "TR137")


@pytest.mark.parametrize(("where", "value", "expected"), [
    ("eind", " 2026-10-31", ["TR137"]),  # cut to 10 characters as the upper bound
    ("eind", "2026-10-31 ", []),
    ("begin", " 2026-10-01", []),
    ("dagtekening", " 2026-11-10", ["TR134", "TR137"]),
    ("dagtekening", "2026-11-10 ", []),
])
def test_white_space_around_dates(where, value, expected):
    if where == "dagtekening":
        text = changed(antwoord(), ("<ijw:Dagtekening>2026-11-10</ijw:Dagtekening>",
                                    f"<ijw:Dagtekening>{value}</ijw:Dagtekening>"))
    else:
        text = met_prestaties(antwoord(), prestatie(**{where: value}))
    assert codes(text.encode()) == expected


# -- TR342 -----------------------------------------------------------------------------------------
def test_tr342_the_facts_example_passes():
    # TotaalIngediend 58000 C, TotaalToegekend 34000 C, listed C lines 5000 + 14000 + 5000:
    # L = -24000 = -58000 - (-34000).
    lines = [prestatie(f"C{n}", dc="C", vorig=f"OUD{n}", bedrag=b) for n, b in ((1, "5000"), (2, "14000"),
                                                                               (3, "5000"))]
    text = totalen(met_prestaties(antwoord(), *lines), ("58000", "C"), ("34000", "C"))
    assert codes(text.encode()) == []
    only(totalen(met_prestaties(antwoord(), *lines), ("58000", "C"), ("34000", "D")), "TR342")


def test_tr342_listed_lines_must_be_the_difference():
    only(totalen(antwoord(), ("156800", "D"), ("100", "D")), "TR342")
    assert codes(totalen(antwoord(), ("256800", "D"), ("100000", "D")).encode()) == []


def test_tr342_fully_approved_totals_equal():
    approved = zonder_clienten(antwoord_codes(antwoord(), "8001"))
    assert codes(totalen(approved, ("156800", "D"), ("156800", "D")).encode()) == []
    # The corpus case: a JW323 with TotaalIngediend 1 whose lines sum to 78400, answered with
    # 8001 and TotaalToegekend 78400 (today TR358 rejects that JW323 with 0001 instead).
    only(totalen(approved, ("1", "D"), ("78400", "D")), "TR342")


def test_tr342_another_code_needs_toegekend_0_and_ignores_the_lines():
    rejected = antwoord_codes(antwoord(), "9333")
    assert codes(totalen(rejected, ("156800", "D"), ("0", "D")).encode()) == []
    assert codes(totalen(rejected, ("999", "D"), ("0", "D")).encode()) == []  # lines not compared
    only(totalen(rejected, ("156800", "D"), ("156800", "D")), "TR342")
    only(totalen(rejected, ("156800", "D"), ("100", "C")), "TR342")


def test_tr342_0200_with_8001_is_still_the_first_case():
    partly = totalen(antwoord(), ("256800", "D"), ("100000", "D"))  # line 156800 rejected
    assert codes(antwoord_codes(partly, "0200", "8001").encode()) == []
    assert codes(antwoord_codes(partly, "0200", "9333").encode()) == ["TR342"]


def test_tr342_header_and_line_codes_play_no_part():
    header = changed(antwoord(), ("<jw325:RetourCode>0200</jw325:RetourCode>\n    </jw325:RetourCodes>\n"
                                  "  </jw325:Header>",
                                  "<jw325:RetourCode>9056</jw325:RetourCode>\n    </jw325:RetourCodes>\n"
                                  "  </jw325:Header>"))
    assert codes(header.encode()) == []
    line = met_prestaties(antwoord(), prestatie(code="0200"))
    assert codes(line.encode()) == []


def test_tr342_a_line_amount_that_is_no_number_makes_the_sum_nan():
    only(met_prestaties(antwoord(), prestatie(bedrag="+156800")), "TR342")


def test_tr342_header_only_answer_has_nothing_to_check():
    text = antwoord_codes(antwoord().split("<jw325:DeclaratieAntwoord>")[0] + "</jw325:Bericht>\n", "0001")
    assert codes(text.encode()) == []


# -- our own check of every outbound message applies them ------------------------------------------
def test_uitgaand_refuses_to_store_a_jw325_that_breaks_a_jw325_rule():
    approved = zonder_clienten(antwoord_codes(antwoord(), "8001"))

    def judged(text: str):
        tree = etree.fromstring(text.encode()).getroottree()
        return self_check(tree, schemas=schemas(), reference=reference(), today=TODAY)

    assert judged(totalen(approved, ("156800", "D"), ("156800", "D"))).parsed.type.name == "JW325"
    with pytest.raises(UitgaandOngeldig, match="TR342"):
        judged(totalen(approved, ("1", "D"), ("78400", "D")))
