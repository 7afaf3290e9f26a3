"""The access log is append-only in the database itself (NEN 7513: a log that whoever runs
the application cannot quietly edit): triggers refuse UPDATE and DELETE on `audit_regel`.

Used by migration 0004. `without_guard` is for the test suite's clean-up between tests
only; nothing in the application calls it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLE = "audit_regel"
_MESSAGE = "audit_regel is append-only"

_POSTGRESQL = (
    f"""CREATE OR REPLACE FUNCTION audit_regel_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_regel_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_regel_append_only()""",
    # TRUNCATE fires no row trigger: refuse it with a statement trigger.
    f"""CREATE TRIGGER audit_regel_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_regel_append_only()""",
)
_SQLITE = tuple(
    f"""CREATE TRIGGER audit_regel_no_{verb.lower()} BEFORE {verb} ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
    for verb in ("UPDATE", "DELETE"))


def install(connection: Connection) -> None:
    for statement in _statements(connection):
        connection.execute(text(statement))


def remove(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TRIGGER IF EXISTS audit_regel_append_only ON {TABLE}"))
        connection.execute(text(f"DROP TRIGGER IF EXISTS audit_regel_no_truncate ON {TABLE}"))
        connection.execute(text("DROP FUNCTION IF EXISTS audit_regel_append_only()"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS audit_regel_no_update"))
        connection.execute(text("DROP TRIGGER IF EXISTS audit_regel_no_delete"))


@contextmanager
def without_guard(connection: Connection) -> Iterator[None]:
    """Lift the guard inside `connection`'s transaction (tests' clean-up only)."""
    remove(connection)
    yield
    install(connection)


def _statements(connection: Connection) -> tuple[str, ...]:
    return _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE
