"""gateway.rules.report: the one shape of a rule-report entry (design.md §7)."""
from __future__ import annotations

from gateway.rules import report as rule_report
from tests.support import check, edit, example, reference

ENTRY_KEYS = {"code", "retourcode", "location", "explanation", "remedy"}


def test_an_entry_of_a_failed_rule_carries_its_explanation_and_remedy():
    bad_bsn = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
    [entry] = rule_report.of_result(reference(), check(bad_bsn))
    assert entry.as_dict() == {
        "code": "CS002", "retourcode": "0001", "location": "/Bericht/Client/Bsn",
        "explanation": reference().explain("CS002"), "remedy": reference().remedy("CS002")}


def test_schema_errors_are_xsd_entries_without_retourcode_with_their_message():
    bad = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>99999432X</jw305:Bsn>")
    result = check(bad)
    entries = rule_report.of_result(reference(), result)
    assert len(entries) == len(result.schema_errors) >= 1
    entry = entries[0].as_dict()
    assert set(entry) == ENTRY_KEYS
    assert (entry["code"], entry["retourcode"], entry["location"]) == ("XSD", None, result.schema_errors[0].path)
    # What the rule means, then what the schema said about this message.
    assert entry["explanation"] == f"{reference().explain('XSD')} ({result.schema_errors[0].message})"
    assert entry["remedy"] == reference().remedy("XSD")


def test_an_accepted_message_has_no_entries_and_the_summary_has_the_contract_keys():
    result = check(example("JW305"))
    assert rule_report.of_result(reference(), result) == []
    assert rule_report.summary(accepted=True, level=0, retourcodes=[], entries=[]) == {
        "accepted": True, "level": 0, "retourcodes": [], "rules": []}


def test_a_stored_finding_gives_the_same_entry_as_the_check():
    class Stored:  # a Bevinding as the intake stores it
        code, retourcode, locatie, melding = "TR019", "9019", "/Bericht/Client/StartProducten/StartProduct", None

    stored = rule_report.of_stored(reference(), Stored())
    assert stored == rule_report.entry(reference(), "TR019", "9019", Stored.locatie)
    assert stored.remedy == reference().remedy("TR019") and stored.detail is None
