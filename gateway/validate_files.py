"""`gateway validate`: the offline check of one file, as a report dict.

No database: level-3 rules (which need the message log) are not run; level 4 runs where
only code lists and the system date are needed (TR135, TR378, TR381).
"""
from __future__ import annotations

from pathlib import Path

from gateway import clock
from gateway.check import check_message
from gateway.reference import load_reference
from gateway.settings import Settings
from gateway.xml.safe import Limits, UnsafeXml


def validate_file(path: Path, settings: Settings) -> dict:
    report = {"file": str(path), "message": None, "accepted": False, "level": 1,
              "retourcodes": [], "rules": [], "details": []}
    try:
        body = path.read_bytes()
    except OSError as exc:
        report["details"].append(f"kan niet gelezen worden: {exc.strerror}")
        return report
    from gateway.xml.schemas import load_schemas

    limits = Limits(settings.max_body_bytes, settings.max_xml_depth, settings.max_xml_elements)
    try:
        result = check_message(body, schemas=load_schemas(settings.schemas_dir),
                               reference=load_reference(settings.mappings_dir),
                               today=clock.today(), limits=limits)
    except UnsafeXml as exc:
        report["rules"] = ["XSD"]
        report["details"].append(f"regel {exc.line}: {exc.reason}" if exc.line else exc.reason)
        return report
    report.update(message=result.message.name if result.message else None,
                  accepted=result.accepted, level=result.level,
                  retourcodes=result.retourcodes, rules=result.rule_codes)
    report["details"] = [f"regel {e.line}: {e.path}: {e.message}" for e in result.schema_errors]
    if result.outcome:
        report["details"] += [f"{f.code} ({f.retourcode}) {f.location}" for f in result.outcome.findings]
    return report
