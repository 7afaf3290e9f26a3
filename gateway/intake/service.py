"""Receiving one message from a party: check, store, answer (design.md §2, §5, §7).

The caller (the HTTP edge) owns the transaction. Everything about the message, its answer
and its follow-up work is added to the session here, so it is committed together or not at
all, before the answer goes out.

The untrusted bytes are read first, by `screen`, with no database involved: the safe parse,
the message type and the XSD. Only what that produced reaches `receive`, so no write lock
(SQLite) and no open transaction (PostgreSQL) ever waits on a hostile body. The caller calls
`screen` while its session holds no transaction (see gateway.api.deps.get_party).
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import problems
from gateway.rules import report as rule_report
from gateway.rules.check import CheckResult, check_rules, check_schema
from gateway.db.models import Bericht, Bevinding, Kenmerk, Outbox, Partij
from gateway.domain import clienten, declaraties, postbus, signalen, uitgaand, zorglevering
from gateway.context import Context
from gateway.domain.model import leveringsklassen
from gateway.domain.model.declaratie import Antwoord, antwoord, clients
from gateway.intake.log import MessageLog, lock_client, uniek_sleutel
from gateway.intake.parties import served_municipality
from gateway.messages import RECEIVABLE, MessageType
from gateway.problems import PROBLEM_JSON, Problem
from gateway.reference import ReferenceData
from gateway.rules.engine import Finding, Outcome
from gateway.render.jw325 import render_jw325
from gateway.render.outbound import Kop
from gateway.render.retour import render_retour
from gateway.xml.safe import UnsafeXml
from gateway.xml.view import ParsedMessage

_log = logging.getLogger("gateway.intake")

XML = "application/xml"
JSON = "application/json"
REGIE = ("JW305", "JW307")  # start and stop of care: recorded by the intake itself
DECLARATIE = "JW323"  # answered by a JW325 (its content answer), not by a retour


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


@dataclass
class Screened:
    """What the body alone tells: the level-1 check (safe parse, message type, XSD), or the
    400 problem when the body is not XML we are willing to read."""

    body: bytes
    digest: str
    result: CheckResult
    unusable: Problem | None = None


@dataclass(frozen=True)
class RetourFinding:
    """One finding on a retour, as stored (Bevinding) and as answered (gateway.rules.report)."""

    code: str
    retourcode: str | None
    niveau: int
    locatie: str
    melding: str | None = None


# The gateway's own marks on a JW302/JW320 (mappings/regels.toml):
UNMATCHED_RULE = "AG003"  # it names no message the gateway sent to this party
LATER_RULE = "AG004"  # the message it answers had its retour already
_NAMED = "/Bericht/Header/BerichtIdentificatie/Identificatie"


def screen(ctx: Context, body: bytes) -> Screened:
    """Level 1 without the database: call it with no transaction open."""
    digest = hashlib.sha256(body).hexdigest()
    try:
        return Screened(body, digest, check_schema(body, schemas=ctx.schemas, limits=ctx.limits))
    except UnsafeXml as exc:
        return Screened(body, digest, CheckResult(None, None), Problem(
            400, "not-well-formed", "Bericht is geen bruikbare XML", exc.reason,
            {"errors": [{"line": exc.line, "path": "/", "message": exc.reason}]}))


def replayed(session: Session, party: Partij, digest: str) -> Answer | None:
    first = _first_sent(session, party, digest)
    return None if first is None else _replay(first)


def _replay(first: Bericht) -> Answer:
    """The first answer to these bytes, again, byte for byte (design.md §7)."""
    return Answer(first.antwoord_status, first.antwoord, first.antwoord_type, first.id, replay=True,
                  message=first.berichttype, outcome="replay")


def _first_sent(session: Session, party: Partij, digest: str) -> Bericht | None:
    """The message this party sent earlier with exactly these bytes."""
    return session.scalar(select(Bericht).where(
        Bericht.partij_id == party.id, Bericht.richting == "in", Bericht.inhoud_sha256 == digest))


def receive(session: Session, ctx: Context, party: Partij, screened: Screened, *, today: date) -> Answer:
    """Store the screened message with its answer; every message is stored, whatever its
    fate (design.md §5). `today` is the request's date, read once: the rules, the answer and
    what is recorded all judge by the same day."""
    if (answer := replayed(session, party, screened.digest)) is not None:
        return answer
    row = Bericht(richting="in", partij_id=party.id, inhoud=screened.body,
                  inhoud_sha256=screened.digest, status="invalid", niveau=1, retourcodes=[])
    session.add(row)
    session.flush()  # the id goes into Location and the retour's IdentificatieRetour

    result, problem = _gate(session, ctx, party, screened, today, serialise=True)
    if result.view is not None:
        _store_keys(session, row, result.view)
    if problem is not None:
        row.status = "invalid" if problem.status == 400 else "rejected"
        session.add_all(Bevinding(bericht_id=row.id, code=code, retourcode=None, niveau=1,
                                  locatie=path, melding=message)
                        for code, path, message in _problem_findings(problem, result))
        return _finish(row, problem)

    outcome = result.outcome
    message, view = result.message, result.parsed
    if message.name == DECLARATIE:
        return _finish(row, _declaratie(session, ctx, row, result))
    if message.is_retour:
        return _finish(row, _retour(session, ctx, row, result))
    row.status = "accepted" if outcome.accepted else "rejected"
    row.niveau = outcome.level
    row.retourcodes = outcome.retourcodes
    _store_findings(session, row, outcome.findings)
    # The answer first: it depends on the verdict alone, and when our own retour fails the
    # self-check the message is stored as received, its effects not applied.
    try:
        answer = _answer(result, ctx, today, identificatie=f"R{row.id:011d}")
    except uitgaand.UitgaandOngeldig as fout:
        return _finish(row, _not_answered(session, row, fout))
    if outcome.accepted:
        row.uniek_sleutel = uniek_sleutel(message.name, view.afzender, view.identificatie)
        if view.bsn:  # every accepted message about a client gives the client an id (back office)
            clienten.ensure(session, view.ontvanger, view.bsn)
        if message.name in REGIE:
            # Recorded at once, in this transaction: the next message's rules must see it.
            recorded = zorglevering.record(session, view, row.id)
            signalen.at_intake(session, gemeente=view.ontvanger, aanbieder=view.afzender, bsn=view.bsn,
                               bericht_id=row.id, received=today, recorded=recorded,
                               correction=leveringsklassen.has_deletes(view))
        else:
            session.add(Outbox(bericht_id=row.id, taak=f"verwerk_{message.name.lower()}"))
    return _finish(row, answer)


def validate_only(session: Session, ctx: Context, party: Partij, screened: Screened, *, today: date,
                  as_report: bool = False) -> Answer:
    """`POST /api/v1/validatie`: the same checks and answer as `receive`, nothing stored.
    A message this party already sent gets its first answer back, as it would there.

    With `as_report` (Accept: application/json) the answer is the rule report instead of the
    retour (design.md §7): `{"accepted", "level", "retourcodes", "rules"}` with the entries of
    GET /api/v1/berichten/{id}, at the status `receive` would answer. A message stopped before
    the rules (level 1: not XML, XSD, a message the gateway does not take in; or a transport
    refusal: 403, 422 unknown receiver), or whose answer the self-check refuses, keeps its
    problem+json with these members added to it (RFC 9457 extension members): a client reads
    them from every answer about the message, and `errors` still gives the schema errors'
    line numbers."""
    reference = ctx.reference
    if (first := _first_sent(session, party, screened.digest)) is not None:
        return _stored_report(session, reference, first) if as_report else _replay(first)
    result, problem = _gate(session, ctx, party, screened, today)
    if problem is not None:
        if as_report:
            entries = [rule_report.entry(reference, code, None, path, message)
                       for code, path, message in _problem_findings(problem, result)]
            problem = _with_report(problem, entries, level=1, retourcodes=[])
        return _problem_answer(problem)
    outcome = result.outcome
    if result.message.is_retour:
        beantwoord = postbus.preview_retour(session, result.message, result.parsed)
        findings = _retour_report(result, beantwoord)
        if not as_report:
            return _retour_answer(None, result, beantwoord, findings, reference)
        # A retour is always taken in (202), with the gateway's own marks (AG003/AG004) in
        # its report, as `receive` answers it; the report keeps the contract's four keys.
        report = rule_report.summary(accepted=outcome.accepted, level=outcome.level,
                                     retourcodes=outcome.retourcodes,
                                     entries=[rule_report.of_stored(reference, e) for e in findings])
        return Answer(202, _json(report), JSON)
    try:  # the answer is self-checked in both modes, so a refused one is the same 500
        answer = _validation_answer(result, ctx, today)
    except uitgaand.UitgaandOngeldig as fout:
        problem = _validation_refused(fout)
        if as_report:
            entries = [rule_report.of_finding(reference, f) for f in outcome.findings]
            entries.append(rule_report.entry(reference, SELF_CHECK_CODE, None, "/Bericht", str(fout)))
            problem = _with_report(problem, entries, level=outcome.level, retourcodes=outcome.retourcodes)
        return _problem_answer(problem)
    if not as_report:
        return answer
    accepted, retourcodes = outcome.accepted, outcome.retourcodes
    if result.message.name == DECLARATIE:
        # A JW323 is taken in when any prestatie is approved (OP304): then it is "accepted"
        # (202) with the rejected prestaties in the report, as GET would show it.
        accepted = antwoord(result.parsed, outcome.findings).taken_in
        retourcodes = _finding_codes(outcome)
    report = rule_report.summary(accepted=accepted, level=outcome.level, retourcodes=retourcodes,
                                 entries=rule_report.of_result(reference, result))
    return Answer(202 if accepted else 422, _json(report), JSON)


def _with_report(problem: Problem, entries: list[rule_report.ReportEntry], *, level: int,
                 retourcodes: list[str]) -> Problem:
    report = rule_report.summary(accepted=False, level=level, retourcodes=retourcodes, entries=entries)
    return Problem(problem.status, problem.slug, problem.title, problem.detail, {**problem.extra, **report},
                   problem.headers)


def _validation_answer(result: CheckResult, ctx: Context, today: date) -> Answer:
    """The answer `receive` would give a checked heen-bericht, rendered and self-checked
    (raises UitgaandOngeldig), with nothing stored: for a JW323 the JW325 it would get,
    nothing booked and nothing in the postbus."""
    identificatie = "V" + secrets.token_hex(5)[:11]
    if result.message.name == DECLARATIE:
        answer = antwoord(result.parsed, result.outcome.findings)
        view = result.parsed
        kop = Kop(view.ontvanger, view.afzender, identificatie, today)
        return Answer(202 if answer.taken_in else 422,
                      _checked(render_jw325(kop, view, answer, ctx.schemas), ctx, today), XML)
    return _answer(result, ctx, today, identificatie=identificatie)


def _validation_refused(fout: uitgaand.UitgaandOngeldig) -> Problem:
    _log.error("antwoord op een validatie niet verstuurd: %s", fout)
    return _self_check_problem(fout, stored=False)


def _stored_report(session: Session, reference: ReferenceData, first: Bericht) -> Answer:
    """A body this party already sent: its first verdict, as stored, in the report's form."""
    findings = session.scalars(select(Bevinding).where(Bevinding.bericht_id == first.id)
                               .order_by(Bevinding.id))
    report = rule_report.summary(accepted=first.status == "accepted", level=first.niveau,
                                 retourcodes=first.retourcodes or [],
                                 entries=[rule_report.of_stored(reference, b) for b in findings])
    body, media = report, JSON
    if first.antwoord_type == PROBLEM_JSON and first.antwoord:
        body, media = {**json.loads(first.antwoord), **report}, PROBLEM_JSON
    return Answer(first.antwoord_status, _json(body), media, first.id, replay=True,
                  message=first.berichttype, outcome="replay")


def _finding_codes(outcome: Outcome) -> list[str]:
    """A JW323's retourcodes as stored: every finding's code once, in order."""
    return list(dict.fromkeys(f.retourcode for f in outcome.findings))


def _declaratie(session: Session, ctx: Context, row: Bericht,
               result: CheckResult) -> Answer | Problem:
    """A JW323 that reached the rules: book what was approved, answer with a JW325.

    Partial processing (OP304, TR342): approved prestaties are booked (toegekend), rejected
    ones stored with their codes, all in the intake's one transaction, so a declaration is
    never half-booked. 202 when anything was approved; 422 when the declaration was rejected
    as a whole (level 2, a Header rule, TR333, or every prestatie rejected). The JW325 is
    the HTTP answer and also an outbound message in the provider's postbus."""
    view, outcome = result.parsed, result.outcome
    answer = antwoord(view, outcome.findings)
    row.niveau = outcome.level
    row.retourcodes = _finding_codes(outcome)
    _store_findings(session, row, outcome.findings)
    row.status = "accepted" if answer.taken_in else "rejected"
    try:
        # A savepoint: the JW325 is numbered by its own stored row, so it is checked after
        # that row and the booking were written; when it fails the self-check, both go and
        # the declaration stays stored as received.
        with session.begin_nested():
            jw325 = _book_and_answer(session, ctx, row, view, answer)
    except uitgaand.UitgaandOngeldig as fout:
        return _not_answered(session, row, fout)
    return Answer(202 if answer.taken_in else 422, jw325.inhoud, XML)


