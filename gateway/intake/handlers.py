"""What the intake does with each message type it takes in: one table, `HANDLERS`, keyed by
the names in `gateway.messages.RECEIVABLE`.

A type's handler says how the intake treats it once it passed level 1 (XSD, sender,
receiver), through its flow:
- its checks: what its rules are serialised on (`lock`) and what they read (`state`);
- how it is recorded and answered (`take_in`), and the same answer with nothing written
  (`validate`, for POST /api/v1/validatie);
and, for a heen-bericht answered with a retour, what an accepted one records at once
(`record`) and the follow-up task it leaves in the outbox (`follow_up`, handled there by
`gateway.work.queue.HANDLERS`).

The flows:
- ANSWERED, a heen-bericht (AGJ, JW315, JW317, JW305, JW307): its findings stored, answered by
  its retour; a request becomes an aanvraag by its follow-up task, a regie message is recorded
  at once, in the intake's transaction, because the next message's rules read it.
- DECLARATIE, the JW323: approved prestaties booked, answered by a JW325 (a content answer).
- RETOUR, a JW302/JW320: applied to the message it answers in the provider's postbus.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db import taken
from gateway.db.models import Bericht, Bevinding, Outbox
from gateway.domain.aanvraag import clienten
from gateway.domain.berichten import postbus, uitgaand
from gateway.domain.financien import declaraties
from gateway.domain.levering import signalen, zorglevering
from gateway.intake.answers import (
    JSON,
    SELF_CHECK_CODE,
    XML,
    Answer,
    Judged,
    as_json,
    checked,
    finding_codes,
    not_answered,
    problem_answer,
    retour,
    store_findings,
    validation_refused,
    with_report,
)
from gateway.intake.log import MessageLog, lock_client, uniek_sleutel
from gateway.model import leveringsklassen
from gateway.model.declaratie import Antwoord, antwoord, clients
from gateway.problems import Problem
from gateway.reference import ReferenceData
from gateway.render.jw325 import render_jw325
from gateway.render.outbound import Kop
from gateway.rules import report as rule_report
from gateway.rules.engine import StateReader
from gateway.xml.view import ParsedMessage, present

# What an accepted message records at once: (session, its row, the message, the day received).
Record = Callable[[Session, Bericht, ParsedMessage, date], None]


class Flow(Protocol):
    def lock(self, session: Session, view: ParsedMessage) -> None:
        """Serialise with the messages its rules compare it with (receive only)."""

    def state(self, session: Session, view: ParsedMessage) -> StateReader:
        """What its level-3 rules read about `view`, the message being checked."""

    def take_in(self, session: Session, ctx: Context, handler: Handler, row: Bericht, judged: Judged,
                today: date) -> Answer | Problem:
        """Record the checked message on its row and give the answer."""

    def validate(self, session: Session, ctx: Context, judged: Judged, today: date, *,
                 as_report: bool) -> Answer:
        """The answer `take_in` would give, self-checked, with nothing written."""


@dataclass(frozen=True)
class Handler:
    flow: Flow
    record: Record | None = None
    follow_up: str | None = None  # the outbox task an accepted message leaves

    def take_in(self, session: Session, ctx: Context, row: Bericht, judged: Judged,
                today: date) -> Answer | Problem:
        return self.flow.take_in(session, ctx, self, row, judged, today)

    def validate(self, session: Session, ctx: Context, judged: Judged, today: date, *,
                 as_report: bool) -> Answer:
        return self.flow.validate(session, ctx, judged, today, as_report=as_report)


class _Answered:
    """A heen-bericht answered by its retour."""

    def lock(self, session: Session, view: ParsedMessage) -> None:
        lock_client(session, view.ontvanger, view.afzender, view.bsn)

    def state(self, session: Session, view: ParsedMessage) -> StateReader:
        return MessageLog(session, view)

    def take_in(self, session: Session, ctx: Context, handler: Handler, row: Bericht, judged: Judged,
                today: date) -> Answer | Problem:
        outcome, view = judged.outcome, judged.view
        row.status = "accepted" if outcome.accepted else "rejected"
        row.niveau = outcome.level
        row.retourcodes = outcome.retourcodes
        store_findings(session, row, outcome.findings)
        # The answer first: it depends on the verdict alone, and when our own retour fails the
        # self-check the message is stored as received, its effects not applied.
        try:
            answer = retour(judged, ctx, today, identificatie=f"R{row.id:011d}")
        except uitgaand.UitgaandOngeldig as fout:
            return not_answered(session, row, fout)
        if outcome.accepted:
            row.uniek_sleutel = uniek_sleutel(judged.message.name, view.afzender, view.identificatie)
            if view.bsn:  # every accepted message about a client gives the client an id (back office)
                clienten.register(session, present(view.ontvanger), view.bsn)
            if handler.record is not None:
                handler.record(session, row, view, today)
            if handler.follow_up is not None:
                session.add(Outbox(bericht_id=row.id, taak=handler.follow_up))
        return answer

    def validate(self, session: Session, ctx: Context, judged: Judged, today: date, *,
                 as_report: bool) -> Answer:
        outcome = judged.outcome
        return _validated(judged, ctx, as_report, lambda: retour(judged, ctx, today, identificatie=_scratch_id()),
                          accepted=outcome.accepted, retourcodes=outcome.retourcodes)


class _Declaratie:
    """A JW323, answered by a JW325 instead of a retour.

    Partial processing (OP304, TR342): approved prestaties are booked (toegekend), rejected
    ones stored with their codes, all in the intake's one transaction, so a declaration is
    never half-booked. 202 when anything was approved; 422 when the declaration was rejected
    as a whole (level 2, a Header rule, TR333, or every prestatie rejected). The JW325 is
    the HTTP answer and also an outbound message in the provider's postbus."""

    def lock(self, session: Session, view: ParsedMessage) -> None:
        # One provider's declarations at one gemeente one at a time: TR314, TR322, TR389
        # and TR333 read what the previous declaration booked.
        lock_client(session, view.ontvanger, view.afzender, "declaraties")

    def state(self, session: Session, view: ParsedMessage) -> StateReader:
        return declaraties.DeclaratieLog(session, MessageLog(session))

    def take_in(self, session: Session, ctx: Context, handler: Handler, row: Bericht, judged: Judged,
                today: date) -> Answer | Problem:
        view, outcome = judged.view, judged.outcome
        answer = antwoord(view, outcome.findings)
        row.niveau = outcome.level
        row.retourcodes = finding_codes(outcome)
        store_findings(session, row, outcome.findings)
        row.status = "accepted" if answer.taken_in else "rejected"
        try:
            # A savepoint: the JW325 is numbered by its own stored row, so it is checked after
            # that row and the booking were written; when it fails the self-check, both go and
            # the declaration stays stored as received.
            with session.begin_nested():
                jw325 = self._book_and_answer(session, ctx, row, view, answer)
        except uitgaand.UitgaandOngeldig as fout:
            return not_answered(session, row, fout)
        return Answer(202 if answer.taken_in else 422, jw325.inhoud, XML)

    @staticmethod
    def _book_and_answer(session: Session, ctx: Context, row: Bericht, view: ParsedMessage,
                         answer: Antwoord) -> Bericht:
        declaratie = None
        if answer.recorded:
            # The DeclaratieNummer and identificatie are used once recorded, also when every
            # prestatie was rejected: the answer was a content answer, not "not sent" (OP286).
            row.uniek_sleutel = uniek_sleutel(view.type.name, view.afzender, view.identificatie)
            declaratie = declaraties.boek(session, view, answer, row.id)
            approved = {r.bsn for _, regels in clients(view) for r in regels
                        if not answer.verdicts.get(r.element)}
            for bsn in sorted(approved):  # a client id for the back office, as for every message
                clienten.register(session, present(view.ontvanger), bsn)
        jw325 = uitgaand.send(session, ctx, message="JW325", gemeente=present(view.ontvanger),
                              aanbieder=present(view.afzender), bsn=None,
                              render=lambda kop: render_jw325(kop, view, answer, ctx.schemas))
        if declaratie is not None:
            declaratie.antwoord_bericht_id = jw325.id
        return jw325

    def validate(self, session: Session, ctx: Context, judged: Judged, today: date, *,
                 as_report: bool) -> Answer:
        view, outcome = judged.view, judged.outcome
        answer = antwoord(view, outcome.findings)

        def jw325() -> Answer:  # nothing booked and nothing in the postbus
            kop = Kop(present(view.ontvanger), present(view.afzender), _scratch_id(), today)
            return Answer(202 if answer.taken_in else 422,
                          checked(render_jw325(kop, view, answer, ctx.schemas), ctx, today), XML)

        # A JW323 is taken in when any prestatie is approved (OP304): then it is "accepted"
        # (202) with the rejected prestaties in the report, as GET would show it.
        return _validated(judged, ctx, as_report, jw325, accepted=answer.taken_in,
                          retourcodes=finding_codes(outcome))


