"""The correlation id: one id follows a message from its HTTP request through the outbox into
every task it causes, so an operator can find all log lines about it with one search.

The id lives in a context variable: the API middleware binds it per request (the client's
`X-Request-ID` when it is acceptable, else a new one), an Outbox row stores the id that was
bound when it was written (its column default), the Celery publisher sends it as a task header
and the worker binds it again while the task runs, so work a task causes inherits it.
"""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
MAX_LENGTH = 64
# What a client may send: enough for a UUID, a ULID or a proxy's own id, nothing that could
# break a log line, a header or a log search (no spaces, quotes, control characters).
_ACCEPTABLE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{MAX_LENGTH - 1}}}")

_current: ContextVar[str | None] = ContextVar("gateway_request_id", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def accept(value: str | None) -> str:
    """The client's id when it is acceptable, else a fresh one (never an error: a bad id is
    not a reason to refuse a message)."""
    if value is not None and _ACCEPTABLE.fullmatch(value):
        return value
    return new_id()


def current() -> str | None:
    return _current.get()


@contextmanager
def bound(request_id: str | None) -> Iterator[str | None]:
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


def bind(request_id: str | None) -> Token[str | None]:
    """Bind without a `with` block (Celery's prerun/postrun pair); returns the reset token."""
    return _current.set(request_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the bound id on every record a handler emits, also records of other libraries."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