def _book_and_answer(session: Session, ctx: Context, row: Bericht,
                     view: ParsedMessage, answer: Antwoord) -> Bericht:
    declaratie = None
    if answer.recorded:
        # The DeclaratieNummer and identificatie are used once recorded, also when every
        # prestatie was rejected: the answer was a content answer, not "not sent" (OP286).
        row.uniek_sleutel = uniek_sleutel(DECLARATIE, view.afzender, view.identificatie)
        declaratie = declaraties.boek(session, view, answer, row.id)
        approved = {r.bsn for _, regels in clients(view) for r in regels
                    if not answer.verdicts.get(r.element)}
        for bsn in sorted(approved):  # a client id for the back office, as for every message
            clienten.ensure(session, view.ontvanger, bsn)
    jw325 = uitgaand.send(session, ctx, message="JW325", gemeente=view.ontvanger,
                          aanbieder=view.afzender, bsn=None,
                          render=lambda kop: render_jw325(kop, view, answer, ctx.schemas))
    if declaratie is not None:
        declaratie.antwoord_bericht_id = jw325.id
    return jw325


def _retour(session: Session, ctx: Context, row: Bericht, result: CheckResult) -> Answer:
    """A JW302/JW320 that reached the rules: recorded on the message it answers whatever its
    own rules say, so the provider's answer on our JW301/JW319 is never lost (design.md §7:
    nothing answers a retour with a retour, so a rule its echo breaks rejects nothing).

    Its status follows its own rules ("rejected" when its echo breaks one the standard
    applies to the echo, facts §3.2); what it answers, and the mark of a retour that answers
    nothing or comes after the first, are in its rule report and in the answer."""
    outcome = result.outcome
    row.status = "accepted" if outcome.accepted else "rejected"
    row.niveau = outcome.level
    row.retourcodes = outcome.retourcodes
    beantwoord = postbus.apply_retour(session, result.message, result.parsed, row.id, ctx.now())
    report = _retour_report(result, beantwoord)
    session.add_all(Bevinding(bericht_id=row.id, code=e.code, retourcode=e.retourcode, niveau=e.niveau,
                              locatie=e.locatie, melding=e.melding) for e in report)
    return _retour_answer(row.id, result, beantwoord, report, ctx.reference)


