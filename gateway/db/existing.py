"""Whether the configured database is a gateway database already, without making one.

The commands that work on the server's data (parties, tokens, users, the outbox) must find
the server's database. Run from another folder, the default URL (a SQLite file in the
working directory) names a file that is not there, and connecting would create it: a new,
empty gateway beside the running one, and a token that server never heard of. So the file is
looked for before anything connects, and a database without Alembic's version table (never
migrated) counts as missing too. Only `gateway serve` and `gateway db upgrade` create or
migrate a database from nothing.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DatabaseError

from gateway.db.session import describe, make_engine
from gateway.errors import GatewayError

# Alembic's own bookkeeping table: present once `gateway db upgrade` (or `serve`) has run.
VERSION_TABLE = "alembic_version"
# PostgreSQL's SQLSTATE for a database name its server does not know (invalid_catalog_name).
UNKNOWN_DATABASE = "3D000"
# Said instead of a URL that cannot be parsed: that text may hold a password, so it is never shown.
UNREADABLE_URL = ("GATEWAY_DATABASE_URL is no database URL SQLAlchemy can read "
                  "(dialect+driver://user:password@host/database, or sqlite:///file)")


class DatabaseMissing(GatewayError):
    """The URL names no gateway database yet: no file, no such database, or never migrated."""

    status, slug, title = 503, "database-missing", "Geen database"


class DatabaseUnreadable(GatewayError):
    """The database is there (or may be) but cannot be reached or read."""

    status, slug, title = 503, "database-unreadable", "Database onbereikbaar"


def shown(url: str) -> str:
    """`url` as an operator should see it: the password hidden, a SQLite file by its absolute
    path (resolved against the working directory, as SQLite itself does), so what is printed
    can be given back as GATEWAY_DATABASE_URL from any folder. ArgumentError when it is no URL."""
    parsed = make_url(url)
    path = sqlite_file(parsed)
    if path is not None:
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The absolute path of a SQLite database file; None for another database or an in-memory
    one. (A `file:` URI with `uri=true` is taken as a plain path: the gateway never uses them.)"""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


def require_existing(url: str) -> None:
    """Raise DatabaseMissing unless `url` names a database that exists and has been migrated;
    DatabaseUnreadable when it cannot be reached or read, or is no URL at all. Creates nothing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnreadable(UNREADABLE_URL) from None
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is None:
            raise DatabaseMissing(f"{shown(url)} is an in-memory SQLite database: new and empty on every connection")
        if not path.exists():
            raise DatabaseMissing(f"there is no database file {path}")
        if not path.is_file():
            raise DatabaseUnreadable(f"{path} is not a file (a database file was expected)")
        migrated = _sqlite_migrated(path)
    else:
        migrated = _migrated(url)
    if not migrated:
        raise DatabaseMissing(f"the database {shown(url)} has no gateway tables "
                              f"(no {VERSION_TABLE} table: it was never migrated)")


def require_usable_url(url: str) -> None:
    """Raise DatabaseUnreadable unless `url` is a database URL with a dialect and driver this
    installation has (what `db upgrade` needs before it may create anything). Connects nowhere."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnreadable(UNREADABLE_URL) from None
    try:
        parsed.get_dialect()
    except (ArgumentError, ImportError) as exc:  # a dialect SQLAlchemy does not know, a driver not installed
        raise DatabaseUnreadable(f"the database {shown(url)} cannot be used: no SQLAlchemy dialect or driver "
                                 f"for it ({exc})") from None


def _sqlite_migrated(path: Path) -> bool:
    """Read-only and without the gateway's pragmas: looking changes nothing in a file that may
    not be the gateway's (WAL mode, once set, stays in the file)."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                       (VERSION_TABLE,)).fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnreadable(f"{path} cannot be read as a SQLite database: {exc}") from exc
    return found is not None


def _migrated(url: str) -> bool:
    try:
        engine = make_engine(url)
    except (ArgumentError, ImportError) as exc:  # a dialect SQLAlchemy does not know, a driver not installed
        raise DatabaseUnreadable(f"the database {shown(url)} cannot be used: no SQLAlchemy dialect or driver "
                                 f"for it ({exc})") from None
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table(VERSION_TABLE)
    except DatabaseError as exc:
        if _unknown_database(exc, make_url(url).database):
            raise DatabaseMissing(f"the database {shown(url)} does not exist on its server") from exc
        raise DatabaseUnreadable(f"the database {shown(url)} cannot be used: {describe(exc.orig or exc)}") from exc
    finally:
        engine.dispose()


def _unknown_database(exc: DatabaseError, name: str | None) -> bool:
    """Whether the server said it has no database of that name. psycopg gives a refused
    connection no SQLSTATE (only the server's text), so its English wording counts too; a
    server speaking another language (lc_messages) gets the other answer, which still shows
    the server's own text and the URL."""
    if getattr(exc.orig, "sqlstate", None) == UNKNOWN_DATABASE:
        return True
    return name is not None and f'database "{name}" does not exist' in str(exc.orig)
