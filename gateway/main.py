"""The composition root: the provider API with the back office mounted behind it, waking the
Celery workers for committed work. The one module that knows every edge; nothing imports it
but the command line and the tests that run the whole gateway."""
from __future__ import annotations

from fastapi import FastAPI

from gateway.api.app import create_api
from gateway.settings import Settings
from gateway.web.app import mount_backoffice
from gateway.work.relay import Publish
from tasks.celery_app import create_celery
from tasks.publishing import publisher


def create_app(settings: Settings, *, publish: Publish | None = None) -> FastAPI:
    """`publish` wakes the workers for committed outbox rows (default: Celery on the
    configured broker); tests pass their own."""
    app = create_api(settings, publish=publish, default_publisher=celery_publisher)
    mount_backoffice(app)  # last: it takes every path the API does not
    return app


def celery_publisher(settings: Settings) -> Publish:
    return publisher(create_celery(settings))
