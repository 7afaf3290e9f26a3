"""`/api/v1/berichten` and `/api/v1/validatie`: intake of provider messages."""
from __future__ import annotations

import time
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gateway import metrics
from gateway.api import examples
from gateway.api.deps import CallingParty, XmlBody
from gateway.api.openapi_models import RetourOntvangenPayload
from gateway.api.payloads import BerichtPayload, ValidatiePayload
from gateway.api.responses import JSON, LOCATION, PROBLEM_REF, REPLAY, XML, json_model, problem, xml_content
from gateway.clock import as_utc
from gateway.context import Context
from gateway.db.models import Bericht
from gateway.domain.berichten import postbus
from gateway.http.deps import DbSession, after_commit, discard, parse_id, with_twin_retry
from gateway.intake.service import Answer, receive, screen, validate_only
from gateway.messages import RECEIVABLE
from gateway.problems import PROBLEM_JSON, Problem
from gateway.readmodels.keten import RETOUREN
from gateway.rules import report as rule_report

router = APIRouter(prefix="/api/v1", tags=["berichten"])

_RETOUR_JSON = (
    "Een JW302 of JW320 (de retour van de aanbieder op een JW301 of JW319 van de gateway) krijgt geen "
    "retourbericht maar altijd 202 met JSON: `id`, `status`, `message`, `level`, `rules` en `answers`. "
    "De retour is dan opgeslagen en verwerkt, ook als de echo een regel breekt: `status` is dan "
    "`rejected` en `rules` noemt de regels (`code`, `retourcode`, `location`, `explanation`). "
    "`answers` zegt wat de retour beantwoordt: `message` (JW301 of JW319), `identificatie`, `matched` "
    "(false: de gateway stuurde geen bericht met die identificatie aan deze aanbieder, zie regel AG003), "
    "`postbus_id`, `postbus_status` (na deze retour `bevestigd` of `afgekeurd`; null als niet gekoppeld) "
    "en `effect`: `recorded` (de eerste retour: die bepaalt de postbus-status), `repeat` of `conflict` "
    "(een latere retour, die niets verandert, zie regel AG004) of `unmatched`.")

_STORED = ("Het bericht is opgeslagen: `Location` wijst naar `GET /api/v1/berichten/{id}`. ")
_ANSWER_HEADERS = {**LOCATION, **REPLAY}

_POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Geaccepteerd: de body is het retourbericht (XML; op een JW323 de JW325). " + _STORED
                         + _RETOUR_JSON, "model": RetourOntvangenPayload,
          "content": {XML: xml_content(examples.declaratie_antwoord())}, "headers": _ANSWER_HEADERS},
    400: problem("Niet-goedgevormd, schema-ongeldig of een bericht dat de gateway niet ontvangt (niveau 1): "
                 "`errors` noemt per fout regel, pad en melding. " + _STORED, headers=_ANSWER_HEADERS),
    403: problem("De Afzender is niet de partij van het token (bij een JW302/JW320: de Ontvanger). " + _STORED,
                 headers=_ANSWER_HEADERS),
    413: problem("Bericht groter dan de limiet (standaard 1 MiB)"),
    415: problem("Geen XML: stuur `Content-Type: application/xml` of `text/xml`"),
    422: {"description": "Afgekeurd door een regel (niveau 2-4): het retourbericht (XML) met de retourcodes; of "
                         "een ontvanger die deze gateway niet bedient (problem+json, zonder retourbericht). "
                         + _STORED,
          "content": {XML: xml_content(), PROBLEM_JSON: {"schema": PROBLEM_REF}}, "headers": _ANSWER_HEADERS},
    500: problem("Het antwoord van de gateway voldeed niet aan de eigen controle (een fout in de gateway) en is "
                 "niet verstuurd: `type` eindigt op `eigen-controle`; het bericht is opgeslagen, maar niet "
                 "verwerkt. Of een andere onverwachte fout; ze is gelogd.", headers=_ANSWER_HEADERS),
}


