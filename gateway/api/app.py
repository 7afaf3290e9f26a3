"""The provider API's application factory (the back office and the Celery publisher are
added by the composition root, `gateway.main`)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from gateway import correlation, problems
from gateway.accesslog import SCOPE_KEY, RequestContext, masked_path
from gateway.api import aanvragen, berichten, beschikkingen, health, metrics, postbus, rapportages, trajecten
from gateway.api.docs import install_docs
from gateway.api.openapi import install_openapi
from gateway.api.validation import request_problem
from gateway.context import Context, GgkRoute
from gateway.db.session import RETRY_AFTER_SECONDS, UNAVAILABLE, describe, make_engine, make_sessionmaker
from gateway.errors import GatewayError
from gateway.headers import SecurityHeaders
from gateway.http.allow import allowed_networks
from gateway.problems import PROBLEM_JSON, Problem
from gateway.reference import load_reference
from gateway.settings import Settings
from gateway.work.background_publisher import BackgroundPublisher
from gateway.work.relay import Publish, install
from gateway.xml.safe import Limits
from gateway.xml.schemas import load_schemas


def create_api(settings: Settings, *, publish: Publish | None = None,
               default_publisher: Callable[[Settings], Publish]) -> FastAPI:
    """`publish` wakes the workers for committed outbox rows; without it the app builds
    `default_publisher(settings)` at start-up and runs it off the request thread."""
    # Schemas and mappings load before the first request: a broken file stops start-up
    # with its own message instead of failing a provider's message later.
    schemas = load_schemas(settings.schemas_dir)
    reference = load_reference(settings.mappings_dir)
    metrics_networks = allowed_networks(settings.metrics_allow_from, "GATEWAY_METRICS_ALLOW_FROM")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings.database_url)
        app.state.sessions = make_sessionmaker(app.state.engine)
        # The default publisher works off the request thread: an answer never waits for the broker.
        background = None if publish else BackgroundPublisher(default_publisher(settings))
        install(app.state.sessions, publish or background)
        # Log-ins queue here for their password check, among themselves: the checks run in
        # worker threads, never on the event loop, and never more at once than this.
        app.state.login_limiter = anyio.CapacityLimiter(settings.login_hash_concurrency)
        yield
        if background is not None:
            background.close()
        app.state.engine.dispose()

    # /docs is the gateway's own page (gateway.api.docs), not FastAPI's CDN-loading one.
    app = FastAPI(title="Jeugdhulp message gateway", version="0.1.0", lifespan=lifespan,
                  description=_DESCRIPTION,
                  docs_url=None, redoc_url=None)
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.metrics_networks = metrics_networks
    app.state.ggk_networks = allowed_networks(settings.ggk_allow_from, "GATEWAY_GGK_ALLOW_FROM")
    app.state.schemas = schemas
    app.state.reference = reference
    app.state.limits = Limits(settings.max_body_bytes, settings.max_xml_depth, settings.max_xml_elements)
    app.state.ctx = Context(schemas, reference, app.state.limits, GgkRoute.of(settings),
                            cjg_contact=settings.cjg_contact, sandbox=settings.sandbox)
    for module in (berichten, postbus, aanvragen, trajecten, beschikkingen, rapportages, health, metrics):
        app.include_router(module.router)
    install_openapi(app)
    install_docs(app)

    @app.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> Response:
        if exc.status >= 500:  # the gateway's own fault (e.g. its self-check refused an answer)
            _log.error("%s on %s %s: %s", exc.slug, request.method, masked_path(request.url.path), exc.detail)
        return _problem_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Response:
        # Routing errors (unknown path, wrong method) in the same problem+json shape.
        return _problem_response(Problem(exc.status_code, "http", str(exc.detail), str(exc.detail),
                                         headers=dict(exc.headers or {})))

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        _log.warning("database unavailable on %s %s: %s", request.method, masked_path(request.url.path), describe(exc))
        return _problem_response(database_unavailable_problem())

    for error in UNAVAILABLE:
        app.add_exception_handler(error, database_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        _log.exception("unexpected error on %s %s", request.method, masked_path(request.url.path))
        # Answered outside the middleware (Starlette's outermost layer), so the id is added here.
        return _problem_response(Problem(500, "internal", "Interne fout",
                                         "er ging iets mis in de gateway; het is gelogd",
                                         headers={correlation.HEADER: request.scope.get(SCOPE_KEY, "")}))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        return _problem_response(request_problem(exc))

    # The correlation id and the access log wrap everything, the back office included.
    app.add_middleware(RequestContext)
    return app


_log = logging.getLogger("gateway.api")
_DESCRIPTION = (
    "iJw 3.2 berichtenverkeer voor de toegang jeugdhulp. Een bericht gaat als XML naar `POST /api/v1/berichten` "
    "en krijgt zijn retourbericht als XML terug (202 aangenomen, 422 afgekeurd door een regel); de gateway "
    "zet wat hij stuurt (JW301, JW319, JW325) in de postbus. Elke andere fout is RFC 9457 problem+json "
    "(`application/problem+json`: `type`, `title`, `status`, `detail`, bij een schemafout of een ongeldige "
    "parameter `errors` met `line`, `path` en `message`). Authenticatie: zie het bearer-schema.")


def database_unavailable_problem() -> Problem:
    return Problem(503, "database-unavailable", "Database niet bereikbaar",
                   f"de database van de gateway is even niet bereikbaar; probeer het over "
                   f"{RETRY_AFTER_SECONDS} seconden opnieuw",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _problem_response(error: GatewayError) -> Response:
    """The API's one rendering of an error: problem+json with the error's status and headers."""
    return Response(problems.body(error), status_code=error.status, media_type=PROBLEM_JSON,
                    headers=error.headers or None)
