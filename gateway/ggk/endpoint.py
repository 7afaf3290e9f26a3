"""`/ggk/OntvangAsynchroon`: the port type OntvangAsynchroon (SOAP 1.1, document/literal) that
the Digikoppeling adapter calls with the chain's Di01, Du01 and Fo01 (design.md §8), and its
WSDL at `?wsdl`.

The endpoint exists when GATEWAY_GGK_URL is set (else 404) and answers only the addresses in
GATEWAY_GGK_ALLOW_FROM (else 403). The answer is about the envelope alone: HTTP 200 with a
Bv03 once the envelope is valid and committed with everything it caused; a broken envelope
gets HTTP 500 with a SOAP Fault carrying a Fo03, and nothing of it is stored. The body is
parsed before any database work, so no transaction waits on the untrusted bytes.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from gateway import stuf
from gateway.context import Context
from gateway.domain.berichten.envelop import zender
from gateway.ggk import ontvangst
from gateway.http.allow import peer_allowed
from gateway.http.body import read_limited
from gateway.http.deps import DbSession, discard, with_twin_retry
from gateway.problems import Problem
from gateway.settings import Settings

PATH = "/ggk/OntvangAsynchroon"
SOAP_MEDIA = "text/xml; charset=utf-8"  # SOAP 1.1 (WS-I Basic Profile 1.1)
# Applicatie of an unknown caller in a Fo03's ontvanger (Applicatie needs 3 characters).
_ONBEKEND = "onbekend"

router = APIRouter(tags=["ggk"])


def _open_to(request: Request) -> Settings:
    """The settings, when this caller may use the endpoint at all."""
    settings: Settings = request.app.state.settings
    if not settings.ggk_enabled:
        raise Problem(404, "not-found", "Niet gevonden", "deze gateway is niet aan de GGk gekoppeld "
                                                         "(GATEWAY_GGK_URL is niet ingesteld)")
    if not peer_allowed(request, request.app.state.ggk_networks):
        raise Problem(403, "forbidden", "Geen toegang", "dit adres mag de GGk-koppeling niet aanroepen "
                                                        "(GATEWAY_GGK_ALLOW_FROM)")
    return settings


OpenTo = Annotated[Settings, Depends(_open_to)]


async def read_envelope(request: Request, settings: OpenTo) -> bytes | None:
    """The body, or None when it is larger than GATEWAY_GGK_MAX_BYTES."""
    return await read_limited(request, settings.ggk_max_bytes)


EnvelopeBody = Annotated[bytes | None, Depends(read_envelope)]


@router.get(PATH, include_in_schema=False)
def wsdl(request: Request, _settings: OpenTo) -> Response:
    """The gateway's own WSDL (equivalent to the official one) with this endpoint as its address;
    `?xsd=NAME` serves the schemas it imports."""
    address = str(request.url.replace(query="", fragment=""))
    if "wsdl" in request.query_params:
        return Response(stuf.wsdl(address), media_type=SOAP_MEDIA)
    name = request.query_params.get("xsd")
    if name and (content := stuf.schema_file(name, address)) is not None:
        return Response(content, media_type=SOAP_MEDIA)
    raise Problem(404, "not-found", "Niet gevonden", f"vraag {PATH}?wsdl op voor de beschrijving van deze dienst")


@router.post(PATH, include_in_schema=False)
def ontvang(request: Request, session: DbSession, settings: OpenTo, body: EnvelopeBody) -> Response:
    ctx: Context = request.app.state.ctx
    if body is None:
        return _fault(ctx, stuf.EnvelopFout("StUF046", f"envelop groter dan {settings.ggk_max_bytes} bytes", "client"))
    try:
        ontvangen = stuf.parse_request(body, request.headers.get("soapaction"))
    except stuf.EnvelopFout as fout:
        return _fault(ctx, fout)
    today = ctx.today()
    try:
        # Each attempt screens the payload afresh before its first statement (see the API's
        # POST /api/v1/berichten): nothing waits on the parse of the untrusted bytes.
        antwoord = with_twin_retry(session, lambda: ontvangst.take_in(
            session, ctx, ontvangen, ontvangst.screen_payload(ctx, ontvangen, settings.max_body_bytes), today=today))
    except stuf.EnvelopFout as fout:
        discard(session)
        return _fault(ctx, fout, ontvangen.bericht.stuurgegevens)
    return Response(antwoord, media_type=SOAP_MEDIA)


def _fault(ctx: Context, fout: stuf.EnvelopFout, received: stuf.Stuurgegevens | None = None) -> Response:
    """HTTP 500 with a SOAP Fault whose detail is the Fo03. Nothing is stored, so its
    tijdstipBericht is the clock's, not taken from the gateway's counter (§3.5 StUF019 is
    about what a system stores and sends on; a Fo03 is neither)."""
    ons = zender(ctx, received.ontvanger.organisatie or "") if received is not None else zender(ctx, "")
    ons = stuf.Systeem(ons.organisatie or None, ons.applicatie)
    hun = received.zender if received is not None else stuf.Systeem(None, _ONBEKEND)
    sg = stuf.Stuurgegevens("Fo03", ons, hun, stuf.new_referentienummer(), stuf.tijdstip(ctx.local_now()),
                            received.referentienummer if received is not None else "")
    element = stuf.build(stuf.Fout(sg, fout.code, fout.plek, fout.omschrijving[:200]))
    return Response(stuf.soap_fault(element, plek=fout.plek), status_code=500, media_type=SOAP_MEDIA)