# The gateway's own marks on a JW302/JW320 (mappings/regels.toml):
# The facts are silent on a retour for a heenbericht never sent (they know one retour per
# heenbericht, OP090, and no retour on a retour): it is taken in and marked, not refused
# (docs/decisions.md, "A retour that matches nothing").
UNMATCHED_RULE = "AG003"  # it names no message the gateway sent to this party
LATER_RULE = "AG004"  # the message it answers had its retour already
_NAMED = "/Bericht/Header/BerichtIdentificatie/Identificatie"


@dataclass
class RetourFinding:
    """One finding on a retour, as stored (Bevinding) and as answered (gateway.rules.report)."""

    code: str
    retourcode: str | None
    niveau: int
    locatie: str
    melding: str | None = None


class _Retour:
    """A JW302/JW320 that reached the rules: recorded on the message it answers whatever its
    own rules say, so the provider's answer on our JW301/JW319 is never lost (design.md §7:
    nothing answers a retour with a retour, so a rule its echo breaks rejects nothing).

    Its status follows its own rules ("rejected" when its echo breaks one the standard
    applies to the echo, facts §3.2); what it answers, and the mark of a retour that answers
    nothing or comes after the first, are in its rule report and in the answer."""

    def lock(self, session: Session, view: ParsedMessage) -> None:
        """Nothing to serialise: a retour's rules read only the retour itself."""

    def state(self, session: Session, view: ParsedMessage) -> StateReader:
        return MessageLog(session)

    def take_in(self, session: Session, ctx: Context, handler: Handler, row: Bericht, judged: Judged,
                today: date) -> Answer | Problem:
        outcome = judged.outcome
        row.status = "accepted" if outcome.accepted else "rejected"
        row.niveau = outcome.level
        row.retourcodes = outcome.retourcodes
        beantwoord = postbus.apply_retour(session, judged.message, judged.view, row.id, ctx.now())
        report = _retour_report(judged, beantwoord)
        session.add_all(Bevinding(bericht_id=row.id, code=e.code, retourcode=e.retourcode, niveau=e.niveau,
                                  locatie=e.locatie, melding=e.melding) for e in report)
        return _retour_answer(row.id, judged, beantwoord, report, ctx.reference)

    def validate(self, session: Session, ctx: Context, judged: Judged, today: date, *,
                 as_report: bool) -> Answer:
        outcome = judged.outcome
        beantwoord = postbus.preview_retour(session, judged.message, judged.view)
        findings = _retour_report(judged, beantwoord)
        if not as_report:
            return _retour_answer(None, judged, beantwoord, findings, ctx.reference)
        # A retour is always taken in (202), with the gateway's own marks (AG003/AG004) in
        # its report, as `receive` answers it; the report keeps the contract's four keys.
        report = rule_report.summary(accepted=outcome.accepted, level=outcome.level,
                                     retourcodes=outcome.retourcodes,
                                     entries=[rule_report.of_stored(ctx.reference, e) for e in findings])
        return Answer(202, as_json(report), JSON)


