"""White space around dates (facts ijw-facts-declaratie-en-retours.md §5): the XSD collapses it
(`" 2026-04-01"` is a valid xs:date), the official XSLT reads the raw text. The gateway's
level-2 verdict follows the XSLT: one case per row of the facts' table (JW323/JW325 aside),
the false negatives, and the checks the facts list as not affected.

Every case is also run rule by rule with and without its guard (gateway.rules.engine): a
guard must never hide a failure, also not where white space changes the outcome.
"""
from __future__ import annotations

import pytest
from lxml import etree

from gateway.messages import BY_NAME
from gateway.rules.check import check_schema
from gateway.rules.engine import RuleContext, rules_for, run_rule
from gateway.xml.safe import Limits
from gateway.xml.view import ParsedMessage
from tests.support import FIXTURES, TODAY, check, codes, edit, example, reference, schemas

JW302 = (FIXTURES / "rules" / "client" / "JW302-retour-met-client.xml").read_bytes()
JW317 = (FIXTURES / "rules" / "client" / "JW317-verzoek-om-wijziging.xml").read_bytes()
LEAD, TRAIL = " ", "\n"

DAGTEKENING = {"JW301": "2026-09-08", "JW302": "2026-09-08", "JW305": "2026-09-22",
               "JW307": "2026-11-02", "JW315": "2026-09-03", "JW317": "2026-10-15"}


def message(name: str) -> bytes:
    return {"JW302": JW302, "JW317": JW317}.get(name) or example(name)


def dagtekening(name: str, lead: str = "", trail: str = "") -> bytes:
    day = DAGTEKENING[name]
    return edit(message(name), f"<ijw:Dagtekening>{day}<", f"<ijw:Dagtekening>{lead}{day}{trail}<")


def spaced(xml: bytes, tag: str, value: str, lead: str = "", trail: str = "") -> bytes:
    """The first <tag>value</tag> with white space around the value."""
    return edit(xml, f"<{tag}>{value}</{tag}>", f"<{tag}>{lead}{value}{trail}</{tag}>")


def locations(xml: bytes, code: str) -> list[str]:
    return [f.location for f in check(xml).outcome.findings if f.code == code]


def assert_rules(xml: bytes, failing: set[str], passing: set[str] = frozenset()) -> None:
    found = set(codes(xml))
    assert "XSD" not in found, check(xml).schema_errors
    assert failing <= found, found
    assert not passing & found, found


# -- Header Dagtekening -------------------------------------------------------------------------

TR134_DATES = {
    "JW301": ["/Bericht/Client/Geboortedatum/Datum",
              "/Bericht/Client/Relaties/Relatie/Geboortedatum/Datum",
              "/Bericht/Client/ToegewezenProducten/ToegewezenProduct/Toewijzingsdatum"],
    "JW305": ["/Bericht/Client/Geboortedatum/Datum",
              "/Bericht/Client/StartProducten/StartProduct/Begindatum"],
    "JW307": ["/Bericht/Client/Geboortedatum/Datum",
              "/Bericht/Client/StopProducten/StopProduct/Einddatum"],
    "JW315": ["/Bericht/Client/Geboortedatum/Datum"],
}


@pytest.mark.parametrize("name", sorted(TR134_DATES))
@pytest.mark.parametrize("lead", [" ", "\n\t"])
def test_leading_space_on_the_dagtekening_fails_every_tr134_check(name, lead):
    xml = dagtekening(name, lead=lead)
    assert check(xml).schema_errors == []
    assert sorted(locations(xml, "TR134")) == sorted(TR134_DATES[name])


@pytest.mark.parametrize("name", sorted(TR134_DATES))
def test_trailing_space_on_the_dagtekening_is_harmless(name):
    assert codes(dagtekening(name, trail=" \n")) == []


@pytest.mark.parametrize("name", ["JW317", "JW302"])
def test_no_check_of_jw317_or_jw302_cuts_the_dagtekening(name):
    assert codes(dagtekening(name, lead=LEAD)) == []


# -- end dates as upper bounds: CS003, TR018 ----------------------------------------------------

TIJDELIJK_ADRES = ("<jw301:Soort>01</jw301:Soort>\n          <jw301:Adres>\n            <ijw:Huis>\n"
                   "              <ijw:Huisnummer>101<")


