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
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Bericht, Bevinding, Kenmerk, Partij
from gateway.domain.beheer.sandbox import partner_fout
from gateway.intake.answers import JSON, SELF_CHECK_CODE, Answer, Judged, as_json, problem_answer, with_report
from gateway.intake.handlers import HANDLERS
from gateway.intake.parties import served_municipality
from gateway.messages import RECEIVABLE, MessageType
from gateway.problems import PROBLEM_JSON, Problem, too_large
from gateway.reference import ReferenceData
from gateway.rules import report as rule_report
from gateway.rules.check import CheckResult, check_rules, check_schema
from gateway.xml.safe import UnsafeXml
from gateway.xml.view import ParsedMessage


@dataclass(frozen=True)
class Envelope:
    """What the transport's envelope says of the message it carries (a StUF-GGk Di01/Du01):
    its message code and the gemeente it is addressed to. The payload must agree with both,
    or it is refused before the rules (design.md §8)."""

    functie: str
    gemeente: str


@dataclass
class Screened:
    """What the body alone tells: the level-1 check (safe parse, message type, XSD), or the
    400 problem when the body is not XML we are willing to read."""

    body: bytes
    digest: str
    result: CheckResult
    unusable: Problem | None = None


def screen(ctx: Context, body: bytes, *, max_bytes: int | None = None) -> Screened:
    """Level 1 without the database: call it with no transaction open. `max_bytes` is for a
    transport whose own limit is larger than a message's (the GGk envelope): a larger message
    is refused here, as the API refuses its body before it reads it."""
    digest = hashlib.sha256(body).hexdigest()
    if max_bytes is not None and len(body) > max_bytes:
        return Screened(body, digest, CheckResult(None, None), too_large(max_bytes))
    try:
        return Screened(body, digest, check_schema(body, schemas=ctx.schemas, limits=ctx.limits))
    except UnsafeXml as exc:
        return Screened(body, digest, CheckResult(None, None), Problem(
            400, "not-well-formed", "Bericht is geen bruikbare XML", exc.reason,
            {"errors": [UnsafeXml.error_json(exc.reason, exc.line, exc.original)]}))


def replayed(session: Session, party: Partij, digest: str) -> Answer | None:
    first = _first_sent(session, party, digest)
    return None if first is None else _replay(first)


def _replay(first: Bericht) -> Answer:
    """The first answer to these bytes, again, byte for byte (design.md §7)."""
    return Answer(first.antwoord_status, first.antwoord, first.antwoord_type, first.id, replay=True,
                  message=first.berichttype, outcome="replay")


# Built once (a statement costs more to build than to run): see gateway.intake.parties.
_SENT_BEFORE = select(Bericht).where(Bericht.partij_id == bindparam("partij_id"), Bericht.richting == "in",
                                     Bericht.inhoud_sha256 == bindparam("digest"))


def _first_sent(session: Session, party: Partij, digest: str) -> Bericht | None:
    """The message this party sent earlier with exactly these bytes."""
    return session.scalar(_SENT_BEFORE, {"partij_id": party.id, "digest": digest})


def receive(session: Session, ctx: Context, party: Partij, screened: Screened, *, today: date,
            envelope: Envelope | None = None) -> Answer:
    """Store the screened message with its answer; every message is stored, whatever its
    fate (design.md §5). `today` is the request's date, read once: the rules, the answer and
    what is recorded all judge by the same day. `envelope`: what the transport's envelope
    said of the message, checked against it."""
    if (answer := replayed(session, party, screened.digest)) is not None:
        return answer
    row = Bericht(richting="in", partij_id=party.id, inhoud=screened.body,
                  inhoud_sha256=screened.digest, status="invalid", niveau=1, retourcodes=[])
    view = screened.result.view
    if view is not None:  # in the row's INSERT: no UPDATE for them later
        _store_keys(row, view)
    session.add(row)
    session.flush()  # the id goes into Location and the retour's IdentificatieRetour
    if view is not None:
        session.add_all(_kenmerken(row, view))

    result, problem = _gate(session, ctx, party, screened, today, serialise=True, envelope=envelope)
    if problem is not None:
        row.status = "invalid" if problem.status == 400 else "rejected"
        session.add_all(Bevinding(bericht_id=row.id, code=code, retourcode=None, niveau=1,
                                  locatie=path, melding=message)
                        for code, path, message in _problem_findings(problem, result))
        return _finish(row, problem)

    judged = Judged.of(result)
    return _finish(row, HANDLERS[judged.message.name].take_in(session, ctx, row, judged, today))


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
            problem = with_report(problem, entries, level=1, retourcodes=[])
        return problem_answer(problem)
    judged = Judged.of(result)
    return HANDLERS[judged.message.name].validate(session, ctx, judged, today, as_report=as_report)


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
    return Answer(first.antwoord_status, as_json(body), media, first.id, replay=True,
                  message=first.berichttype, outcome="replay")