def _retour_report(judged: Judged, beantwoord: postbus.Beantwoord) -> list[RetourFinding]:
    """The retour's own findings, then the gateway's mark on what it answers. The marks are
    the gateway's own, level 3 (they compare with stored messages), without a retourcode:
    the standard has no such rule, and no retour exists on a retour."""
    view = judged.view
    entries = [RetourFinding(f.code, f.retourcode, f.level, f.location) for f in judged.outcome.findings]
    named = f"{beantwoord.message} met Identificatie {beantwoord.identificatie}"
    if beantwoord.effect == postbus.UNMATCHED:
        entries.append(RetourFinding(UNMATCHED_RULE, None, 3, _NAMED,
                                   f"geen {named} van gemeente {view.afzender} aan {view.ontvanger} gevonden"))
    elif beantwoord.effect in (postbus.REPEAT, postbus.CONFLICT):
        said = ("zegt hetzelfde als de eerste" if beantwoord.effect == postbus.REPEAT
                else "zegt iets anders dan de eerste; de gemeente beoordeelt dat")
        entries.append(RetourFinding(LATER_RULE, None, 3, _NAMED,
                                   f"{named} had al een retour en blijft {beantwoord.postbus_status}; "
                                   f"deze retour {said}"))
    return entries


def _retour_answer(bericht_id: int | None, judged: Judged, beantwoord: postbus.Beantwoord,
                   report: list[RetourFinding], reference: ReferenceData) -> Answer:
    """Always 202 with JSON: the retour is recorded (validatie: would be). `status` is the
    verdict of its own rules; `answers` says what it answers and what it did there."""
    outcome = judged.outcome
    body = {"id": bericht_id, "status": "accepted" if outcome.accepted else "rejected",
            "message": judged.message.name, "level": outcome.level,
            "rules": [rule_report.of_stored(reference, e).as_dict() for e in report],
            "answers": beantwoord.as_json()}
    return Answer(202, as_json(body), JSON)


