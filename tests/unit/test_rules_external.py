"""Level-4 rules against external data: TR135 (8848), TR378 (S300), TR381 (S329)."""
from __future__ import annotations

from datetime import date

from tests.support import check, edit, example


def test_tr135_dagtekening_after_today_fails():
    result = check(example("JW305"), today=date(2026, 9, 21))  # Dagtekening is 2026-09-22
    assert result.rule_codes == ["TR135"] and result.retourcodes == ["8848"]
    assert result.level == 4


def test_tr135_dagtekening_today_passes():
    assert "TR135" not in check(example("JW305"), today=date(2026, 9, 22)).rule_codes


def test_tr378_unknown_gemeentecode_fails():
    unknown = edit(example("JW305"), "<jw305:Ontvanger>0363<", "<jw305:Ontvanger>0999<")
    result = check(unknown)
    assert result.rule_codes == ["TR378"] and result.retourcodes == ["S300"]


def test_tr378_emitted_jw301_checks_the_afzender():
    unknown = edit(example("JW301"), "<jw301:Afzender>0363<", "<jw301:Afzender>0999<")
    assert "TR378" in check(unknown).rule_codes
    assert "TR378" not in check(example("JW301")).rule_codes


def test_tr378_merged_gemeente_is_valid_for_an_assignment_that_started_before():
    # Weesp (0457) joined Amsterdam on 2022-03-24: a request dated after the merger is
    # valid with the old code only when the assignment it concerns started before it.
    old_code = edit(example("JW315"), "<jw315:Ontvanger>0363<", "<jw315:Ontvanger>0457<")
    assert "TR378" in check(old_code).rule_codes
    started_before = edit(old_code, "<jw315:ToewijzingIngangsdatum>2026-10-01<",
                          "<jw315:ToewijzingIngangsdatum>2022-03-01<")
    started_before = edit(started_before, "<jw315:ToewijzingEinddatum>2027-03-31<",
                          "<jw315:ToewijzingEinddatum>2022-12-31<")
    assert check(started_before).rule_codes == []


def test_tr381_code_of_another_category_fails_and_catalogue_code_passes():
    wrong_category = edit(example("JW305"), "<ijw:Categorie>45<", "<ijw:Categorie>41<")
    result = check(wrong_category)
    assert result.rule_codes == ["TR381"] and result.retourcodes == ["S329"]
    assert "TR381" not in check(example("JW305")).rule_codes


def test_tr381_on_requests_and_aanvraag():
    assert "TR381" in check(edit(example("JW315"), "<ijw:Code>54A01<", "<ijw:Code>54Z99<")).rule_codes
    assert "TR381" in check(edit(example("AGJ"), "<ijw:Code>45A01<", "<ijw:Code>45Z99<")).rule_codes


def test_level2_failure_hides_level_3_and_4():
    both = edit(example("JW305"), "<jw305:Bsn>999994323<", "<jw305:Bsn>123456789<")
    result = check(both, today=date(2026, 1, 1))  # would also break TR135
    assert result.level == 2 and result.retourcodes == ["0001"]


def test_header_and_client_failures_report_what_the_retour_carries():
    both = edit(example("JW305"), "<ijw:Code>45A01<", "<ijw:Code>45Z99<")
    result = check(both, today=date(2026, 9, 21))  # TR135 in the header, TR381 in the client
    assert set(result.rule_codes) == {"TR135", "TR381"}  # the report names both
    assert result.retourcodes == ["8848"]  # the header-only retour carries the header's code
