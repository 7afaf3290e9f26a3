"""The intake's answers: what a sender gets back, and the one self-check every answer passes.

A checked heen-bericht is answered with its retour (AGJ → AGR, JW315 → JW316, ...), a JW323
with a JW325, a retour with JSON, a message stopped before the rules with problem+json. Our
own answer that fails the self-check (`gateway.domain.berichten.uitgaand.self_check`) is never sent:
the sender gets a 500 problem instead, and a stored message keeps the reason in its report.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from gateway import problems
from gateway.context import Context
from gateway.db.models import Bericht, Bevinding
from gateway.domain.berichten import uitgaand
from gateway.messages import MessageType
from gateway.problems import PROBLEM_JSON, Problem
from gateway.render.retour import render_retour
from gateway.rules import report as rule_report
from gateway.rules.check import CheckResult
from gateway.rules.engine import Finding, Outcome
from gateway.xml.view import ParsedMessage

_log = logging.getLogger("gateway.intake")

XML = "application/xml"
JSON = "application/json"
# Our answer on the message failed the gateway's own check (gateway.domain.berichten.uitgaand.self_check).
SELF_CHECK_CODE = "EIGENCONTROLE"


@dataclass
class Answer:
    status: int
    body: bytes
    media_type: str
    bericht_id: int | None = None
    replay: bool = False
    message: str | None = None  # the message type, when it could be read (for the metrics)
    outcome: str | None = None  # the stored status ("accepted", "rejected", "invalid"), or "replay"

    @property
    def location(self) -> str | None:
        return f"/api/v1/berichten/{self.bericht_id}" if self.bericht_id else None


@dataclass(frozen=True)
class Judged:
    """A message that reached the rules: read, valid against its XSD, and judged."""

    result: CheckResult
    message: MessageType
    view: ParsedMessage
    outcome: Outcome

    @classmethod
    def of(cls, result: CheckResult) -> Judged:
        # Only a message the gate let through to the rules becomes one: all three are there.
        assert result.message is not None and result.parsed is not None and result.outcome is not None
        return cls(result, result.message, result.parsed, result.outcome)


def retour(judged: Judged, ctx: Context, today: date, *, identificatie: str) -> Answer:
    """The retour on a checked heen-bericht, rendered and self-checked (raises UitgaandOngeldig)."""
    outcome = judged.outcome
    tree = render_retour(judged.view, outcome, identificatie=identificatie, today=today,
                         schemas=ctx.schemas)
    return Answer(202 if outcome.accepted else 422, checked(tree, ctx, today), XML)


def checked(tree, ctx: Context, today: date) -> bytes:
    return uitgaand.self_check(tree, schemas=ctx.schemas, reference=ctx.reference, today=today).body


def store_findings(session: Session, row: Bericht, findings: Iterable[Finding]) -> None:
    """The rule report of a checked message, as GET /api/v1/berichten/{id} reads it."""
    session.add_all(Bevinding(bericht_id=row.id, code=f.code, retourcode=f.retourcode,
                              niveau=f.level, locatie=f.location) for f in findings)


def finding_codes(outcome: Outcome) -> list[str]:
    """A JW323's retourcodes as stored: every finding's code once, in order."""
    return list(dict.fromkeys(f.retourcode for f in outcome.findings))


def not_answered(session: Session, row: Bericht, fout: uitgaand.UitgaandOngeldig) -> Problem:
    """Our answer on a received message failed the self-check: a gateway bug. The message
    stays stored as received with the rules' verdict, nothing of it is carried out, and the
    sender gets a 500 instead of a message the standard rejects. Its status is "rejected":
    not taken in, so its BerichtIdentificatie stays free for a corrected resend (TR056)."""
    row.status = "rejected"
    row.uniek_sleutel = None
    # The rule report says why a message the rules may have accepted is "rejected".
    session.add(Bevinding(bericht_id=row.id, code=SELF_CHECK_CODE, retourcode=None, niveau=row.niveau,
                          locatie="/Bericht", melding=str(fout)))
    # Rule codes and paths only (UitgaandOngeldig carries no values): no personal data.
    _log.error("antwoord op bericht %s (%s) niet verstuurd: %s", row.id, row.berichttype, fout)
    return self_check_problem(fout)


def validation_refused(fout: uitgaand.UitgaandOngeldig) -> Problem:
    _log.error("antwoord op een validatie niet verstuurd: %s", fout)
    return self_check_problem(fout, stored=False)


def self_check_problem(fout: uitgaand.UitgaandOngeldig, *, stored: bool = True) -> Problem:
    fate = ("het bericht is opgeslagen, maar niet verwerkt. Stuur het opnieuw met een nieuwe "
            "BerichtIdentificatie zodra de fout is verholpen" if stored else "er is niets opgeslagen")
    return Problem(fout.status, fout.slug, "Antwoord afgekeurd door de eigen controle",
                   f"het antwoord van de gateway ({fout.message}) voldoet niet aan het eigen XML-schema of "
                   f"de eigen regels en is daarom niet verstuurd; {fate}. Dit is een fout in de gateway; "
                   "ze is gelogd.", {"message": fout.message})


def with_report(problem: Problem, entries: list[rule_report.ReportEntry], *, level: int,
                retourcodes: list[str]) -> Problem:
    """A problem with the rule report's members added (RFC 9457 extension members)."""
    report = rule_report.summary(accepted=False, level=level, retourcodes=retourcodes, entries=entries)
    return Problem(problem.status, problem.slug, problem.title, problem.detail, {**problem.extra, **report},
                   problem.headers)


def problem_answer(problem: Problem) -> Answer:
    return Answer(problem.status, problems.body(problem), PROBLEM_JSON)


def as_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