def _store_findings(session: Session, row: Bericht, findings: Iterable[Finding]) -> None:
    """The rule report of a checked message, as GET /api/v1/berichten/{id} reads it."""
    session.add_all(Bevinding(bericht_id=row.id, code=f.code, retourcode=f.retourcode,
                              niveau=f.level, locatie=f.location) for f in findings)


def _retour_report(result: CheckResult, beantwoord: postbus.Beantwoord) -> list[RetourFinding]:
    """The retour's own findings, then the gateway's mark on what it answers. The marks are
    the gateway's own, level 3 (they compare with stored messages), without a retourcode:
    the standard has no such rule, and no retour exists on a retour."""
    view = result.parsed
    entries = [RetourFinding(f.code, f.retourcode, f.level, f.location) for f in result.outcome.findings]
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


def _retour_answer(bericht_id: int | None, result: CheckResult, beantwoord: postbus.Beantwoord,
                   report: list[RetourFinding], reference: ReferenceData) -> Answer:
    """Always 202 with JSON: the retour is recorded (validatie: would be). `status` is the
    verdict of its own rules; `answers` says what it answers and what it did there."""
    outcome = result.outcome
    body = {"id": bericht_id, "status": "accepted" if outcome.accepted else "rejected",
            "message": result.message.name, "level": outcome.level,
            "rules": [rule_report.of_stored(reference, e).as_dict() for e in report],
            "answers": beantwoord.as_json()}
    return Answer(202, _json(body), JSON)


