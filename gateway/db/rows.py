"""How many rows an UPDATE or DELETE touched.

`Session.execute` is typed to return a plain `Result`; for an UPDATE or DELETE it is a
`CursorResult`, whose `rowcount` the compare-and-set claims and the purges read. This is
the one place that says so, instead of a cast at every claim.
"""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase


def rowcount(session: Session, statement: UpdateBase) -> int:
    """Run `statement` in `session` and return the number of rows it matched."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
