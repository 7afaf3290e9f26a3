"""The municipalities a back-office user may see, as a condition in a query (design.md §9).

A regional gateway serves several municipalities; a user belongs to one or more of them and
sees only their work. Pages pass the user's `gemeenten` (None: all, an admin or a user of every
municipality) into the read model, which filters in SQL: a page of 50 filtered afterwards would
be a short page, and a count over all municipalities would tell what the user may not see.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, true

Gemeenten = frozenset[str] | None


def binnen(column, gemeenten: Gemeenten) -> ColumnElement[bool]:
    """`column` (a gemeente code) is one of `gemeenten`; always true for None."""
    if gemeenten is None:
        return true()
    return column.in_(sorted(gemeenten))