def _gate(session: Session, ctx: Context, party: Partij, screened: Screened, today: date,
          serialise: bool = False) -> tuple[CheckResult, Problem | None]:
    """Every check before the answer, in the contract's order: safe parse and message type
    (400), Afzender is the caller (403), XSD (400), Ontvanger served here (422), then the
    rules. Returns the result and, when the message stops before the rules, the problem."""
    result = screened.result
    if screened.unusable is not None:
        return result, screened.unusable
    message, view = result.message, result.view
    if view is not None and not _sender_matches(party, message, view):
        return result, Problem(403, "afzender", "Afzender is niet de aanroeper",
                               _sender_detail(party, message))
    if message is not None and message.name not in RECEIVABLE:
        return result, _unexpected(message, view)
    if result.schema_errors:
        return result, Problem(
            400, "schema", "Bericht voldoet niet aan het XML-schema",
            f"{len(result.schema_errors)} schemafout(en); er is geen retourbericht (niveau 1)",
            {"errors": [{"line": e.line, "path": e.path, "message": e.message}
                        for e in result.schema_errors]})
    gemeente = view.afzender if message.is_retour else view.ontvanger
    if not served_municipality(session, gemeente):
        return result, Problem(422, "unknown-receiver", "Onbekende ontvanger",
                               f"gemeente {gemeente} wordt niet door deze gateway bediend")
    if serialise and message.name == DECLARATIE:
        # One provider's declarations at one gemeente one at a time: TR314, TR322, TR389
        # and TR333 read what the previous declaration booked.
        lock_client(session, view.ontvanger, view.afzender, "declaraties")
    elif serialise and not message.is_retour:
        lock_client(session, view.ontvanger, view.afzender, view.bsn)
    state = MessageLog(session)
    if message.name == DECLARATIE:
        state = declaraties.DeclaratieLog(session, state)
    check_rules(result, reference=ctx.reference, today=today, state=state)
    return result, None


def _answer(result: CheckResult, ctx: Context, today: date, *, identificatie: str) -> Answer:
    outcome = result.outcome
    retour = render_retour(result.parsed, outcome, identificatie=identificatie,
                           today=today, schemas=ctx.schemas)
    return Answer(202 if outcome.accepted else 422, _checked(retour, ctx, today), XML)


def _checked(tree, ctx: Context, today: date) -> bytes:
    return uitgaand.self_check(tree, schemas=ctx.schemas, reference=ctx.reference, today=today).body


def _not_answered(session: Session, row: Bericht, fout: uitgaand.UitgaandOngeldig) -> Problem:
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
    return _self_check_problem(fout)