def contact_periode(einddatum: str) -> bytes:
    """JW301 whose relatie's Contact is a tijdelijk verblijfadres (Soort 04) with a Periode."""
    xml = edit(example("JW301"), TIJDELIJK_ADRES, TIJDELIJK_ADRES.replace(">01<", ">04<", 1))
    return edit(xml, "</jw301:Emailadres>",
                "</jw301:Emailadres><jw301:Periode><ijw:Begindatum>2026-01-01</ijw:Begindatum>"
                f"<ijw:Einddatum>{einddatum}</ijw:Einddatum></jw301:Periode>")


CS003_CASES = {
    "JW301 ToegewezenProduct": lambda lead, trail: spaced(example("JW301"), "jw301:Einddatum",
                                                          "2027-03-14", lead, trail),
    "JW301 Contact/Periode": lambda lead, trail: contact_periode(f"{lead}2026-12-31{trail}"),
    "JW315 AangevraagdProduct": lambda lead, trail: spaced(
        example("JW315"), "jw315:ToewijzingEinddatum", "2027-03-31", lead, trail),
    "JW317 TeWijzigenProduct": lambda lead, trail: spaced(JW317, "jw317:Einddatum", "2027-06-30",
                                                          lead, trail),
    "JW317 NieuwProduct": lambda lead, trail: spaced(JW317, "jw317:Einddatum", "2027-04-30",
                                                     lead, trail),
}


@pytest.mark.parametrize("case", sorted(CS003_CASES))
def test_leading_space_on_an_einddatum_fails_cs003(case):
    assert_rules(CS003_CASES[case](LEAD, ""), {"CS003"})
    assert_rules(CS003_CASES[case]("", TRAIL), set(), {"CS003"})
    assert_rules(CS003_CASES[case]("", ""), set(), {"CS003"})


def test_space_on_the_start_date_does_not_fail_cs003():
    assert_rules(spaced(example("JW301"), "jw301:Ingangsdatum", "2026-09-15", LEAD, TRAIL), set(),
                 {"CS003"})
    assert_rules(spaced(JW317, "jw317:GewensteIngangsdatum", "2026-09-15", LEAD, TRAIL), set(),
                 {"CS003"})


def test_leading_space_on_a_stop_einddatum_fails_tr018():
    xml = example("JW307")
    assert_rules(spaced(xml, "jw307:Einddatum", "2026-10-30", lead=LEAD), {"TR018"}, {"TR134"})
    assert_rules(spaced(xml, "jw307:Einddatum", "2026-10-30", trail=TRAIL), set(), {"TR018", "TR134"})
    assert_rules(spaced(xml, "jw307:Begindatum", "2026-09-21", LEAD, TRAIL), set(), {"TR018"})


# -- a deleted ToegewezenProduct (RedenWijziging 13, Einddatum = Ingangsdatum) ---------------------

def with_deleted_product(lead: str = "", trail: str = "") -> bytes:
    """JW301 with a second assignment of the same product, deleted: RedenWijziging 13 and
    Einddatum = Ingangsdatum (inside the first one's period, so it overlaps when it counts)."""
    xml = example("JW301")
    text = xml.decode("utf-8")
    start = text.index("<jw301:ToegewezenProduct>")
    end = text.index("</jw301:ToegewezenProduct>") + len("</jw301:ToegewezenProduct>")
    first = text[start:end]
    deleted = (first.replace(">100001<", ">100002<")
               .replace("<jw301:Einddatum>2027-03-14</jw301:Einddatum>",
                        f"<jw301:Einddatum>{lead}2026-09-15{trail}</jw301:Einddatum>"
                        "<jw301:RedenWijziging>13</jw301:RedenWijziging>"))
    return edit(xml, first, first + deleted)


def test_a_deleted_product_is_valid_and_ignored_by_tr302():
    assert_rules(with_deleted_product(), set(), {"CS335", "TR302", "CS003"})


def test_leading_space_on_a_deleted_einddatum_fails_cs335_tr302_and_cs003():
    assert_rules(with_deleted_product(lead=LEAD), {"CS335", "TR302", "CS003"})


def test_trailing_space_on_a_deleted_einddatum_fails_cs335_and_tr302():
    assert_rules(with_deleted_product(trail=TRAIL), {"CS335", "TR302"}, {"CS003"})


# -- Geboortedatum -------------------------------------------------------------------------------

def geboortedatum(name: str, datum: str, gebruik: str) -> bytes:
    return edit(message(name), "<ijw:Datum>2018-02-22</ijw:Datum>",
                f"<ijw:Datum>{datum}</ijw:Datum><ijw:DatumGebruik>{gebruik}</ijw:DatumGebruik>")


