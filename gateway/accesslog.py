"""The HTTP edge's bookkeeping: the correlation id and the access log, without personal data.

`RequestContext` is a plain ASGI middleware (no BaseHTTPMiddleware: it must see every answer,
streamed ones too). Per request it
  - takes the client's `X-Request-ID` when it is acceptable, or makes one, binds it for the
    request's log lines and outbox rows (`gateway.correlation`), and returns it in the answer;
  - writes one access line (`gateway.access`): method, path, status, duration, client.

A BSN must not end up in the process log: a search of the back office's message log carries
it in the query string (`/berichten?q=…`) and the API's client trajectory in the path
(`/api/v1/clienten/{bsn}/traject`). The access line therefore keeps the path without the
query and masks that BSN.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import correlation
from gateway.logs import LogFormat, dict_config

_CLIENT_PATH = re.compile(r"^(/api/v1/clienten/)[^/?]+")
_log = logging.getLogger("gateway.access")
SCOPE_KEY = "gateway.request_id"  # where handlers outside the middleware (a 500) find the id


def masked_path(path: str) -> str:
    return _CLIENT_PATH.sub(r"\1*", path.split("?", 1)[0])


class RequestContext:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                        if name == b"x-request-id"), None)
        request_id = correlation.accept(offered)
        scope[SCOPE_KEY] = request_id
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        with correlation.bound(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                _access_line(scope, status, time.perf_counter() - started)


def _access_line(scope: Scope, status: int, seconds: float) -> None:
    client = scope.get("client")
    address = f"{client[0]}:{client[1]}" if client else "-"
    path = masked_path(scope.get("path", ""))
    method = scope.get("method", "")
    duration_ms = round(seconds * 1000, 1)
    _log.info('%s - "%s %s HTTP/%s" %d %.1fms', address, method, path, scope.get("http_version", "1.1"),
              status, duration_ms,
              extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms,
                     "client": address})


def log_config(fmt: LogFormat = "json", level: str = "INFO") -> dict[str, Any]:
    """The logging configuration `gateway serve` hands to uvicorn."""
    return dict_config(fmt, level)
