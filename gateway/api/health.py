"""Liveness and readiness."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.api.openapi_models import HealthPayload, ReadyPayload
from gateway.api.responses import RETRY_AFTER, json_model
from gateway.db.session import RETRY_AFTER_SECONDS, UNAVAILABLE, describe

router = APIRouter(tags=["health"])
_log = logging.getLogger("gateway.api")


@router.get("/healthz", summary="Het proces leeft", responses={200: json_model(HealthPayload, "Het proces leeft")})
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="Database en broker bereikbaar",
            responses={200: json_model(ReadyPayload, "Database en broker zijn bereikbaar"),
                       503: json_model(ReadyPayload, "Database of broker is niet bereikbaar: `checks` zegt welke",
                                       headers=RETRY_AFTER)})
def readyz(request: Request) -> JSONResponse:
    checks = {"database": _database(request), "broker": _broker(request)}
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503,
                        headers=None if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _database(request: Request) -> str:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except UNAVAILABLE as exc:
        _log.warning("readiness: database unreachable: %s", describe(exc))
        return "unreachable"
    except Exception as exc:  # any failure means not ready; say which
        return f"error: {type(exc).__name__}"


def _broker(request: Request) -> str:
    settings = request.app.state.settings
    if settings.embedded_broker:
        return "ok"  # the embedded broker lives in the database checked above
    try:
        import redis

        redis.Redis.from_url(settings.broker_url, socket_timeout=2).ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