def _self_check_problem(fout: uitgaand.UitgaandOngeldig, *, stored: bool = True) -> Problem:
    fate = ("het bericht is opgeslagen, maar niet verwerkt. Stuur het opnieuw met een nieuwe "
            "BerichtIdentificatie zodra de fout is verholpen" if stored else "er is niets opgeslagen")
    return Problem(fout.status, fout.slug, "Antwoord afgekeurd door de eigen controle",
                   f"het antwoord van de gateway ({fout.message}) voldoet niet aan het eigen XML-schema of "
                   f"de eigen regels en is daarom niet verstuurd; {fate}. Dit is een fout in de gateway; "
                   "ze is gelogd.", {"message": fout.message})


_TRANSPORT_CODES = {403: "AFZENDER", 422: "ONTVANGER"}
# Every code `_problem_findings` stores: each needs its texts in mappings/regels.toml.
# Our answer on the message failed the gateway's own check (gateway.domain.uitgaand.self_check).
SELF_CHECK_CODE = "EIGENCONTROLE"
PROBLEM_CODES = ("XSD", "BERICHTSOORT", *_TRANSPORT_CODES.values(), SELF_CHECK_CODE)


def _problem_findings(problem: Problem, result: CheckResult) -> list[tuple[str, str, str | None]]:
    """Rule-report entries for a message stopped before the rules."""
    if problem.slug == "schema":
        return [("XSD", e.path, e.message) for e in result.schema_errors]
    if problem.slug == "unexpected-message":
        return [("BERICHTSOORT", "/Bericht", problem.detail)]
    if problem.status in _TRANSPORT_CODES:
        return [(_TRANSPORT_CODES[problem.status], "/Bericht/Header", problem.detail)]
    return [("XSD", "/", problem.detail)]


def _unexpected(message: MessageType, view: ParsedMessage) -> Problem:
    # Schema-valid or not, this is a message the gateway sends (or JW323, not yet taken in).
    detail = f"een {message.name} wordt niet door de gateway ontvangen"
    return Problem(400, "unexpected-message", "Bericht wordt niet ontvangen", detail,
                   {"errors": [{"line": view.root.sourceline, "path": "/Bericht", "message": detail}]})


def _sender_matches(party: Partij, message: MessageType, view: ParsedMessage) -> bool:
    # A retour copies the gemeente as Afzender (IV028): there the caller is the Ontvanger.
    claimed = view.ontvanger if message.is_retour else view.afzender
    return claimed is None or claimed == party.code


def _sender_detail(party: Partij, message: MessageType) -> str:
    field_name = "Ontvanger" if message.is_retour else "Afzender"
    return f"de {field_name} van dit {message.name}-bericht is niet {party.code}, de partij van het token"


def _store_keys(session: Session, row: Bericht, view: ParsedMessage) -> None:
    row.berichttype = view.type.name
    row.afzender = _fit(view.afzender, 8)
    row.ontvanger = _fit(view.ontvanger, 8)
    row.identificatie = _fit(view.identificatie, 12)
    row.dagtekening = view.dagtekening
    row.bsn = _fit(view.bsn, 9)
    kenmerken = {("toewijzingnummer", v) for v in view.all_texts("ToewijzingNummer")}
    kenmerken |= {("referentie", v) for v in view.all_texts("ReferentieAanbieder")}
    session.add_all(Kenmerk(bericht_id=row.id, soort=s, waarde=v)
                    for s, v in sorted(kenmerken) if _fit(v, 36))


def _fit(value: str | None, size: int) -> str | None:
    """Key fields of an invalid message may be anything; keep only what fits the column."""
    return value if value is not None and len(value) <= size else None


def _finish(row: Bericht, answer: Answer | Problem) -> Answer:
    if isinstance(answer, Problem):
        answer = _problem_answer(answer)
    answer.bericht_id = row.id
    answer.message, answer.outcome = row.berichttype, row.status
    row.antwoord_status, row.antwoord, row.antwoord_type = answer.status, answer.body, answer.media_type
    return answer


def _problem_answer(problem: Problem) -> Answer:
    return Answer(problem.status, problems.body(problem), PROBLEM_JSON)


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
