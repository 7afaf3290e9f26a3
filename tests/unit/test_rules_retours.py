"""Level-2 rules on retour messages (facts ijw-facts-declaratie-en-retours.md §3.2).

The official rule XSLT has no templates for the retour namespaces: only its few
namespace-agnostic ones reach an echoed body. So a retour gets only those rules, whatever its
heen message gets. Each case edits a heen message and its retour the same way: the heen
message must fail the rule; the retour fails it only where the rule set applies it there.

Observed (facts): the JW302 set, the JW316's CS002 and TR002, and that a JW320 gets nothing.
Inferred (facts): CS139 on the JW316, the same three on JW306/JW308, CS002 only on JW318.
Ours (inferred from the mechanism, gateway.rules.client): the AGR gets what the JW302 gets.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from gateway.rules.engine import rules_for
from tests.support import FIXTURES, codes, edit, example, fails, passes

CLIENT_FIXTURES = FIXTURES / "rules" / "client"
# Each retour as the gateway (or, for JW302/JW320, a provider) sends it: the heen message's
# data echoed with RetourCodes, after a level-3 finding.
RETOUR_FILES = {
    "JW302": "JW302-retour-met-client.xml",
    "JW306": "JW306-retour-met-client.xml",
    "JW308": "JW308-retour-met-client.xml",
    "JW316": "JW316-retour-met-client.xml",
    "JW318": "JW318-retour-met-client.xml",
    "AGR": "AGR-retour-met-client.xml",
    "JW320": "JW320-retour-met-antwoord.xml",
}
HEEN = {"JW302": "JW301", "JW306": "JW305", "JW308": "JW307", "JW316": "JW315",
        "JW318": "JW317", "AGR": "AGJ", "JW320": "JW319"}

# The level-2 rules the official rule set applies to each retour (see the module docstring).
JW302_RULES = {"CS002", "CS139", "TR002", "CS050", "CD007", "CD005", "CD025", "CS089"}
APPLIED = {
    "JW302": JW302_RULES,
    "JW306": {"CS002", "CS139", "TR002"},
    "JW308": {"CS002", "CS139", "TR002"},
    "JW316": {"CS002", "CS139", "TR002"},
    "JW318": {"CS002"},
    "AGR": JW302_RULES,
    "JW320": set(),
}


def prefix(name: str) -> str:
    return name.lower()


def heen(name: str) -> bytes:
    if name == "JW317":
        return (CLIENT_FIXTURES / "JW317-verzoek-om-wijziging.xml").read_bytes()
    if name == "JW319":
        return (CLIENT_FIXTURES / "JW319-antwoord.xml").read_bytes()
    return example(name)


def retour(name: str) -> bytes:
    return (CLIENT_FIXTURES / RETOUR_FILES[name]).read_bytes()


def block(xml: bytes, start: str, end: str) -> str:
    text = xml.decode("utf-8")
    assert start in text, f"{start!r} not in message"
    i = text.index(start)
    return text[i:text.index(end, i) + len(end)]


def edit_in(xml: bytes, start: str, end: str, old: str, new: str) -> bytes:
    part = block(xml, start, end)
    assert old in part, f"{old!r} not in {start}…{end}"
    return edit(xml, part, part.replace(old, new, 1))


def remove_in(xml: bytes, start: str, end: str, element: str) -> bytes:
    """Remove the first <element>…</element> inside the first block from `start` to `end`."""
    part = block(xml, start, end)
    return edit_in(xml, start, end, block(part.encode(), f"<{element}>", f"</{element}>"), "")


def duplicate(xml: bytes, start: str, end: str) -> bytes:
    part = block(xml, start, end)
    return edit(xml, part, part + part)


# -- edits, each on a heen message or its retour (p: the message's prefix) ----------------

Edit = Callable[[bytes, str], bytes]


def wrong_bsn(xml: bytes, p: str) -> bytes:
    found = re.search(rf"<{p}:Bsn>([0-9]{{9}})<", xml.decode("utf-8"))
    bsn = found.group(1)
    return edit(xml, found.group(0), f"<{p}:Bsn>{bsn[:-1]}{(int(bsn[-1]) + 1) % 10}<")


def client_datumgebruik_2(xml: bytes, p: str) -> bytes:
    # The first birth date of every message is the client's (not on 01-01 in any example).
    return edit(xml, "</ijw:Datum>", "</ijw:Datum><ijw:DatumGebruik>2</ijw:DatumGebruik>")


def relatie_datumgebruik_1(xml: bytes, p: str) -> bytes:
    return edit(xml, "<ijw:Datum>1971-08-08</ijw:Datum>",
                "<ijw:Datum>1971-08-08</ijw:Datum><ijw:DatumGebruik>1</ijw:DatumGebruik>")


def client_too_old(xml: bytes, p: str) -> bytes:
    return re.sub(rb"(<ijw:Datum>)[0-9-]{10}(</ijw:Datum>)", rb"\g<1>1900-01-02\g<2>", xml, count=1)


def relatie_too_old(xml: bytes, p: str) -> bytes:
    return edit(xml, "<ijw:Datum>1971-08-08<", "<ijw:Datum>1900-01-02<")


def client_naamgebruik_2(xml: bytes, p: str) -> bytes:
    return edit(xml, "<ijw:NaamGebruik>1<", "<ijw:NaamGebruik>2<")  # the first is the client's


def relatie_naamgebruik_5(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "<ijw:NaamGebruik>1<",
                   "<ijw:NaamGebruik>5<")


def tolk_zonder_taal(xml: bytes, p: str) -> bytes:
    return edit(xml, f"</{p}:Naam>",
                f"</{p}:Naam><{p}:Communicatie><ijw:Vorm>1</ijw:Vorm></{p}:Communicatie>")


def client_postcode_zonder_landcode(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Contactgegevens>", f"</{p}:Contactgegevens>",
                   "<ijw:LandCode>NL</ijw:LandCode>", "")


def relatie_postcode_zonder_landcode(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "<ijw:LandCode>NL</ijw:LandCode>", "")


def relatie_nl_zonder_huis(xml: bytes, p: str) -> bytes:
    return remove_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "ijw:Huis")


def client_postcode_met_spatie(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Contactgegevens>", f"</{p}:Contactgegevens>", "1012LG", "1012 LG")


def relatie_postcode_met_spatie(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "1012LG", "1012 LG")


def client_naamgebruik_6(xml: bytes, p: str) -> bytes:
    return edit(xml, "<ijw:NaamGebruik>1<", "<ijw:NaamGebruik>6<")


def relatie_periode_bij_brp_adres(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", f"</{p}:Emailadres>",
                   f"</{p}:Emailadres><{p}:Periode><ijw:Begindatum>2026-01-01</ijw:Begindatum>"
                   f"</{p}:Periode>")


def relatie_brp_adres_zonder_postcode(xml: bytes, p: str) -> bytes:
    xml = edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "<ijw:LandCode>NL</ijw:LandCode>", "")
    return edit_in(xml, f"<{p}:Relatie>", f"</{p}:Relatie>", "<ijw:Postcode>1012LG</ijw:Postcode>",
                   "")


def client_contact_zonder_huis(xml: bytes, p: str) -> bytes:
    return remove_in(xml, f"<{p}:Contactgegevens>", f"</{p}:Contactgegevens>", "ijw:Huis")


def client_alleen_tijdelijk_adres(xml: bytes, p: str) -> bytes:
    return edit_in(xml, f"<{p}:Contactgegevens>", f"</{p}:Contactgegevens>", f"<{p}:Soort>01<",
                   f"<{p}:Soort>04<")


def relatie_twee_keer(xml: bytes, p: str) -> bytes:
    return duplicate(xml, f"<{p}:Relatie>", f"</{p}:Relatie>")


def geboren_na_dagtekening(xml: bytes, p: str) -> bytes:
    return re.sub(rb"(<ijw:Datum>)[0-9-]{10}(</ijw:Datum>)", rb"\g<1>2026-12-31\g<2>", xml, count=1)


def toegewezen_einde_voor_ingang(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Einddatum>2027-03-14<", f"<{p}:Einddatum>2026-09-14<")


def toegewezen_twee_keer(xml: bytes, p: str) -> bytes:
    part = block(xml, f"<{p}:ToegewezenProduct>", f"</{p}:ToegewezenProduct>")
    return edit(xml, part, part + part.replace(">100001<", ">100002<"))


def verwijderd_met_andere_einddatum(xml: bytes, p: str) -> bytes:
    return edit(xml, f"</{p}:Einddatum>", f"</{p}:Einddatum><{p}:RedenWijziging>13</{p}:RedenWijziging>")


def reden_wijziging_01(xml: bytes, p: str) -> bytes:
    return edit(xml, f"</{p}:Einddatum>", f"</{p}:Einddatum><{p}:RedenWijziging>01</{p}:RedenWijziging>")


def omvang_en_budget(xml: bytes, p: str) -> bytes:
    return edit(xml, f"</{p}:Omvang>", f"</{p}:Omvang><{p}:Budget>1000</{p}:Budget>")


def per_dag_in_etmalen(xml: bytes, p: str) -> bytes:
    xml = edit(xml, "<ijw:Eenheid>04<", "<ijw:Eenheid>14<")
    return edit(xml, "<ijw:Frequentie>2<", "<ijw:Frequentie>1<")


def code_zonder_omvang(xml: bytes, p: str) -> bytes:
    return edit(xml, block(xml, f"<{p}:Omvang>", f"</{p}:Omvang>"), "")


def toestemming_na_dagtekening(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:ToestemmingOuders>2026-08-19<", f"<{p}:ToestemmingOuders>2026-09-02<")


def aangevraagd_twee_keer(xml: bytes, p: str) -> bytes:
    return duplicate(xml, f"<{p}:AangevraagdProduct>", f"</{p}:AangevraagdProduct>")


def aangevraagd_einde_voor_ingang(xml: bytes, p: str) -> bytes:
    return re.sub(rf"(<{p}:ToewijzingEinddatum>)[0-9-]{{10}}<".encode(), rb"\g<1>2026-01-01<", xml,
                  count=1)


def verwijzer_met_code_en_naam(xml: bytes, p: str) -> bytes:
    return edit(xml, "</ijw:Naam>", "</ijw:Naam><ijw:ZorgverlenerCode>01234567</ijw:ZorgverlenerCode>")


def per_dag_in_stuks(xml: bytes, p: str) -> bytes:
    return edit(xml, "<ijw:Frequentie>6<", "<ijw:Frequentie>1<")


def start_na_dagtekening(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Begindatum>2026-09-21<", f"<{p}:Begindatum>2026-09-23<")


def status_gewijzigd(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:StatusAanlevering>1<", f"<{p}:StatusAanlevering>2<")


def start_twee_keer(xml: bytes, p: str) -> bytes:
    return duplicate(xml, f"<{p}:StartProduct>", f"</{p}:StartProduct>")


def stop_voor_begin(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Einddatum>2026-10-30<", f"<{p}:Einddatum>2026-09-20<")


def stop_na_dagtekening(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Einddatum>2026-10-30<", f"<{p}:Einddatum>2026-11-03<")


def stop_twee_keer(xml: bytes, p: str) -> bytes:
    return duplicate(xml, f"<{p}:StopProduct>", f"</{p}:StopProduct>")


def nieuw_voor_dagtekening(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:GewensteIngangsdatum>2026-11-01<", f"<{p}:GewensteIngangsdatum>2026-10-15<")


def nieuw_einde_voor_ingang(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Einddatum>2027-04-30<", f"<{p}:Einddatum>2026-10-31<")


def nieuw_twee_keer(xml: bytes, p: str) -> bytes:
    return duplicate(xml, f"<{p}:NieuwProduct>", f"</{p}:NieuwProduct>")


def nieuw_zonder_omvang(xml: bytes, p: str) -> bytes:
    return remove_in(xml, f"<{p}:NieuwProduct>", f"</{p}:NieuwProduct>", f"{p}:Omvang")


def te_wijzigen_einde_voor_ingang(xml: bytes, p: str) -> bytes:
    return edit(xml, f"<{p}:Einddatum>2027-06-30<", f"<{p}:Einddatum>2026-09-14<")


# (rule, retour, edit): the edit breaks `rule` in the heen message of `retour`.
CASES: list[tuple[str, str, Edit]] = [
    # JW302 / AGR: the full client
    *[(code, name, change) for name in ("JW302", "AGR") for code, change in [
        ("CS002", wrong_bsn), ("CS139", client_datumgebruik_2), ("CS139", relatie_datumgebruik_1),
        ("TR002", client_too_old), ("TR002", relatie_too_old), ("CS050", client_naamgebruik_2),
        ("CS050", relatie_naamgebruik_5), ("CD007", tolk_zonder_taal),
        ("CD005", client_postcode_zonder_landcode), ("CD005", relatie_postcode_zonder_landcode),
        ("CD025", relatie_nl_zonder_huis), ("CS089", client_postcode_met_spatie),
        ("CS089", relatie_postcode_met_spatie),
        # not applied to the echo
        ("CS318", client_naamgebruik_6), ("CD009", relatie_periode_bij_brp_adres),
        ("CD034", relatie_brp_adres_zonder_postcode), ("TR006", client_contact_zonder_huis),
        ("TR061", client_alleen_tijdelijk_adres), ("TR101", relatie_twee_keer),
        ("TR134", geboren_na_dagtekening)]],
    ("TR134", "JW302", lambda xml, p: edit(xml, f"<{p}:Toewijzingsdatum>2026-09-08<",
                                           f"<{p}:Toewijzingsdatum>2026-09-09<")),
    ("CS003", "JW302", toegewezen_einde_voor_ingang),
    ("TR302", "JW302", toegewezen_twee_keer),
    ("TR101", "JW302", lambda xml, p: duplicate(xml, f"<{p}:ToegewezenProduct>",
                                                f"</{p}:ToegewezenProduct>")),
    ("CS335", "JW302", verwijderd_met_andere_einddatum), ("CS336", "JW302", reden_wijziging_01),
    ("CD077", "JW302", omvang_en_budget), ("CD078", "JW302", omvang_en_budget),
    ("CS338", "JW302", per_dag_in_etmalen), ("CD041", "JW302", code_zonder_omvang),
    ("AG001", "AGR", toestemming_na_dagtekening), ("TR383", "AGR", aangevraagd_twee_keer),
    ("TR386", "AGR", aangevraagd_twee_keer), ("CS003", "AGR", aangevraagd_einde_voor_ingang),
    ("CD068", "AGR", verwijzer_met_code_en_naam),  # the AGJ's Verwijzer is of Type 01
    # JW306 / JW308 / JW316: Bsn, Geboortedatum, a short name
    *[(code, name, change) for name in ("JW306", "JW308", "JW316") for code, change in [
        ("CS002", wrong_bsn), ("CS139", client_datumgebruik_2), ("TR002", client_too_old),
        ("TR134", geboren_na_dagtekening)]],
    ("TR134", "JW306", start_na_dagtekening), ("CS058", "JW306", status_gewijzigd),
    ("TR101", "JW306", start_twee_keer),
    ("TR018", "JW308", stop_voor_begin), ("TR134", "JW308", stop_na_dagtekening),
    ("CS058", "JW308", status_gewijzigd), ("TR101", "JW308", stop_twee_keer),
    ("CS003", "JW316", aangevraagd_einde_voor_ingang), ("TR101", "JW316", aangevraagd_twee_keer),
    ("TR383", "JW316", aangevraagd_twee_keer), ("TR386", "JW316", aangevraagd_twee_keer),
    ("CD041", "JW316", code_zonder_omvang), ("CS343", "JW316", per_dag_in_stuks),
    ("CD066", "JW316", verwijzer_met_code_en_naam),
    # JW318: only the Bsn
    ("CS002", "JW318", wrong_bsn), ("TR380", "JW318", nieuw_voor_dagtekening),
    ("CS003", "JW318", nieuw_einde_voor_ingang), ("CS003", "JW318", te_wijzigen_einde_voor_ingang),
    ("TR101", "JW318", nieuw_twee_keer), ("TR410", "JW318", nieuw_twee_keer),
    ("CD077", "JW318", omvang_en_budget), ("CD041", "JW318", nieuw_zonder_omvang),
]


def _id(case) -> str:
    code, name, change = case
    return f"{name}-{code}-{getattr(change, '__name__', 'edit')}"


def test_the_retours_pass_unchanged():
    for name in RETOUR_FILES:
        assert codes(retour(name)) == [], name


@pytest.mark.parametrize("name", sorted(APPLIED))
def test_each_retour_gets_exactly_the_rules_the_official_rule_set_applies(name):
    assert {spec.code for spec in rules_for(name, 2)} == APPLIED[name]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rule_on_the_heen_message_and_on_its_retour(case):
    code, name, change = case
    heen_name = HEEN[name]
    fails(change(heen(heen_name), prefix(heen_name)), code)
    echoed = change(retour(name), prefix(name))
    if code in APPLIED[name]:
        fails(echoed, code)
    else:
        passes(echoed, code)


def test_every_applied_rule_is_shown_failing_on_each_retour():
    shown = {(name, code) for code, name, _ in CASES if code in APPLIED[name]}
    assert shown == {(name, code) for name, rules in APPLIED.items() for code in rules}


def test_jw302_tr002_counts_from_the_echoed_dagtekening_not_the_retour_date():
    # Echoed BerichtIdentificatie/Dagtekening (our JW301's) 2026-09-08; DagtekeningRetour
    # 2026-09-09. Exactly 120 years before the first passes; a day earlier fails.
    xml = retour("JW302")
    passes(edit(xml, "<ijw:Datum>2018-02-22<", "<ijw:Datum>1906-09-08<"), "TR002")
    fails(edit(xml, "<ijw:Datum>2018-02-22<", "<ijw:Datum>1906-09-07<"), "TR002")
    passes(edit(xml, "<ijw:Datum>1971-08-08<", "<ijw:Datum>1906-09-08<"), "TR002")
    fails(edit(xml, "<ijw:Datum>1971-08-08<", "<ijw:Datum>1906-09-07<"), "TR002")


# -- JW320: the XSLT cannot report anything for a schema-valid JW320 --------------------------

def antwoord(xml: bytes, p: str, inner: str) -> bytes:
    """The Antwoord's VerzoekAntwoord and what follows it replaced by `inner` (before the
    retour's own RetourCodes, which stay the last child)."""
    part = block(xml, f"<{p}:VerzoekAntwoord>", "</" + f"{p}:VerzoekAntwoord>")
    return edit(xml, part, inner)


