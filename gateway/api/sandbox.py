"""`/api/v1/sandbox`: providers register themselves and reset their data (docs/sandbox.md).

Exists only on a gateway started with `--sandbox` (GATEWAY_SANDBOX=1): `install` adds the
router, marks every answer with `X-Gateway-Sandbox: true` and names the sandbox in the API
description; elsewhere these paths answer 404 as any unknown path does.
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.deps import CallingParty
from gateway.http.deps import DbSession
from gateway.intake import sandbox

HEADER = "X-Gateway-Sandbox"
router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"])


class AanmeldingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agb: str
    naam: str


@router.post("/aanbieders", status_code=201, summary="Aanmelden als aanbieder in de sandbox",
             responses={201: {"description": "Aangemeld: het token (één keer getoond) en de gemeente die antwoordt"},
                        409: {"description": "Deze AGB-code is al aangemeld"},
                        422: {"description": "AGB-code of naam klopt niet"}})
def aanmelden(request: Request, body: AanmeldingIn, session: DbSession) -> JSONResponse:
    ctx = request.app.state.ctx
    aanmelding = sandbox.register(session, ctx.reference, ctx.today(), agb=body.agb, naam=body.naam)
    agb = aanmelding.aanbieder.code
    return JSONResponse({
        "agb": agb, "naam": aanmelding.aanbieder.naam, "token": aanmelding.token,
        "gemeente": {"code": aanmelding.gemeente.code, "naam": aanmelding.gemeente.naam},
        "toelichting": f"Zet {aanmelding.gemeente.code} als Ontvanger in je berichten; de sandbox besluit op je "
                       "aanvragen naar het laatste cijfer van het BSN (docs/sandbox.md).",
        "links": {"gegevens": f"/api/v1/sandbox/aanbieders/{agb}/gegevens", "berichten": "/api/v1/berichten",
                  "postbus": "/api/v1/postbus"},
    }, status_code=201, headers={"Location": f"/api/v1/sandbox/aanbieders/{agb}"})


@router.delete("/aanbieders/{agb}/gegevens", summary="Alle gegevens van deze aanbieder in de sandbox verwijderen",
               responses={403: {"description": "Niet het token van deze aanbieder, of geen sandbox-aanbieder"}})
def gegevens_verwijderen(agb: str, session: DbSession, party: CallingParty) -> dict:
    verwijderd = sandbox.reset(session, party, agb)
    return {"agb": agb, "verwijderd": verwijderd}


def install(app: FastAPI) -> None:
    """The sandbox's routes and marks on a gateway started in sandbox mode."""
    app.include_router(router)
    app.description = ("SANDBOX: een testomgeving voor aanbieders; een gemeente zonder CJG antwoordt naar het BSN "
                       "(docs/sandbox.md). " + app.description)
    app.title = f"{app.title} (sandbox)"  # the heading of /docs, from /openapi.json
    _docs_title(app)
    app.add_middleware(SandboxHeader)


def _docs_title(app: FastAPI) -> None:
    """The /docs page was built with the gateway's own title (gateway.api.docs): the same page,
    its window title starting with SANDBOX."""
    route = next((r for r in app.router.routes if isinstance(r, APIRoute) and r.path == "/docs"), None)
    if route is None:
        return
    original = route.endpoint()
    html = bytes(original.body).decode().replace("<title>", "<title>SANDBOX · ", 1)
    headers = {k: v for k, v in original.headers.items() if k.lower() not in ("content-length", "content-type")}
    app.router.routes.remove(route)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)


class SandboxHeader:
    """`X-Gateway-Sandbox: true` on every answer: API, documentation and back office."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (HEADER.lower().encode(), b"true")]}
            await send(message)

        await self.app(scope, receive, marked)
