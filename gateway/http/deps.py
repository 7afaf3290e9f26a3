"""The request's unit of work and the small readings of a request both HTTP edges need."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")

_AFTER_COMMIT = "gateway.http.after_commit"


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: what the handler adds is committed when it returns and
    rolled back when it raises. Handlers and services never commit; the few deliberate
    exceptions go through the helpers below, which say why."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    else:
        for callback in session.info.pop(_AFTER_COMMIT, ()):
            callback()
    finally:
        session.close()


# scope="function": the code after `yield` runs when the handler returns, before the response
# is sent, so a commit that fails becomes an error answer. FastAPI's default for a dependency
# with yield ("request") runs it only after the response went out: a failed commit would then
# follow a 2xx for work that was never stored.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def commit_and_release(session: Session) -> None:
    """Commit what the request did so far and give its pooled connection back before the
    request waits on its client. On PostgreSQL a SELECT opens a transaction that stays open,
    holding a pooled connection, while a slow client sends its body and while the route parses
    the untrusted bytes: one hanging request per connection exhausts the pool. (SQLite takes no
    lock for a read outside a transaction and its write lock only at the first write.) Loaded
    objects stay loaded: the sessionmaker does not expire on commit."""
    session.commit()


def discard(session: Session) -> None:
    """Undo all the session did so far, whatever the caller does next: an intake attempt that a
    concurrent twin's unique key failed, before it is tried again from nothing; a route that
    must never write; a refused change before its page is shown again (and that view logged);
    a log-in whose account changed while its password was checked. A whole rollback, not a
    savepoint: on SQLite a savepoint opens the transaction at once, so its first read fixes a
    snapshot, and a write after a concurrent commit then fails as "database is locked"
    instead of waiting for the write lock."""
    session.rollback()
    session.info.pop(_AFTER_COMMIT, None)


def with_twin_retry(session: Session, attempt: Callable[[], T]) -> T:
    """Run an intake attempt, flushed, and once more when a concurrent twin (the same bytes,
    the same identificatie, the same envelope) made its flush fail on a unique key: the
    second attempt starts from nothing and then finds the twin (a replay, a 9056, the same
    Bv03). Both doors of the intake take messages in this way."""
    for tried in range(2):
        try:
            result = attempt()
            session.flush()  # a twin's unique key fails here, where the attempt can be retried
        except IntegrityError:
            discard(session)
            if tried:
                raise
            continue
        return result
    raise AssertionError("unreachable")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call `callback` once the request's transaction has committed, never after a rollback:
    for what must count only work that was stored (a metric of received messages)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


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