_REPORT_FIELDS = ("Met `Accept: application/json` krijgen de members `accepted`, `level`, `retourcodes` en "
                  "`rules` (het regelrapport, met per regel `explanation` en `remedy`) erbij.")
_REPORT_OR_RETOUR_JSON = {"schema": {"anyOf": [{"$ref": "#/components/schemas/ValidatiePayload"},
                                               {"$ref": "#/components/schemas/RetourOntvangenPayload"}]}}
_VALIDATIE_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Zou worden aangenomen. Zonder `Accept: application/json` het retourbericht (XML) dat "
                         "`POST /api/v1/berichten` zou geven (bij een JW323 de JW325; bij een JW302/JW320 JSON); "
                         "met `Accept: application/json` het regelrapport. Hetzelfde bericht van dezelfde partij "
                         "als eerder aangeboden: het eerste oordeel, met `Idempotent-Replay`.",
          "headers": REPLAY,
          "content": {XML: xml_content(examples.declaratie_antwoord()), JSON: _REPORT_OR_RETOUR_JSON}},
    400: problem("Niet-goedgevormd, schema-ongeldig of een bericht dat de gateway niet ontvangt (niveau "
                 "1): problem+json met `errors` (regel, pad, melding). " + _REPORT_FIELDS, headers=REPLAY),
    403: problem("Afzender is niet de partij van het token. " + _REPORT_FIELDS, headers=REPLAY),
    413: problem("Bericht groter dan de limiet (standaard 1 MiB)"),
    415: problem("Geen XML: stuur `Content-Type: application/xml` of `text/xml`"),
    422: {"description": "Afgekeurd door een regel (niveau 2-4): het retourbericht (XML), of met "
                         "`Accept: application/json` het regelrapport (JSON). Onbekende ontvanger: "
                         "problem+json. " + _REPORT_FIELDS,
          "model": ValidatiePayload, "headers": REPLAY,
          "content": {XML: xml_content(), PROBLEM_JSON: {"schema": PROBLEM_REF}}},
    500: problem("Het antwoord dat de gateway zou geven voldeed niet aan de eigen controle (een fout in de "
                 "gateway): `type` eindigt op `eigen-controle`; er is niets opgeslagen. " + _REPORT_FIELDS),
}


def _wants_report(accept: str | None) -> bool:
    """True when the caller ranks application/json above the XML types (design.md §7), e.g.
    `application/json` or `application/json, application/xml;q=0.5`. No header, `*/*` or a
    tie keep the retour XML, as before."""
    json_q = xml_q = 0.0
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # RFC 9110 weights lie in 0..1 (also NaN, inf)
                    q = 0.0
        media = media.lower()
        if media == "application/json":
            json_q = max(json_q, q)
        elif media in ("application/xml", "text/xml"):
            xml_q = max(xml_q, q)
    return json_q > xml_q


def _context(request: Request) -> tuple[Context, date]:
    """The process's context, and the request's date, read once at its start."""
    ctx: Context = request.app.state.ctx
    return ctx, ctx.today()


def _response(answer: Answer) -> Response:
    headers = {}
    if answer.location:
        headers["Location"] = answer.location
    if answer.replay:
        headers["Idempotent-Replay"] = "true"
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type,
                    headers=headers)


_XML_SCHEMA = {"type": "string", "description": "Eén iJw 3.2-bericht (XML), hoogstens 1 MiB"}
_XML_BODY = {"requestBody": {"required": True, "content": {
    XML: {"schema": _XML_SCHEMA, "examples": examples.requests()},
    "text/xml": {"schema": _XML_SCHEMA}}}}
_RECEIVED = ", ".join(RECEIVABLE)


@router.post("/berichten", status_code=202, responses=_POST_RESPONSES, openapi_extra=_XML_BODY,
             summary=f"Een bericht aanbieden ({_RECEIVED})",
             description=_RETOUR_JSON)
