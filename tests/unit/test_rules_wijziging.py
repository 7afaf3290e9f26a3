"""JW317 rules that read the client's assignments (gateway/rules/wijziging.py): TR304,
TR349-TR351, TR357, TR361, TR373, TR375, TR411, TR412. A fake message log hands the rules
the stored assignments; the messages are the JW317 example, edited.

The example (Dagtekening 2026-10-12, Afzender 12345678, Ontvanger 0363, Bsn 999994323)
changes assignment 100001 (TeWijzigenProduct from 2026-09-15 to 2027-09-14, 4 uur per week)
and asks a NieuwProduct 41/41A01 from 2026-11-02 to 2027-04-30.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from gateway.model.stand import ToewijzingStand
from gateway.rules import wijziging
from gateway.rules.engine import REGISTRY
from tests.support import check, codes, edit

BERICHTEN = Path(__file__).resolve().parents[1] / "fixtures" / "berichten"
GEMEENTE, AANBIEDER, BSN = "0363", "12345678", "999994323"
RULES = {"TR304": "8187", "TR349": "9349", "TR350": "9350", "TR351": "9351", "TR357": "9357",
         "TR361": "9361", "TR373": "9373", "TR375": "9375", "TR411": "9411", "TR412": "9412"}

# The assignment the example changes: 45/45A01, 4 uur per week.
ASSIGNED = ToewijzingStand(nummer=100001, categorie="45", code="45A01",
                           ingangsdatum=date(2026, 9, 15), einddatum=date(2027, 3, 14),
                           volume=4, eenheid="04", frequentie="2")
# Variants of the same assignment.
ASPECIFIEK = replace(ASSIGNED, code=None, volume=None, eenheid=None, frequentie=None,
                     budget=500000)
GENERIEK = replace(ASPECIFIEK, categorie=None)
TBGT = replace(ASSIGNED, categorie="54", code="54A01", volume=20, eenheid="84", frequentie="6")


class FakeLog:
    """The message log as the rules read it: no earlier messages, and the given assignments
    for this client of this provider at this gemeente (none for anyone else)."""

    def __init__(self, *toewijzingen: ToewijzingStand):
        self.stand = list(toewijzingen)
        self.asked: list[tuple[str, str, str]] = []

    def identificatie_used(self, message: str, afzender: str, identificatie: str) -> bool:
        return False

    def referentie_used(self, aanbieder: str, referentie: str) -> bool:
        return False

    def open_request(self, aanbieder: str, gemeente: str, bsn: str) -> bool:
        return False

    def toewijzingen(self, gemeente: str, aanbieder: str, bsn: str) -> list[ToewijzingStand]:
        self.asked.append((gemeente, aanbieder, bsn))
        return list(self.stand) if (gemeente, aanbieder, bsn) == (GEMEENTE, AANBIEDER, BSN) else []


# -- building messages -------------------------------------------------------------------------

def jw317() -> bytes:
    return (BERICHTEN / "JW317-verzoek-om-wijziging.xml").read_bytes()


def cut(xml: bytes, start: str, end: str, new: str) -> bytes:
    """Replace the text from `start` up to and including `end` by `new` (via edit())."""
    text = xml.decode("utf-8")
    assert start in text, start
    begin = text.index(start)
    return edit(xml, text[begin:text.index(end, begin) + len(end)], new)


def omvang(volume: str, eenheid: str, frequentie: str) -> str:
    return (f"<jw317:Omvang><ijw:Volume>{volume}</ijw:Volume><ijw:Eenheid>{eenheid}</ijw:Eenheid>"
            f"<ijw:Frequentie>{frequentie}</ijw:Frequentie></jw317:Omvang>")


def te_wijzigen(xml: bytes | None = None, *, nummer: str = "100001", start: str = "2026-09-15",
                end: str | None = "2027-09-14", volume: tuple[str, str, str] | None = ("4", "04", "2"),
                budget: str | None = None) -> bytes:
    """The example with its TeWijzigenProduct rebuilt (defaults: as in the example)."""
    body = (f"<jw317:ToewijzingNummer>{nummer}</jw317:ToewijzingNummer>"
            f"<jw317:GewensteIngangsdatum>{start}</jw317:GewensteIngangsdatum>")
    body += f"<jw317:Einddatum>{end}</jw317:Einddatum>" if end else ""
    body += omvang(*volume) if volume else ""
    body += f"<jw317:Budget>{budget}</jw317:Budget>" if budget else ""
    return cut(jw317() if xml is None else xml, "<jw317:TeWijzigenProduct>",
               "</jw317:TeWijzigenProduct>", f"<jw317:TeWijzigenProduct>{body}</jw317:TeWijzigenProduct>")


def nieuw(xml: bytes | None = None, *, product: tuple[str, str | None] | None = ("41", "41A01"),
          start: str = "2026-11-02", end: str = "2027-04-30") -> bytes:
    """The example with its NieuwProduct rebuilt: specific with an Omvang, aspecific without,
    generic (no Product) with a Budget, as the level-2 rules want."""
    body = ""
    if product is not None:
        code = f"<ijw:Code>{product[1]}</ijw:Code>" if product[1] else ""
        body += f"<jw317:Product><ijw:Categorie>{product[0]}</ijw:Categorie>{code}</jw317:Product>"
    body += (f"<jw317:GewensteIngangsdatum>{start}</jw317:GewensteIngangsdatum>"
             f"<jw317:Einddatum>{end}</jw317:Einddatum>")
    if product is None:
        body += "<jw317:Budget>100000</jw317:Budget>"
    elif product[1]:
        body += omvang("4", "16", "2")
    return cut(jw317() if xml is None else xml, "<jw317:NieuwProduct>", "</jw317:NieuwProduct>",
               f"<jw317:NieuwProduct>{body}</jw317:NieuwProduct>")


def ongewijzigd(xml: bytes, *nummers: int) -> bytes:
    """`xml` with OngewijzigdProducten for these ToewijzingNummers."""
    products = "".join(f"<jw317:OngewijzigdProduct><jw317:ToewijzingNummer>{n}</jw317:ToewijzingNummer>"
                       "</jw317:OngewijzigdProduct>" for n in nummers)
    return edit(xml, "<jw317:TeWijzigenProducten>",
                f"<jw317:OngewijzigdeProducten>{products}</jw317:OngewijzigdeProducten>"
                "<jw317:TeWijzigenProducten>")


# -- checking --------------------------------------------------------------------------------------

def found(xml: bytes, *stand: ToewijzingStand) -> list[str]:
    result = codes(xml, state=FakeLog(*stand))
    assert "XSD" not in result, check(xml).schema_errors
    return result


def fails(xml: bytes, code: str, *stand: ToewijzingStand) -> list[str]:
    result = found(xml, *stand)
    assert code in result, result
    return result


def passes(xml: bytes, code: str, *stand: ToewijzingStand) -> list[str]:
    result = found(xml, *stand)
    assert code not in result, result
    return result


def locations(xml: bytes, code: str, *stand: ToewijzingStand) -> list[str]:
    outcome = check(xml, state=FakeLog(*stand)).outcome
    return [f.location for f in outcome.findings if f.code == code]


VERZOEK = "/Bericht/Client/Verzoek"
TE_WIJZIGEN = f"{VERZOEK}/TeWijzigenProducten/TeWijzigenProduct"
NIEUW = f"{VERZOEK}/NieuweProducten/NieuwProduct"


# -- registration and the unchanged example ------------------------------------------------

def test_every_rule_is_a_level_3_jw317_rule_that_reads_the_log():
    for code, retourcode in RULES.items():
        spec = REGISTRY[code]
        assert (spec.level, spec.retourcode, spec.needs_state) == (3, retourcode, True), code
        # TR304 is also the JW323's (8187, issue 6), with its own function there.
        assert spec.messages == frozenset({"JW317", "JW323"} if code == "TR304" else {"JW317"}), code
        assert spec.func is getattr(wijziging, code.lower())
        assert spec.func.__doc__ and "\n" not in spec.func.__doc__.strip()


def test_example_with_its_assignment_passes_every_rule():
    log = FakeLog(ASSIGNED)
    result = check(jw317(), state=log)
    assert result.rule_codes == [] and result.accepted
    assert set(log.asked) == {(GEMEENTE, AANBIEDER, BSN)}  # gemeente = Ontvanger, aanbieder = Afzender


def test_without_the_message_log_the_rules_are_skipped():
    assert codes(te_wijzigen(volume=None)) == []  # would break TR411 against ASSIGNED


# -- TR304: the client is known -----------------------------------------------------------------

def test_tr304_client_without_any_assignment_fails():
    assert fails(jw317(), "TR304") and locations(jw317(), "TR304") == ["/Bericht/Client/Bsn"]


def test_tr304_assignment_of_another_client_does_not_count():
    xml = edit(jw317(), "<jw317:Bsn>999994323</jw317:Bsn>", "<jw317:Bsn>999993653</jw317:Bsn>")
    fails(xml, "TR304", ASSIGNED)


def test_tr304_retour_carries_8187():
    assert "8187" in check(jw317(), state=FakeLog()).retourcodes


def test_tr304_an_ended_assignment_still_makes_a_known_client():
    ended = replace(ASSIGNED, einddatum=date(2026, 10, 1))
    result = passes(jw317(), "TR304", ended)
    assert "TR351" in result  # but it cannot be changed any more


# -- TR349: every current assignment is in the request ----------------------------------------

def test_tr349_current_assignment_left_out_fails_once_on_the_verzoek():
    other = replace(ASSIGNED, nummer=100002, categorie="41", code="41A02")
    third = replace(other, nummer=100003)
    assert locations(jw317(), "TR349", ASSIGNED, other, third) == [VERZOEK]


def test_tr349_retour_carries_9349():
    other = replace(ASSIGNED, nummer=100002)
    result = check(jw317(), state=FakeLog(ASSIGNED, other))
    assert not result.accepted and result.level == 3
    assert "9349" in result.retourcodes and "0001" not in result.retourcodes


def test_tr349_assignment_ending_on_the_dagtekening_is_current():
    fails(jw317(), "TR349", ASSIGNED, replace(ASSIGNED, nummer=100002, einddatum=date(2026, 10, 12)))


def test_tr349_assignment_starting_later_is_current():
    later = replace(ASSIGNED, nummer=100002, ingangsdatum=date(2027, 1, 1), einddatum=None)
    fails(jw317(), "TR349", ASSIGNED, later)


def test_tr349_assignment_ended_before_the_dagtekening_need_not_be_listed():
    passes(jw317(), "TR349", ASSIGNED, replace(ASSIGNED, nummer=100002, einddatum=date(2026, 10, 11)))


def test_tr349_all_listed_as_ongewijzigd_or_te_wijzigen_passes():
    other = replace(ASSIGNED, nummer=100002, categorie="41", code="41A02")
    passes(ongewijzigd(jw317(), 100002), "TR349", ASSIGNED, other)


# -- TR350 / TR351: listed numbers are current assignments --------------------------------------

def test_tr350_unknown_ongewijzigd_number_fails():
    xml = ongewijzigd(jw317(), 100099)
    assert locations(xml, "TR350", ASSIGNED) == [f"{VERZOEK}/OngewijzigdeProducten/OngewijzigdProduct"]


def test_tr350_ended_assignment_as_ongewijzigd_fails():
    ended = replace(ASSIGNED, nummer=100002, categorie="41", code="41A02", einddatum=date(2026, 9, 30))
    fails(ongewijzigd(jw317(), 100002), "TR350", ASSIGNED, ended)


def test_tr350_current_assignment_as_ongewijzigd_passes():
    other = replace(ASSIGNED, nummer=100002, categorie="41", code="41A02")
    passes(ongewijzigd(jw317(), 100002), "TR350", ASSIGNED, other)


def test_tr351_unknown_te_wijzigen_number_fails():
    xml = te_wijzigen(nummer="100099")
    assert locations(xml, "TR351", ASSIGNED) == [TE_WIJZIGEN]
    assert "TR349" in found(xml, ASSIGNED)  # and 100001 is now missing


def test_tr351_ended_assignment_as_te_wijzigen_fails():
    fails(jw317(), "TR351", replace(ASSIGNED, einddatum=date(2026, 10, 11)))


def test_tr351_current_assignment_passes():
    passes(jw317(), "TR351", ASSIGNED)


# -- TR357: a change that does not start in the future keeps the original start -----------------

@pytest.mark.parametrize("start", ["2026-10-01", "2026-10-12", "2026-09-14"])  # Dagtekening 2026-10-12
def test_tr357_start_on_or_before_dagtekening_other_than_original_fails(start):
    assert locations(te_wijzigen(start=start), "TR357", ASSIGNED) == [TE_WIJZIGEN]


@pytest.mark.parametrize("start", ["2026-09-15", "2026-10-13"])  # original start; after Dagtekening
def test_tr357_original_start_or_later_than_dagtekening_passes(start):
    passes(te_wijzigen(start=start), "TR357", ASSIGNED)


# -- TR373: a budget or TBGT change starts on the original start -------------------------------

def test_tr373_budget_change_from_a_later_date_fails():
    xml = te_wijzigen(start="2026-11-01", volume=None, budget="600000")
    assert locations(xml, "TR373", ASPECIFIEK) == [TE_WIJZIGEN]


def test_tr373_budget_change_from_the_original_start_passes():
    passes(te_wijzigen(volume=None, budget="600000"), "TR373", ASPECIFIEK)


def test_tr373_same_budget_from_a_later_date_passes():
    passes(te_wijzigen(start="2026-11-01", volume=None, budget="500000"), "TR373", ASPECIFIEK)


def test_tr373_tbgt_volume_change_from_a_later_date_fails():
    fails(te_wijzigen(start="2026-11-01", volume=("30", "84", "6")), "TR373", TBGT)


def test_tr373_tbgt_volume_change_from_the_original_start_passes():
    passes(te_wijzigen(volume=("30", "84", "6")), "TR373", TBGT)


def test_tr373_same_tbgt_volume_from_a_later_date_passes():
    passes(te_wijzigen(start="2026-11-01", volume=("20", "84", "6")), "TR373", TBGT)


def test_tr373_budget_or_volume_left_out_is_no_change():
    # Our reading of "het Budget ... wordt gewijzigd": only a value that is given can change.
    passes(te_wijzigen(start="2026-11-01", volume=None), "TR373", ASPECIFIEK)
    assert "TR411" in passes(te_wijzigen(start="2026-11-01", volume=None), "TR373", TBGT)


def test_tr373_volume_change_of_a_weekly_assignment_is_not_its_business():
    passes(te_wijzigen(start="2026-11-01", volume=("6", "04", "2")), "TR373", ASSIGNED)


def test_tr373_retour_carries_9373():
    xml = te_wijzigen(start="2026-11-01", volume=None, budget="600000")
    assert "9373" in check(xml, state=FakeLog(ASPECIFIEK)).retourcodes


# -- TR375 / TR411 / TR412: Omvang against the assignment's product -----------------------------

def test_tr375_omvang_for_a_generic_assignment_fails():
    assert locations(jw317(), "TR375", GENERIEK) == [TE_WIJZIGEN]


def test_tr375_open_end_taken_from_the_assignment_fails():
    # No Einddatum asked: the assignment's (open) end counts. Frequentie 1, as CD076 wants.
    xml = te_wijzigen(end=None, volume=("4", "04", "1"))
    fails(xml, "TR375", replace(GENERIEK, einddatum=None))


def test_tr375_generic_assignment_without_omvang_passes():
    passes(te_wijzigen(volume=None, budget="500000"), "TR375", GENERIEK)


def test_tr375_change_ending_before_2021_passes():
    old = replace(GENERIEK, ingangsdatum=date(2020, 1, 1))
    passes(te_wijzigen(start="2020-01-01", end="2020-12-31"), "TR375", old)


def test_tr375_assignment_with_a_product_passes():
    passes(jw317(), "TR375", ASSIGNED)
    passes(jw317(), "TR375", ASPECIFIEK)  # that one is TR412's


def test_tr411_no_omvang_for_an_assignment_with_a_code_fails():
    xml = te_wijzigen(volume=None)
    assert locations(xml, "TR411", ASSIGNED) == [TE_WIJZIGEN]
    assert "9411" in check(xml, state=FakeLog(ASSIGNED)).retourcodes


def test_tr411_omvang_given_passes():
    passes(jw317(), "TR411", ASSIGNED)


def test_tr411_no_omvang_for_an_assignment_without_code_passes():
    passes(te_wijzigen(volume=None), "TR411", ASPECIFIEK)
    passes(te_wijzigen(volume=None), "TR411", GENERIEK)


def test_tr412_omvang_for_an_aspecific_assignment_fails():
    assert locations(jw317(), "TR412", ASPECIFIEK) == [TE_WIJZIGEN]


def test_tr412_end_taken_from_the_assignment_when_not_asked():
    fails(te_wijzigen(end=None, volume=("4", "04", "1")), "TR412", ASPECIFIEK)


def test_tr412_assignment_ending_before_2021_when_not_asked_passes():
    xml = edit(te_wijzigen(start="2020-01-01", end=None, volume=("4", "04", "1")),
               "<ijw:Dagtekening>2026-10-12</ijw:Dagtekening>", "<ijw:Dagtekening>2020-06-01</ijw:Dagtekening>")
    old = replace(ASPECIFIEK, ingangsdatum=date(2020, 1, 1), einddatum=date(2020, 12, 31))
    passes(xml, "TR412", old)
    fails(xml, "TR412", replace(old, einddatum=date(2021, 1, 1)))


def test_tr412_aspecific_assignment_without_omvang_passes():
    passes(te_wijzigen(volume=None, budget="500000"), "TR412", ASPECIFIEK)


def test_tr412_change_ending_before_2021_passes():
    old = replace(ASPECIFIEK, ingangsdatum=date(2020, 1, 1))
    passes(te_wijzigen(start="2020-01-01", end="2020-12-31"), "TR412", old)


def test_tr412_specific_or_generic_assignment_passes():
    passes(jw317(), "TR412", ASSIGNED)
    passes(jw317(), "TR412", GENERIEK)  # that one is TR375's


# -- TR361: no overlapping periods of the same product in the whole request -------------------

def test_tr361_new_product_overlapping_the_changed_one_fails():
    xml = nieuw(product=("45", "45A01"))
    assert locations(xml, "TR361", ASSIGNED) == [NIEUW]
    assert "9361" in check(xml, state=FakeLog(ASSIGNED)).retourcodes


def test_tr361_same_categorie_without_code_fails():
    fails(nieuw(product=("45", None)), "TR361", ASSIGNED)
    aspecifiek_41 = replace(ASPECIFIEK, nummer=100002, categorie="41")  # overlaps NieuwProduct 41A01
    fails(ongewijzigd(jw317(), 100002), "TR361", ASSIGNED, aspecifiek_41)


def test_tr361_generic_product_overlaps_any_product():
    fails(nieuw(product=None), "TR361", ASSIGNED)


def test_tr361_ongewijzigd_overlapping_the_changed_one_reports_the_later_class():
    same = replace(ASSIGNED, nummer=100002, ingangsdatum=date(2027, 3, 15), einddatum=date(2027, 12, 31))
    assert locations(ongewijzigd(jw317(), 100002), "TR361", ASSIGNED, same) == [TE_WIJZIGEN]


def test_tr361_te_wijzigen_period_is_the_requested_one():
    # The stored 100001 ends 2027-03-14, the request extends it to 2027-09-14.
    fails(nieuw(product=("45", "45A01"), start="2027-06-01", end="2027-12-31"), "TR361", ASSIGNED)
    passes(nieuw(product=("45", "45A01"), start="2027-09-15", end="2028-03-14"), "TR361", ASSIGNED)


def test_tr361_te_wijzigen_without_einddatum_is_open_ended():
    xml = te_wijzigen(end=None, volume=("4", "04", "1"))
    fails(nieuw(xml, product=("45", "45A01"), start="2030-01-01", end="2030-06-30"), "TR361", ASSIGNED)


def test_tr361_other_products_pass():
    passes(jw317(), "TR361", ASSIGNED)
    passes(nieuw(product=("45", "45A02")), "TR361", ASSIGNED)


def test_tr361_ended_assignment_is_left_to_tr350():
    # 100002 (45A01 until 2026-09-30) would overlap the change from 2026-09-15, but it is no
    # current assignment: TR350 reports it, TR361 does not compare it.
    ended = replace(ASSIGNED, nummer=100002, ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 9, 30))
    result = passes(ongewijzigd(jw317(), 100002), "TR361", ASSIGNED, ended)
    assert "TR350" in result