def _validated(judged: Judged, ctx: Context, as_report: bool, answer: Callable[[], Answer], *,
               accepted: bool, retourcodes: list[str]) -> Answer:
    """The answer a checked heen-bericht or JW323 would get, self-checked in both modes so a
    refused one is the same 500; with `as_report` the rule report at the status `receive`
    would answer instead."""
    outcome, reference = judged.outcome, ctx.reference
    try:
        answered = answer()
    except uitgaand.UitgaandOngeldig as fout:
        problem = validation_refused(fout)
        if as_report:
            entries = [rule_report.of_finding(reference, f) for f in outcome.findings]
            entries.append(rule_report.entry(reference, SELF_CHECK_CODE, None, "/Bericht", str(fout)))
            problem = with_report(problem, entries, level=outcome.level, retourcodes=outcome.retourcodes)
        return problem_answer(problem)
    if not as_report:
        return answered
    report = rule_report.summary(accepted=accepted, level=outcome.level, retourcodes=retourcodes,
                                 entries=rule_report.of_result(reference, judged.result))
    return Answer(202 if accepted else 422, as_json(report), JSON)


def _scratch_id() -> str:
    """The Identificatie of an answer that is never stored (validatie)."""
    return "V" + secrets.token_hex(5)[:11]


def _record_regie(session: Session, row: Bericht, view: ParsedMessage, today: date) -> None:
    """A JW305/JW307: the care it starts or stops, and the signals that follow from it."""
    recorded = zorglevering.record(session, view, row.id)
    signalen.at_intake(session, gemeente=present(view.ontvanger), aanbieder=present(view.afzender),
                       bsn=present(view.bsn),
                       bericht_id=row.id, received=today, recorded=recorded,
                       correction=leveringsklassen.has_deletes(view))


ANSWERED, DECLARATIE, RETOUR = _Answered(), _Declaratie(), _Retour()

HANDLERS: dict[str, Handler] = {
    "AGJ": Handler(ANSWERED, follow_up=taken.VERWERK_AGJ),
    "JW315": Handler(ANSWERED, follow_up=taken.VERWERK_JW315),
    "JW317": Handler(ANSWERED, follow_up=taken.VERWERK_JW317),
    "JW305": Handler(ANSWERED, record=_record_regie),
    "JW307": Handler(ANSWERED, record=_record_regie),
    "JW323": Handler(DECLARATIE),
    "JW302": Handler(RETOUR),
    "JW320": Handler(RETOUR),
}