def post_bericht(request: Request, session: DbSession, party: CallingParty, body: XmlBody) -> Response:
    started = time.perf_counter()
    ctx, today = _context(request)
    # Each attempt screens the bytes afresh (the rules fill in what they judged) before its
    # first statement: the session then holds no transaction (the token lookup's ended in
    # get_party, a failed attempt's in the retry), so nothing waits on the untrusted parse.
    answer = with_twin_retry(session, lambda: receive(session, ctx, party, screen(ctx, body), today=today))
    after_commit(session, lambda: metrics.message_received(
        answer.message, answer.outcome or "unknown", time.perf_counter() - started))
    return _response(answer)


@router.post("/validatie", status_code=202, responses=_VALIDATIE_RESPONSES, openapi_extra=_XML_BODY,
             summary="Een bericht controleren zonder het op te slaan",
             description="Dezelfde controles en hetzelfde antwoord als `POST /api/v1/berichten`, maar er wordt "
                         "niets opgeslagen. Met `Accept: application/json` komt in plaats van het retourbericht "
                         "het regelrapport: `{accepted, level, retourcodes, rules}`, waarin elke regel zegt wat "
                         "hij controleert (`explanation`) en wat de afzender moet veranderen (`remedy`), dezelfde "
                         "regels als in `GET /api/v1/berichten/{id}`. Een bericht dat vóór de regels stopt "
                         "(niveau 1, of 403/422 bij afzender of ontvanger) houdt zijn problem+json, met die "
                         "members erbij. " + _RETOUR_JSON + " Bij validatie is `id` null en zegt `answers` wat "
                         "de retour nu zou doen.")
def post_validatie(request: Request, session: DbSession, party: CallingParty, body: XmlBody) -> Response:
    ctx, today = _context(request)
    as_report = _wants_report(request.headers.get("accept"))
    screened = screen(ctx, body)  # no transaction open: see post_bericht
    try:
        return _response(validate_only(session, ctx, party, screened, today=today, as_report=as_report))
    finally:
        discard(session)  # reading only; make sure nothing is ever written here


@router.get("/berichten/{bericht_id}", summary="Status en regelrapport van een bericht",
            description="Elke regel van het regelrapport zegt wat hij controleert (`explanation`) en wat de "
                        "afzender moet veranderen (`remedy`), in gewone taal.",
            response_model=None,
            responses={200: json_model(BerichtPayload, "Het bericht en zijn regelrapport"),
                       404: problem("Geen bericht van deze partij met dit id (ook als het van een andere "
                                    "partij is)")})
def get_bericht(request: Request, bericht_id: str, session: DbSession, party: CallingParty) -> dict:
    # Anything that cannot be an id is simply not found: no hint about what exists.
    number = parse_id(bericht_id)
    row = session.scalar(select(Bericht).options(selectinload(Bericht.bevindingen))
                         .where(Bericht.id == number)) if number else None
    if row is None or row.partij_id != party.id or row.richting != "in":
        # Never a hint that another party's message exists.
        raise Problem(404, "not-found", "Niet gevonden", f"geen bericht {bericht_id[:40]}")
    reference = request.app.state.reference
    links = {"self": f"/api/v1/berichten/{row.id}"}
    answer = {
        "id": row.id,
        "message": row.berichttype,
        "status": row.status,
        "level": row.niveau,
        "retourcodes": row.retourcodes,
        "rules": [rule_report.of_stored(reference, b).as_dict() for b in row.bevindingen],
        "links": links,
        # The retention purge keeps the row and removes the body, the answer and the BSN.
        "removed_at": as_utc(row.gewist_op).isoformat() if row.gewist_op else None,
    }
    beantwoord = postbus.recorded(session, row) if row.berichttype in RETOUREN else None
    if beantwoord is not None:
        # A JW302/JW320 that was recorded: what it answers, its postbus status as it is now.
        answer["answers"] = beantwoord.as_json()
        if beantwoord.matched:
            links["answers"] = f"/api/v1/postbus/{beantwoord.bericht_id}"
    return answer
