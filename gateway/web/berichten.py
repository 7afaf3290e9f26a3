"""The message log (/berichten) and one message (/berichten/{id}) for the CJG.

The list is read-only and shows the BSN masked; looking a person up with the search box is
logged. The message page shows the message in full (BSN included) and is logged as a view
of that message, with the client's internal id.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.exceptions import HTTPException

from gateway.rules import report as rule_report
from gateway.http.deps import DbSession
from gateway.db.models import Bericht, Client, PostbusItem
from gateway.domain import audit, berichtenlog, keten, postbus
from gateway.messages import BY_NAME
from gateway.web.deps import CjgUser, log_access, object_id
from gateway.web.render import page
from gateway.xml.safe import Limits, UnsafeXml, parse

router = APIRouter()

# A lookup in the log is not a view of one message, so it has its own action in the access
# log. It names no object (object_id stays empty: a BSN must never be in the access log);
# when the search text is the BSN of a known client, the entry names that client by its
# internal id (one entry per gemeente that knows the client), so the client's access
# history shows the lookup. A search by another key is logged without a client.

NIVEAUS = {0: "geen afkeuring", 1: "niveau 1: XML-schema of transport", 2: "niveau 2: regels binnen het bericht",
           3: "niveau 3: vergelijking met eerdere berichten", 4: "niveau 4: externe bron"}
STATUS_LABELS = {"accepted": "goed", "rejected": "fout", "invalid": "fout"}
# Stored messages passed the intake's size limit; these limits only stop the page from
# indenting something absurd (it is then shown as plain text).
_SHOW_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=100_000)


@router.get("/berichten")
def berichten(request: Request, session: DbSession, user: CjgUser) -> HTMLResponse:
    providers = berichtenlog.aanbieders(session)
    gelezen = berichtenlog.read(request.query_params, providers)
    context = dict(waarden=gelezen.waarden, fouten=gelezen.fouten, aanbieders=providers,
                   berichttypen=[(t, berichtenlog.OMSCHRIJVING.get(t, "")) for t in berichtenlog.BERICHTTYPEN],
                   statussen=berichtenlog.STATUSSEN, richtingen=berichtenlog.RICHTINGEN,
                   status_labels=STATUS_LABELS, gefilterd=any(gelezen.waarden.values()))
    if gelezen.fouten:
        response = page(request, "berichten.html", status=400, regels=[], namen={}, ouder_url=None,
                        nieuwste_url=None, **context)
        session.commit()  # the session's last-used time, if it moved
        return response

    filters = gelezen.filters
    result = berichtenlog.page(session, filters, voor=gelezen.voor, providers=providers)
    namen = berichtenlog.partijnamen(session, {c for r in result.regels for c in (r.afzender, r.ontvanger) if c})
    if filters.q:
        for client_id in berichtenlog.clients_with_bsn(session, filters.q) or [None]:
            log_access(session, request, user, actie=audit.ZOEKEN, object_type="berichtenlog", object_id=None,
                       client_id=client_id)
    params = filters.as_params()
    ouder_url = f"/berichten?{urlencode({**params, 'voor': result.ouder})}" if result.ouder else None
    nieuwste_url = ("/berichten" + (f"?{urlencode(params)}" if params else "")) if gelezen.voor else None
    response = page(request, "berichten.html", regels=result.regels, namen=namen, ouder_url=ouder_url,
                    nieuwste_url=nieuwste_url, **context)
    session.commit()
    return response


@router.get("/berichten/{bericht_id}")
def bericht(request: Request, bericht_id: str, session: DbSession, user: CjgUser,
            ingevoerd: str = "") -> HTMLResponse:
    number = object_id(bericht_id, "bericht")
    row = session.scalar(select(Bericht).options(selectinload(Bericht.bevindingen)).where(Bericht.id == number))
    if row is None:
        raise HTTPException(404, f"Er is geen bericht met nummer {number}.")

    reference = request.app.state.ctx.reference
    gemeente = keten.gemeente_of(row)
    client_id = session.scalar(select(Client.id).where(Client.gemeente == gemeente, Client.bsn == row.bsn)) \
        if gemeente and row.bsn else None
    chain = keten.of(session, row)
    item = session.get(PostbusItem, row.id) if row.richting == "uit" else None
    # A provider's JW302/JW320: what it answers and what it did there (also when it answers nothing).
    beantwoord = postbus.recorded(session, row) if row.richting == "in" and row.berichttype in keten.RETOUREN \
        else None
    message = BY_NAME.get(row.berichttype or "")
    inhoud, inhoud_xml = pretty(row.inhoud)
    context = dict(
        b=row, client_id=client_id, keten=chain, namen=berichtenlog.partijnamen(session, {row.afzender, row.ontvanger}),
        status_tekst=berichtenlog.STATUSSEN.get(row.status, row.status), status_labels=STATUS_LABELS,
        richting_tekst=berichtenlog.RICHTINGEN.get(row.richting, row.richting),
        omschrijving=berichtenlog.OMSCHRIJVING.get(row.berichttype or "", ""),
        niveau_tekst=NIVEAUS.get(row.niveau, str(row.niveau)),
        inhoud=inhoud, inhoud_xml=inhoud_xml, antwoord=_antwoord(row, message),
        retourcodes=[(code, reference.retourcodes.get(code, "")) for code in row.retourcodes or []],
        bevindingen=[_bevinding(b, reference) for b in row.bevindingen],
        postbus=keten.POSTBUS.get(item.status) if item else None, postbus_item=item,
        beantwoord=beantwoord, retour_effect=keten.RETOUR_EFFECT.get(beantwoord.effect) if beantwoord else None,
        beantwoord_postbus=keten.POSTBUS.get(beantwoord.postbus_status) if beantwoord else None,
        statussen=berichtenlog.STATUSSEN, stappen=keten.STAPPEN,
        ingevoerd=ingevoerd == "1",  # just entered with /aanvraagformulier
    )
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="bericht", object_id=row.id,
               client_id=client_id)
    # Rendered before the commit, the commit before the answer: no view without its log entry.
    response = page(request, "bericht.html", **context)
    session.commit()
    return response


def pretty(body: bytes | None) -> tuple[str, bool]:
    """The message indented for reading, parsed as safely as the intake parses it (no
    entities, no DTD, no network); a body that is not (safe) XML is shown as its text.
    Returns the text and whether it is XML. The template escapes it."""
    if not body:
        return "", False
    try:
        tree = parse(body, _SHOW_LIMITS)
    except UnsafeXml:
        return body.decode("utf-8", errors="replace"), False
    return etree.tostring(tree, pretty_print=True, encoding="unicode"), True


def _antwoord(row: Bericht, message) -> dict | None:
    """The answer the gateway gave: the retour message (XML) or the problem/JSON, with the
    HTTP status. Outbound messages have none (their retour is a message of its own)."""
    if row.antwoord is None:
        return None
    media = row.antwoord_type or ""
    if media.startswith("application/xml"):
        text, _ = pretty(row.antwoord)
        soort = f"Retourbericht {message.retour}" if message is not None and message.retour else "Retourbericht"
    else:
        try:
            text = json.dumps(json.loads(row.antwoord), indent=2, ensure_ascii=False)
        except ValueError:
            text = row.antwoord.decode("utf-8", errors="replace")
        soort = "Foutmelding (problem+json), geen retourbericht" if "problem" in media else "Bevestiging (JSON)"
    return {"status": row.antwoord_status, "type": media, "soort": soort, "tekst": text}


def _bevinding(b, reference) -> dict:
    """One line of the rule report: the entry the API gives (rule_report), with the level and
    the retourcode's meaning for the CJG; the check's own message is shown apart."""
    report = rule_report.of_stored(reference, b)
    return {"code": report.code, "retourcode": report.retourcode,
            "retourcode_tekst": reference.retourcodes.get(report.retourcode or "", ""),
            "niveau": b.niveau, "locatie": report.location, "melding": report.detail,
            "uitleg": report.explanation, "oplossing": report.remedy}
