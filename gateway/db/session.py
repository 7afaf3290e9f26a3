"""Engines and sessions. Created by the app's lifespan or the CLI, never at import."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import sqlite_writer

# The database cannot be reached or cannot take work right now (connection refused or lost,
# server shutting down, a lock or pool wait that timed out; SQLAlchemy wraps psycopg's and
# sqlite3's OperationalError in its own): answered 503 with Retry-After, never 500.
UNAVAILABLE = (OperationalError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 10
# A server that does not answer a new connection within this time counts as unreachable (503),
# instead of holding the request for the operating system's TCP time-out of minutes.
CONNECT_TIMEOUT_SECONDS = 5
SQLITE_POOL_SIZE = 40


def make_engine(url: str) -> Engine:
    # Statement parameters and result rows hold BSNs, names and message bodies: neither an
    # error message nor SQLAlchemy's statement log (echo, or its logger at INFO/DEBUG) may
    # show them.
    _without_rows(logging.getLogger("sqlalchemy.engine.Engine"))
    if url.startswith("sqlite"):
        # The pool holds a connection for each request thread that can be working at once
        # (anyio's default of 40 worker threads), so none waits for the pool itself.
        # (An in-memory database has a pool of its own kind, with no size.)
        in_memory = make_url(url).database in (None, "", ":memory:")
        pool = {} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 0}
        engine = create_engine(url, hide_parameters=True, **pool,
                               connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", sqlite_pragmas)
        sqlite_writer.install(engine)
        return engine
    # pool_pre_ping: connections that died with the server are replaced on the next checkout,
    # so the API recovers by itself once the database is back.
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    event.listen(engine, "handle_error", _without_server_detail)
    return engine


_DETAIL = re.compile(r"\nDETAIL: [^\n]*")


def _without_server_detail(context) -> None:
    """PostgreSQL's DETAIL of a constraint error repeats the row's values ("Key (gemeente,
    bsn)=(0363, 999994323) already exists"): dropped from the error's text, so a logged or
    recorded error names the constraint but not the client. `orig.diag` keeps it for code."""
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and error.args and isinstance(error.args[0], str) and "\nDETAIL:" in error.args[0]:
            error.args = (_DETAIL.sub("", error.args[0]), *error.args[1:])


def describe(exc: BaseException) -> str:
    """One line for the log about a database error: the driver's message, without the
    statement that follows it."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _NoRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG record of each result row (`hide_parameters` covers only the
    parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


def _without_rows(logger: logging.Logger) -> None:
    if not any(isinstance(f, _NoRows) for f in logger.filters):
        logger.addFilter(_NoRows())


def sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the API read while the worker writes; foreign keys are off by default.
    # synchronous=NORMAL: in WAL mode a commit is then written to the WAL file without waiting
    # for the disk (fsync at each checkpoint instead). A committed message survives a crash
    # or kill of any process; only the operating system losing power can take the last
    # transactions with it, never corrupting the file (SQLite's documentation of WAL mode).
    # PostgreSQL, the production database, keeps synchronous_commit on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, dry_run: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error. Only the edge (a
    request, a task, a CLI command) opens one; services add and flush, never commit.
    A dry run rolls back what succeeded too (a command that shows what it would change)."""
    session = factory()
    try:
        yield session
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

