"""The client search (/clienten?q=), the client page (/clienten/{id}, the internal client id,
never the BSN) and the beschikking page (/beschikkingen/{id}) with the bezwaar forms (register,
decide) and the letter as PDF (/beschikkingen/{id}/document.pdf). Every view is logged in the
access log; so is a search, once per client it shows."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException

from gateway.db.models import Beschikking
from gateway.domain.aanvraag import beschikkingen
from gateway.domain.beheer import audit
from gateway.http.deps import DbSession
from gateway.readmodels import beschikkingen as read_beschikkingen
from gateway.readmodels import clienten as read_clienten
from gateway.readmodels import tijdlijn
from gateway.web.deps import CheckedForm, CjgUser, log_access, object_id
from gateway.web.documents import pdf_filename, render_beschikking, render_beschikking_pdf
from gateway.web.forms import bezwaar as bezwaar_form
from gateway.web.forms import clientzoeken
from gateway.web.render import page
from gateway.web.sessies import Ingelogd

router = APIRouter()


@router.get("/clienten")
def zoeken(request: Request, session: DbSession, user: CjgUser, q: str = "") -> Response:
    vraag = clientzoeken.read(q)
    if vraag.fout:
        return page(request, "clienten.html", status=400, q=vraag.q, fout=vraag.fout, resultaat=None)
    resultaat = read_clienten.zoek(session, vraag.q, gemeenten=user.gemeenten) if vraag.q else None
    # The list shows names: the search is in each found client's access history (the
    # search text itself is not logged, it may be a BSN).
    for gevonden in resultaat.clienten if resultaat else ():
        log_access(session, request, user, actie=audit.ZOEKEN, object_type="clienten", object_id=None,
                   client_id=gevonden.id)
    return page(request, "clienten.html", q=vraag.q, fout=None, resultaat=resultaat)


@router.get("/clienten/{client_id}")
def client_page(client_id: str, request: Request, session: DbSession, user: CjgUser) -> Response:
    # Another municipality's client is the same 404 as an unknown id (design.md §9).
    client = read_clienten.client(session, object_id(client_id, "cliënt"), gemeenten=user.gemeenten)
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
    return response


@router.get("/beschikkingen/{beschikking_id}")
def beschikking_page(beschikking_id: str, request: Request, session: DbSession, user: CjgUser,
                     bezwaar: str = "") -> Response:
    beschikking = _beschikking(session, user, beschikking_id)
    melding = MELDINGEN.get(bezwaar)
    return _show(request, session, user, beschikking, melding=melding)


MELDINGEN = {"geregistreerd": "Het bezwaar is geregistreerd.", "afgehandeld": "Het bezwaar is afgehandeld."}


@router.get("/beschikkingen/{beschikking_id}/document.pdf")
def beschikking_pdf(beschikking_id: str, request: Request, session: DbSession, user: CjgUser) -> Response:
    """The letter as a PDF to print or send; a logged view like the page."""
    beschikking = _beschikking(session, user, beschikking_id)
    pdf = render_beschikking_pdf(beschikkingen.as_json(beschikking))
    log_access(session, request, user, object_type="beschikking", object_id=beschikking.id,
               client_id=read_beschikkingen.client_id(session, beschikking))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdf_filename(beschikking.nummer)}"'})


@router.post("/beschikkingen/{beschikking_id}/bezwaren/{bezwaar_id}/afhandeling")
def post_afhandeling(beschikking_id: str, bezwaar_id: str, request: Request, session: DbSession, user: CjgUser,
                     form: CheckedForm) -> Response:
    """Decide a bezwaar (gegrond, ongegrond, ingetrokken) through the service the API calls; a
    refusal (already decided, unknown outcome) is the back office's readable error page."""
    beschikking = _beschikking(session, user, beschikking_id)
    beschikkingen.decide_bezwaar(session, beschikking, object_id(bezwaar_id, "bezwaar"),
                                 uitkomst=bezwaar_form.read_uitkomst(form), today=request.app.state.ctx.today())
    log_access(session, request, user, actie=audit.BEZWAAR_AFGEHANDELD, object_type="beschikking",
               object_id=beschikking.id, client_id=read_beschikkingen.client_id(session, beschikking))
    return RedirectResponse(f"/beschikkingen/{beschikking.id}?bezwaar=afgehandeld", status_code=303)


@router.post("/beschikkingen/{beschikking_id}/bezwaren")
def post_bezwaar(beschikking_id: str, request: Request, session: DbSession, user: CjgUser,
                 form: CheckedForm) -> Response:
    beschikking = _beschikking(session, user, beschikking_id)
    gelezen = bezwaar_form.read(form)
    if not gelezen.fouten:
        try:
            beschikkingen.register_bezwaar(session, beschikking, ontvangen_op=gelezen.ontvangen_op,
                                           indiener=gelezen.invoer["indiener"],
                                           toelichting=gelezen.invoer["toelichting"],
                                           today=request.app.state.ctx.today())
        except beschikkingen.BezwaarFout as fout:  # refused before it writes anything
            bezwaar_form.refused(gelezen, fout.slug, fout.detail)
    if gelezen.fouten:
        return _show(request, session, user, beschikking, fouten=gelezen.fouten, invoer=gelezen.invoer, status=422)
    log_access(session, request, user, actie=audit.BEZWAAR_GEREGISTREERD, object_type="beschikking",
               object_id=beschikking.id, client_id=read_beschikkingen.client_id(session, beschikking))
    return RedirectResponse(f"/beschikkingen/{beschikking.id}?bezwaar=geregistreerd", status_code=303)


def _beschikking(session, user: Ingelogd, text: str) -> Beschikking:
    """The beschikking, or the 404 page: also for another municipality's (design.md §9)."""
    beschikking = read_beschikkingen.beschikking(session, object_id(text, "beschikking"), gemeenten=user.gemeenten)
    if beschikking is None:
        raise HTTPException(404, f"Er is geen beschikking met nummer {text[:40]}.")
    return beschikking


def _show(request: Request, session, user, beschikking: Beschikking, *, melding: str | None = None,
          fouten: dict | None = None, invoer: dict | None = None, status: int = 200) -> Response:
    """The beschikking page; showing the document to the user is a logged view."""
    ctx = request.app.state.ctx
    client_id = read_beschikkingen.client_id(session, beschikking)
    response = page(request, "beschikking_pagina.html", status=status, b=beschikking, client_id=client_id,
                    document=_document(render_beschikking(beschikkingen.as_json(beschikking))),
                    vandaag=ctx.today(), melding=melding, fouten=fouten or {},
                    beslistermijn=beschikkingen.beslissen_uiterlijk(beschikking),
                    uitkomsten=beschikkingen.BEZWAAR_UITKOMSTEN,
                    invoer=invoer or {"ontvangen_op": ctx.today().isoformat(), "indiener": "", "toelichting": ""})
    log_access(session, request, user, object_type="beschikking", object_id=beschikking.id, client_id=client_id)
    return response


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