@pytest.mark.parametrize("name", ["JW301", "JW305", "JW302"])
@pytest.mark.parametrize(("datum", "gebruik"), [("2018-02-01", "1"), ("2018-01-01", "2")])
def test_trailing_space_on_a_partly_unknown_birth_date_fails_cs139(name, datum, gebruik):
    assert_rules(geboortedatum(name, datum, gebruik), set(), {"CS139"})
    assert_rules(geboortedatum(name, f"{datum}{TRAIL}", gebruik), {"CS139"}, {"TR002"})
    assert_rules(geboortedatum(name, f"{LEAD}{datum}", gebruik), set(), {"CS139", "TR002"})


@pytest.mark.parametrize("name", ["JW301", "JW305", "JW302"])
@pytest.mark.parametrize(("lead", "trail"), [(LEAD, ""), ("", TRAIL), (LEAD, TRAIL)])
def test_space_around_the_unknown_birth_date_fails_cs139_and_tr002(name, lead, trail):
    assert_rules(geboortedatum(name, "1900-01-01", "3"), set(), {"CS139", "TR002"})
    assert_rules(geboortedatum(name, f"{lead}1900-01-01{trail}", "3"), {"CS139", "TR002"})


# -- false negatives ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["JW301", "JW305", "JW302"])
def test_leading_space_on_the_dagtekening_silences_tr002(name):
    too_old = edit(message(name), "<ijw:Datum>2018-02-22<", "<ijw:Datum>1900-01-02<")
    assert_rules(too_old, {"TR002"})
    day = DAGTEKENING[name]
    assert_rules(edit(too_old, f"<ijw:Dagtekening>{day}<", f"<ijw:Dagtekening>{LEAD}{day}<"),
                 set(), {"TR002"})


@pytest.mark.parametrize("space", [(LEAD, ""), ("", TRAIL)])
def test_tr101_keys_are_raw_text_so_a_spaced_date_makes_another_key(space):
    xml = example("JW305")
    text = xml.decode("utf-8")
    start = text.index("<jw305:StartProduct>")
    end = text.index("</jw305:StartProduct>") + len("</jw305:StartProduct>")
    product = text[start:end]
    assert_rules(edit(xml, product, product + product), {"TR101"})
    copy = product.replace(">2026-09-21<", f">{space[0]}2026-09-21{space[1]}<")
    assert_rules(edit(xml, product, product + copy), set(), {"TR101"})


# -- not affected ----------------------------------------------------------------------------------

def aspecific(einddatum: str) -> bytes:
    """JW301's assignment without a product Code but with its Omvang (CD080 if it ends after
    2020), per maand so no Einddatum is needed, starting in 2020."""
    xml = edit(example("JW301"), "<ijw:Code>45A01</ijw:Code>", "")
    xml = edit(xml, "<ijw:Frequentie>2<", "<ijw:Frequentie>4<")
    xml = edit(xml, "<jw301:Ingangsdatum>2026-09-15<", "<jw301:Ingangsdatum>2020-09-15<")
    return edit(xml, "<jw301:Einddatum>2027-03-14<", f"<jw301:Einddatum>{einddatum}<")


@pytest.mark.parametrize(("lead", "trail"), [(LEAD, ""), ("", TRAIL)])
def test_the_2020_12_31_tests_ignore_space(lead, trail):
    assert_rules(aspecific(f"{lead}2020-12-31{trail}"), set(), {"CD080"})
    assert_rules(aspecific(f"{lead}2021-01-01{trail}"), {"CD080"})
    etmaal = edit(edit(aspecific(f"{lead}2020-12-31{trail}"), "<ijw:Eenheid>04<",
                       "<ijw:Eenheid>14<"), "<ijw:Frequentie>4<", "<ijw:Frequentie>1<")
    assert_rules(etmaal, set(), {"CS338"})
    assert_rules(edit(etmaal, "2020-12-31", "2021-01-01"), {"CS338"})


def test_space_on_the_dates_checked_by_tr134_is_harmless():
    xml = spaced(example("JW301"), "ijw:Datum", "2018-02-22", LEAD, TRAIL)
    xml = spaced(xml, "jw301:Toewijzingsdatum", "2026-09-08", LEAD, TRAIL)
    assert codes(xml) == []
    assert codes(spaced(example("JW305"), "jw305:Begindatum", "2026-09-21", LEAD, TRAIL)) == []


