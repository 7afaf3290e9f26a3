"""The back office: server-rendered Dutch pages for the CJG, finance and administrators,
mounted on the API's application so one process serves both (design.md §3, §7).

The sub-application shares the API's state (engine, sessions, domain context), so pages
call the same services as the API. It is mounted at the root, after the API's routes;
`BackOfficeMount` leaves the machine paths alone so that an unknown or wrong-method API
call still gets the API's problem+json answer, not an HTML page.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.accesslog import masked_path
from gateway.db.session import RETRY_AFTER_SECONDS, UNAVAILABLE, describe
from gateway.errors import GatewayError
from gateway.headers import PAGE_HEADERS, adding_headers
from gateway.web import (
    aanvragen,
    audit,
    auth,
    berichten,
    blokkades,
    clienten,
    declaraties,
    financien,
    financien_extra,
    formulier,
    gebruikers,
    partijen,
    termijnen,
)
from gateway.web.deps import LoginNodig
from gateway.web.render import error_page

MACHINE_PATHS = ("/api", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")
STATIC = Path(__file__).parent / "static"
_log = logging.getLogger("gateway.web")
_OWN_FAULT = ("Er ging iets mis", "De fout is vastgelegd in het log van de gateway. Probeer het later opnieuw.")


class BackOfficeMount(Mount):
    """A mount at the root that does not claim the machine API's paths."""

    def matches(self, scope: Scope):
        path = scope.get("path", "")
        if any(path == p or path.startswith(p + "/") for p in MACHINE_PATHS):
            return Match.NONE, {}
        return super().matches(scope)


def mount_backoffice(app: FastAPI) -> None:
    backoffice = create_backoffice()
    backoffice.state = app.state  # one engine, one domain context for API and pages
    app.router.routes.append(BackOfficeMount("", app=backoffice, name="backoffice"))


def create_backoffice() -> FastAPI:
    backoffice = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    backoffice.add_middleware(PageHeaders)
    backoffice.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, berichten, aanvragen, formulier, clienten, termijnen, financien, financien_extra,
                   declaraties, audit, partijen, blokkades, gebruikers):
        backoffice.include_router(module.router)

    @backoffice.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> Response:
        if isinstance(exc, LoginNodig):
            return RedirectResponse(exc.login_url, status_code=303)
        if exc.status >= 500:  # the gateway's own fault: logged, and the page says so
            _log.error("%s on %s %s: %s", exc.slug, request.method, masked_path(request.url.path), exc.detail)
            return error_page(request, exc.status, *_OWN_FAULT)
        return error_page(request, exc.status, exc.title, _sentence(exc.detail), headers=exc.headers or None)

    @backoffice.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {404: "Niet gevonden", 405: "Niet toegestaan", 400: "Ongeldig verzoek"}
        return error_page(request, exc.status_code, titles.get(exc.status_code, "Fout"), str(exc.detail),
                          headers=dict(exc.headers or {}))

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        _log.warning("database unavailable on %s %s: %s", request.method, masked_path(request.url.path), describe(exc))
        return error_page(request, 503, "Even niet beschikbaar",
                          "De database van de gateway is even niet bereikbaar. Probeer het over "
                          f"{RETRY_AFTER_SECONDS} seconden opnieuw.",
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    for error in UNAVAILABLE:
        backoffice.add_exception_handler(error, database_unavailable)

    @backoffice.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_page(request, 500, *_OWN_FAULT)

    return backoffice


def _sentence(text: str) -> str:
    """A domain's detail ("geen aanvraag 5 voor gemeente 0363") as the page's sentence."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class PageHeaders:
    """Headers for every back-office answer: pages hold personal data, so nothing is cached
    and nothing is framed or loaded from elsewhere; `Server-Timing` gives the server's own
    time per page (the benchmark reads it)."""

    _FIXED = PAGE_HEADERS

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        def headers() -> list[tuple[bytes, bytes]]:
            elapsed = (time.perf_counter() - started) * 1000
            return [*self._FIXED, (b"server-timing", f"app;dur={elapsed:.1f}".encode())]

        await self.app(scope, receive, adding_headers(send, headers))
