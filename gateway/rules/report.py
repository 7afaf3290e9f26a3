"""The rule report: one entry per failed rule, the same wherever it is shown.

`GET /api/v1/berichten/{id}`, `POST /api/v1/validatie` (Accept: application/json),
`gateway validate` and the back office all build their entries here (design.md §7, "Rule
reports everywhere"), so an integrator reads the same explanation and remedy whichever door
the message went through. The texts come from mappings/regels.toml (`uitleg`, `oplossing`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypedDict

from gateway.reference import ReferenceData

if TYPE_CHECKING:
    from gateway.rules.check import CheckResult
    from gateway.rules.engine import Finding


class RuleJson(TypedDict):
    """One entry of the rule report in JSON: the contract's five keys."""

    code: str
    retourcode: str | None
    location: str
    explanation: str
    remedy: str


class VerdictJson(TypedDict):
    """The verdict with its report, as `POST /api/v1/validatie` answers it in JSON."""

    accepted: bool
    level: int
    retourcodes: list[str]
    rules: list[RuleJson]


@dataclass(frozen=True)
class ReportEntry:
    code: str  # the rule code (CS002, TR019, ...) or a gateway code (XSD, AFZENDER, ...)
    retourcode: str | None  # None when no retour is made (level 1)
    location: str  # XPath of the failing element, or the schema error's path
    explanation: str  # what the rule checks
    remedy: str  # what the sender must change
    detail: str | None = None  # what this check said about this message (a schema error's text)

    def as_dict(self) -> RuleJson:
        """The JSON object of the contract: code, retourcode, location, explanation, remedy.
        The detail belongs to the explanation: it says which value broke the rule."""
        explanation = self.explanation + (f" ({self.detail})" if self.detail else "")
        return {"code": self.code, "retourcode": self.retourcode, "location": self.location,
                "explanation": explanation, "remedy": self.remedy}


class StoredFinding(Protocol):
    """A stored finding (gateway.db.models.Bevinding)."""

    code: str
    retourcode: str | None
    locatie: str
    melding: str | None


def entry(reference: ReferenceData, code: str, retourcode: str | None, location: str,
          detail: str | None = None) -> ReportEntry:
    return ReportEntry(code, retourcode, location, reference.explain(code), reference.remedy(code),
                       detail)


def of_finding(reference: ReferenceData, finding: Finding) -> ReportEntry:
    return entry(reference, finding.code, finding.retourcode, finding.location)


def of_stored(reference: ReferenceData, finding: StoredFinding) -> ReportEntry:
    return entry(reference, finding.code, finding.retourcode, finding.locatie, finding.melding)


def of_result(reference: ReferenceData, result: CheckResult) -> list[ReportEntry]:
    """The entries of a checked message: one XSD entry per schema error (as the intake
    stores them), else one per failed rule."""
    if result.schema_errors:
        return [entry(reference, "XSD", None, e.path, e.message) for e in result.schema_errors]
    findings = result.outcome.findings if result.outcome else []
    return [of_finding(reference, f) for f in findings]


def summary(*, accepted: bool, level: int, retourcodes: list[str],
            entries: Iterable[ReportEntry]) -> VerdictJson:
    """The verdict with its report, as `POST /api/v1/validatie` answers it in JSON."""
    return {"accepted": accepted, "level": level, "retourcodes": list(retourcodes),
            "rules": [e.as_dict() for e in entries]}