def _gate(session: Session, ctx: Context, party: Partij, screened: Screened, today: date,
          serialise: bool = False, envelope: Envelope | None = None) -> tuple[CheckResult, Problem | None]:
    """Every check before the answer, in the contract's order: safe parse and message type
    (400), Afzender is the caller (403), XSD (400), the transport's envelope agrees (422),
    Ontvanger served here (422), in a sandbox the provider's own municipality (422), then the rules. Returns the result and, when the message
    stops before the rules, the problem."""
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
            {"errors": [e.as_json() for e in result.schema_errors]})
    gemeente = view.afzender if message.is_retour else view.ontvanger
    if envelope is not None and (disagreement := _disagreement(envelope, message, gemeente)):
        return result, Problem(422, "envelop", "Envelop en bericht verschillen", disagreement)
    if not served_municipality(session, gemeente):
        return result, Problem(422, "unknown-receiver", "Onbekende ontvanger",
                               f"gemeente {gemeente} wordt niet door deze gateway bediend")
    if ctx.sandbox and (refusal := partner_fout(session, aanbieder=party.code, gemeente=gemeente)) is not None:
        return result, Problem(422, "sandbox-gemeente", "Niet de eigen sandbox-gemeente", refusal)
    flow = HANDLERS[message.name].flow
    if serialise:
        flow.lock(session, view)
    check_rules(result, reference=ctx.reference, today=today, state=flow.state(session, view))
    return result, None


def _disagreement(envelope: Envelope, message: MessageType, gemeente: str | None) -> str | None:
    if envelope.functie != message.name:
        return f"de envelop noemt functie {envelope.functie[:30]}, het bericht is een {message.name}"
    if envelope.gemeente != gemeente:
        field_name = "Afzender" if message.is_retour else "Ontvanger"
        return (f"de envelop is gericht aan {envelope.gemeente[:30]}, de {field_name} van het bericht is "
                f"{(gemeente or '')[:8]}")
    return None


_TRANSPORT_CODES = {403: "AFZENDER", 422: "ONTVANGER"}
# Every code `_problem_findings` stores: each needs its texts in mappings/regels.toml.
PROBLEM_CODES = ("XSD", "BERICHTSOORT", *_TRANSPORT_CODES.values(), "ENVELOP", SELF_CHECK_CODE)


def _problem_findings(problem: Problem, result: CheckResult) -> list[tuple[str, str, str | None]]:
    """Rule-report entries for a message stopped before the rules."""
    if problem.slug == "schema":
        return [("XSD", e.path, e.message) for e in result.schema_errors]
    if problem.slug == "unexpected-message":
        return [("BERICHTSOORT", "/Bericht", problem.detail)]
    if problem.slug == "envelop":
        return [("ENVELOP", "/Bericht/Header", problem.detail)]
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


def _store_keys(row: Bericht, view: ParsedMessage) -> None:
    row.berichttype = view.type.name
    row.afzender = _fit(view.afzender, 8)
    row.ontvanger = _fit(view.ontvanger, 8)
    row.identificatie = _fit(view.identificatie, 12)
    row.dagtekening = view.dagtekening
    row.bsn = _fit(view.bsn, 9)


def _kenmerken(row: Bericht, view: ParsedMessage) -> list[Kenmerk]:
    kenmerken = {("toewijzingnummer", v) for v in view.all_texts("ToewijzingNummer")}
    kenmerken |= {("referentie", v) for v in view.all_texts("ReferentieAanbieder")}
    return [Kenmerk(bericht_id=row.id, soort=s, waarde=v) for s, v in sorted(kenmerken) if _fit(v, 36)]


def _fit(value: str | None, size: int) -> str | None:
    """Key fields of an invalid message may be anything; keep only what fits the column."""
    return value if value is not None and len(value) <= size else None


def _finish(row: Bericht, answer: Answer | Problem) -> Answer:
    if isinstance(answer, Problem):
        answer = problem_answer(answer)
    answer.bericht_id = row.id
    answer.message, answer.outcome = row.berichttype, row.status
    row.antwoord_status, row.antwoord, row.antwoord_type = answer.status, answer.body, answer.media_type
    return answer