def test_tr380_ignores_space():
    assert codes(spaced(JW317, "jw317:GewensteIngangsdatum", "2026-11-01", LEAD, TRAIL)) == []
    same_day = edit(JW317, "<jw317:GewensteIngangsdatum>2026-11-01<",
                    f"<jw317:GewensteIngangsdatum>{LEAD}2026-10-15{TRAIL}<")
    assert_rules(same_day, {"TR380"})


def _second(xml: bytes, tag: str, *changes: tuple[str, str]) -> bytes:
    text = xml.decode("utf-8")
    start = text.index(f"<{tag}>")
    end = text.index(f"</{tag}>") + len(f"</{tag}>")
    first = text[start:end]
    copy = first
    for old, new in changes:
        assert old in copy
        copy = copy.replace(old, new, 1)
    return edit(xml, first, first + copy)


def test_overlap_checks_ignore_space():
    tr302 = _second(example("JW301"), "jw301:ToegewezenProduct", (">100001<", ">100002<"),
                    (">2026-09-15<", f">{LEAD}2027-03-14{TRAIL}<"))
    assert_rules(tr302, {"TR302"})
    assert_rules(edit(tr302, f">{LEAD}2027-03-14{TRAIL}<", f">{LEAD}2027-03-15{TRAIL}<"),
                 set(), {"TR302"})
    tr386 = _second(example("JW315"), "jw315:AangevraagdProduct", ("VB-REF-0003", "VB-REF-0004"),
                    (">2026-10-01<", f">{LEAD}2027-03-31{TRAIL}<"))
    assert_rules(tr386, {"TR386"})
    tr410 = _second(JW317, "jw317:NieuwProduct", (">2026-11-01<", f">{LEAD}2027-04-30{TRAIL}<"))
    assert_rules(tr410, {"TR410"})


# -- guards never hide a failure -------------------------------------------------------------------

GUARD_CASES = [
    *[dagtekening(name, lead=LEAD) for name in DAGTEKENING],
    *[CS003_CASES[case](LEAD, "") for case in CS003_CASES],
    spaced(example("JW307"), "jw307:Einddatum", "2026-10-30", lead=LEAD),
    with_deleted_product(lead=LEAD), with_deleted_product(trail=TRAIL),
    geboortedatum("JW301", "2018-02-01\n", "1"), geboortedatum("JW302", " 1900-01-01", "3"),
    edit(dagtekening("JW301", lead=LEAD), "<ijw:Datum>2018-02-22<", "<ijw:Datum>1900-01-02<"),
    spaced(JW317, "jw317:GewensteIngangsdatum", "2026-11-01", LEAD, TRAIL),
]


@pytest.mark.parametrize("index", range(len(GUARD_CASES)))
def test_guards_agree_with_their_rules(index):
    parsed = check_schema(GUARD_CASES[index], schemas=schemas(), limits=Limits()).parsed
    assert parsed is not None
    ctx = RuleContext(parsed, TODAY, reference())
    name = parsed.type.name
    for spec in rules_for(name, 2):
        unguarded = [parsed.location(e) for e in spec.func_for(name)(ctx)]
        guarded = [f.location for f in run_rule(spec, ctx, spec.guard_for(name))]
        assert guarded == unguarded, spec.code


def _context(xml: bytes) -> RuleContext:
    parsed = check_schema(xml, schemas=schemas(), limits=Limits()).parsed
    assert parsed is not None
    return RuleContext(parsed, TODAY, reference())


def test_guard_variables_read_the_dagtekening_whole_and_cut():
    plain = _context(example("JW305")).guard_variables
    assert (plain["dagtekening"], plain["dagtekening_bound"]) == (20260922, 20260922)
    spaced_ = _context(dagtekening("JW305", lead=LEAD)).guard_variables
    assert (spaced_["dagtekening"], spaced_["dagtekening_bound"]) == (20260922, 2026092)


def test_guard_variables_find_the_dagtekening_past_a_comment_in_the_header():
    # Received messages are parsed without comments (gateway.xml.safe); a tree built otherwise
    # may hold one, which shifts the Header's children.
    xml = edit(example("JW305"), "<jw305:BerichtCode>", "<!-- opmerking --><jw305:BerichtCode>")
    parsed = ParsedMessage(etree.ElementTree(etree.fromstring(xml)), BY_NAME["JW305"])
    assert isinstance(parsed.root[0][0], etree._Comment)
    variables = RuleContext(parsed, TODAY, reference()).guard_variables
    assert (variables["dagtekening"], variables["dagtekening_bound"]) == (20260922, 20260922)