def _woonplaatsbeginsel(p: str) -> str:
    codes_ = (f"<{p}:RetourCodes><{p}:RetourCode>0200</{p}:RetourCode></{p}:RetourCodes>"
              if p == "jw320" else "")
    return f"<{p}:Woonplaatsbeginsel><{p}:Gemeente>0599</{p}:Gemeente>{codes_}</{p}:Woonplaatsbeginsel>"


JW320_CASES = {
    "CD085": lambda p: f"<{p}:VerzoekAntwoord>1</{p}:VerzoekAntwoord>",
    "CD086": lambda p: (f"<{p}:VerzoekAntwoord>2</{p}:VerzoekAntwoord>"
                        f"<{p}:RedenAfwijzingVerzoek>7</{p}:RedenAfwijzingVerzoek>"),
    "TR377": lambda p: (f"<{p}:VerzoekAntwoord>1</{p}:VerzoekAntwoord>"
                        f"<{p}:RedenAfwijzingVerzoek>8</{p}:RedenAfwijzingVerzoek>"),
    "TR409": lambda p: (f"<{p}:VerzoekAntwoord>1</{p}:VerzoekAntwoord>"
                        f"<{p}:RedenAfwijzingVerzoek>7</{p}:RedenAfwijzingVerzoek>"
                        + _woonplaatsbeginsel(p)),
}


@pytest.mark.parametrize("code", sorted(JW320_CASES))
def test_jw320_that_would_break_a_jw319_rule_passes(code):
    fails(antwoord(heen("JW319"), "jw319", JW320_CASES[code]("jw319")), code)
    echoed = antwoord(retour("JW320"), "jw320", JW320_CASES[code]("jw320"))
    passes(echoed, code)
    assert codes(echoed) == []


def test_jw320_with_every_jw319_rule_broken_at_once_passes():
    # VerzoekAntwoord 2 with reason 7 and a Woonplaatsbeginsel: CD086 and TR409 on a JW319.
    inner = lambda p: (f"<{p}:VerzoekAntwoord>2</{p}:VerzoekAntwoord>"
                       f"<{p}:RedenAfwijzingVerzoek>7</{p}:RedenAfwijzingVerzoek>"
                       + _woonplaatsbeginsel(p))
    found = codes(antwoord(heen("JW319"), "jw319", inner("jw319")))
    assert {"CD086", "TR409"} <= set(found)
    assert codes(antwoord(retour("JW320"), "jw320", inner("jw320"))) == []
