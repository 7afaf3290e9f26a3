"""The client page (/clienten/{id}, the internal client id, never the BSN) and the beschikking
page (/beschikkingen/{id}) with the bezwaar form. Every view is logged in the access log."""
from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from starlette.exceptions import HTTPException

from gateway.http.deps import DbSession
from gateway.db.models import Beschikking, Client
from gateway.domain import audit, beschikkingen, tijdlijn
from gateway import dateinput as dates
from gateway.web.deps import CheckedForm, CjgUser, log_access, object_id
from gateway.web.documents import render_beschikking
from gateway.web.render import page

router = APIRouter()

_VELDEN = {"datum": "ontvangen_op", "indiener": "indiener", "toelichting": "toelichting"}


@router.get("/clienten/{client_id}")
def client_page(client_id: str, request: Request, session: DbSession, user: CjgUser) -> Response:
    client = session.get(Client, object_id(client_id, "cliënt"))
    if client is None:
        # The retention purge deletes a client's data: an old link then ends here.
        raise HTTPException(404, f"Er is geen cliënt met nummer {client_id[:40]}. De gegevens van een cliënt "
                                 "worden gewist na afloop van de bewaartermijn.")
    ctx = request.app.state.ctx
    data = tijdlijn.for_client(session, client, ctx.today(), ctx.reference)
    response = page(request, "client.html", t=data, vandaag=ctx.today(),
                    gemeente_naam=_gemeente_naam(ctx, client.gemeente),
                    reden_beeindiging=tijdlijn.REDEN_BEEINDIGING,
                    signaal_soorten=tijdlijn.SIGNAAL_SOORTEN)
    log_access(session, request, user, object_type="client", object_id=client.id, client_id=client.id)
    session.commit()
    return response


@router.get("/beschikkingen/{beschikking_id}")
def beschikking_page(beschikking_id: str, request: Request, session: DbSession, user: CjgUser,
                     bezwaar: str = "") -> Response:
    beschikking = _beschikking(session, beschikking_id)
    melding = "Het bezwaar is geregistreerd." if bezwaar == "geregistreerd" else None
    return _show(request, session, user, beschikking, melding=melding)


@router.post("/beschikkingen/{beschikking_id}/bezwaren")
def post_bezwaar(beschikking_id: str, request: Request, session: DbSession, user: CjgUser,
                 form: CheckedForm) -> Response:
    beschikking = _beschikking(session, beschikking_id)
    invoer = {k: form.get(k, "").strip() for k in ("ontvangen_op", "indiener", "toelichting")}
    fouten: dict[str, str] = {}
    ontvangen_op = dates.parse_date(invoer["ontvangen_op"])
    if ontvangen_op is None:
        fouten["ontvangen_op"] = "Vul een geldige datum van ontvangst in, bijvoorbeeld 23-11-2026."
    else:
        invoer["ontvangen_op"] = ontvangen_op.isoformat()  # what the date field can show again
    if not invoer["indiener"]:
        fouten["indiener"] = "Vul in wie het bezwaar indient."
    elif len(invoer["indiener"]) > 200:
        fouten["indiener"] = "Ten hoogste 200 tekens."
    if not fouten:
        try:
            beschikkingen.register_bezwaar(session, beschikking, ontvangen_op=ontvangen_op,
                                           indiener=invoer["indiener"], toelichting=invoer["toelichting"],
                                           today=request.app.state.ctx.today())
        except beschikkingen.BezwaarFout as fout:
            session.rollback()
            fouten[_VELDEN.get(fout.slug, "ontvangen_op")] = _sentence(fout.detail)
    if fouten:
        return _show(request, session, user, beschikking, fouten=fouten, invoer=invoer, status=422)
    log_access(session, request, user, actie=audit.BEZWAAR_GEREGISTREERD, object_type="beschikking",
               object_id=beschikking.id, client_id=_client_id(session, beschikking))
    session.commit()
    return RedirectResponse(f"/beschikkingen/{beschikking.id}?bezwaar=geregistreerd", status_code=303)


def _beschikking(session, text: str) -> Beschikking:
    beschikking = session.get(Beschikking, object_id(text, "beschikking"))
    if beschikking is None:
        raise HTTPException(404, f"Er is geen beschikking met nummer {text[:40]}.")
    return beschikking


def _show(request: Request, session, user, beschikking: Beschikking, *, melding: str | None = None,
          fouten: dict | None = None, invoer: dict | None = None, status: int = 200) -> Response:
    """The beschikking page; showing the document to the user is a logged view."""
    ctx = request.app.state.ctx
    client_id = _client_id(session, beschikking)
    response = page(request, "beschikking_pagina.html", status=status, b=beschikking, client_id=client_id,
                    document=_document(render_beschikking(beschikkingen.as_json(beschikking))),
                    vandaag=ctx.today(), melding=melding, fouten=fouten or {},
                    invoer=invoer or {"ontvangen_op": ctx.today().isoformat(), "indiener": "", "toelichting": ""})
    log_access(session, request, user, object_type="beschikking", object_id=beschikking.id, client_id=client_id)
    session.commit()
    return response


def _client_id(session, beschikking: Beschikking) -> int | None:
    return session.scalar(select(Client.id).where(Client.gemeente == beschikking.gemeente,
                                                  Client.bsn == beschikking.bsn))


def _document(html: str) -> Markup:
    """The letter as the parents get it (`render_beschikking`), without its own page around
    it: the back office's CSP forbids the document's inline <style>, so app.css styles it.
    Everything in it was autoescaped by its template, so a text from outside can contain no
    <body> or <main> tag and the cut is safe."""
    body = html.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    return Markup(body.replace("<main>", '<div class="brief-inhoud">').replace("</main>", "</div>"))


def _gemeente_naam(ctx, code: str) -> str:
    known = ctx.reference.gemeenten.get(code)
    return known[-1].naam if known else code


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
