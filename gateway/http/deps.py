"""The request's unit of work and the small readings of a request both HTTP edges need."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: what the handler adds is committed when it returns and
    rolled back when it raises. FastAPI runs the code after `yield` before the response is
    sent, so a commit that fails turns into an error answer, never into a success for work
    that was not stored."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session)]


def discard(session: Session) -> None:
    """Undo all the session did so far, whatever the caller does next: a refused change before
    its page is shown again (and that view logged), a log-in whose account changed while its
    password was checked. A whole rollback, not a savepoint: on SQLite a savepoint opens the
    transaction at once, so its first read fixes a snapshot, and a write after a concurrent
    commit then fails as "database is locked" instead of waiting for the write lock."""
    session.rollback()


_MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def parse_id(text: str) -> int | None:
    """A path id, or None for anything that cannot be one (the caller answers 404, never a
    hint, and never a database error for a number too large for the column)."""
    # isascii: str.isdigit() is also true for '²' and other digits int() refuses.
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 0 < number <= _MAX_ID else None


def through_unknown_proxy(request: Request) -> bool:
    """Whether the request carries a proxy's forwarded header while the gateway was not told
    to believe proxies: then a proxy the gateway does not know stands in front, and the peer's
    address (often 127.0.0.1) is the proxy's, shared by every client behind it."""
    if request.app.state.settings.proxy_headers:
        return False
    return "x-forwarded-for" in request.headers or "forwarded" in request.headers
