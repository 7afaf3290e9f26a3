"""The composition root: the provider API and the GGk endpoint with the back office mounted behind them, waking the
Celery workers for committed work. The one module that knows every edge; nothing imports it
but the command line and the tests that run the whole gateway."""
from __future__ import annotations

from fastapi import FastAPI

from gateway.api import sandbox as sandbox_api
from gateway.api.app import create_api
from gateway.ggk import endpoint as ggk_endpoint
from gateway.settings import Settings, get_settings
from gateway.web.app import mount_backoffice
from gateway.work.relay import Publish
from tasks.celery_app import create_celery
from tasks.publishing import publisher


def create_app(settings: Settings, *, publish: Publish | None = None) -> FastAPI:
    """`publish` wakes the workers for committed outbox rows (default: Celery on the
    configured broker); tests pass their own."""
    app = create_api(settings, publish=publish, default_publisher=celery_publisher)
    app.include_router(ggk_endpoint.router)  # answers 404 unless GATEWAY_GGK_URL is set
    if settings.sandbox:  # else /api/v1/sandbox answers 404, as any unknown path
        sandbox_api.install(app)
    mount_backoffice(app)  # last: it takes every path the API does not
    return app


def app_from_environment() -> FastAPI:
    """The app of one API process of `gateway serve --workers N`, which uvicorn builds in each
    process it starts (`gateway.main:app_from_environment`, factory=True). Everything comes
    from the GATEWAY_* environment, which the command completed before it started them; each
    process gets its own engine, context and background publisher at start-up (the lifespan),
    so no process holds anything another one needs."""
    from gateway import clock
    from gateway.lifetime import die_with_parent

    # uvicorn's supervisor stops its processes when it is stopped, but not when it is killed.
    die_with_parent()
    settings = get_settings()
    # A process uvicorn starts runs no `gateway` command, so nothing else sets its clock.
    clock.configure(settings.today, settings.clock_shift_seconds)
    return create_app(settings)


def celery_publisher(settings: Settings) -> Publish:
    return publisher(create_celery(settings))
