"""`gateway validate`: the offline check of one file, as a report dict.

No database: level-3 rules (which need the message log) are not run; level 4 runs where
only code lists and the system date are needed (TR135, TR378, TR381).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict

from gateway import clock
from gateway.reference import load_reference
from gateway.rules import report as rule_report
from gateway.rules.check import check_message
from gateway.rules.report import ReportEntry, RuleJson
from gateway.settings import Settings
from gateway.xml.safe import Limits, UnsafeXml


class FileReport(TypedDict):
    """The keys of `--json` (design.md §7), plus `details`, the lines of the text output."""

    file: str
    message: str | None
    accepted: bool
    level: int
    retourcodes: list[str]
    rules: list[str]
    report: list[RuleJson]
    details: list[str]


def validate_file(path: Path, settings: Settings) -> FileReport:
    """The outcome of one file."""
    report: FileReport = {"file": str(path), "message": None, "accepted": False, "level": 1,
              "retourcodes": [], "rules": [], "report": [], "details": []}
    try:
        body = path.read_bytes()
    except OSError as exc:
        report["details"].append(f"kan niet gelezen worden: {exc.strerror}")
        return report
    from gateway.xml.schemas import load_schemas

    reference = load_reference(settings.mappings_dir)
    limits = Limits(settings.max_body_bytes, settings.max_xml_depth, settings.max_xml_elements)
    try:
        result = check_message(body, schemas=load_schemas(settings.schemas_dir), reference=reference,
                               today=clock.today(), limits=limits)
    except UnsafeXml as exc:
        report["rules"] = ["XSD"]
        line = f"regel {exc.line}: {exc.reason}" if exc.line else exc.reason
        line += f" (origineel: {exc.original})" if exc.original else ""
        _add_entries(report, [(rule_report.entry(reference, "XSD", None, "/", exc.reason), line)])
        return report
    report["message"] = result.message.name if result.message else None
    report["accepted"], report["level"] = result.accepted, result.level
    report["retourcodes"], report["rules"] = result.retourcodes, result.rule_codes
    entries = rule_report.of_result(reference, result)
    if result.schema_errors:
        lines = [f"regel {e.line}: {e.path}: {e.message}" + (f" (origineel: {e.original})" if e.original else "")
                 for e in result.schema_errors]
    else:
        lines = [f"{e.code} ({e.retourcode}) {e.location}" for e in entries]
    _add_entries(report, zip(entries, lines, strict=True))
    return report


def _add_entries(report: FileReport, entries: Iterable[tuple[ReportEntry, str]]) -> None:
    """The JSON report, and the text lines per failing rule: where it failed (each place),
    then once what the rule checks and how to fix it."""
    per_code: dict[str, list[tuple[ReportEntry, str]]] = {}
    for entry, line in entries:
        per_code.setdefault(entry.code, []).append((entry, line))
        report["report"].append(entry.as_dict())
    for pairs in per_code.values():
        first = pairs[0][0]
        report["details"] += [line for _, line in pairs]
        report["details"] += [f"  Uitleg: {first.explanation}", f"  Hoe op te lossen: {first.remedy}"]
