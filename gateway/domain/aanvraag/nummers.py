"""Numbers drawn from a counter per gemeente: ToewijzingNummer (unique per gemeente, TR332/
OP275) and the beschikkingnummer (unique, UP037).

The counter row is updated in the caller's transaction: the update locks it (PostgreSQL: the
row; SQLite: the database) until that transaction ends, so concurrent workers draw distinct
numbers, and a transaction that rolls back gives its number back, leaving no gaps behind a
crash. The unique constraints on toewijzing and beschikking stay the last line of defence.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db.models import Nummerreeks
from gateway.db.rows import rowcount
from gateway.errors import GatewayError

TOEWIJZING = "toewijzing"
BESCHIKKING = "beschikking"
_MAX_TOEWIJZINGNUMMER = 999_999_999  # LDT_Nummer


class NummerreeksVol(GatewayError):
    """The counter ran past what the message field can hold: nothing more can be numbered
    until an operator acts (500)."""

    slug = "nummerreeks-vol"


def next_number(session: Session, gemeente: str, soort: str) -> int:
    number = _increment(session, gemeente, soort)
    if number is None:
        try:
            with session.begin_nested():
                session.add(Nummerreeks(gemeente=gemeente, soort=soort, laatste=1))
            number = 1
        except IntegrityError:
            # Another transaction created the row first: now the update finds it.
            number = _increment(session, gemeente, soort)
            assert number is not None  # the row is there: inserting it conflicted
    if soort == TOEWIJZING and number > _MAX_TOEWIJZINGNUMMER:
        raise NummerreeksVol(f"ToewijzingNummer van gemeente {gemeente} voorbij {_MAX_TOEWIJZINGNUMMER}")
    return number


def following(session: Session, gemeente: str, soort: str, after: int = 0) -> int:
    """The number `next_number` would draw after `after` more draws, without drawing it: for
    a dry run, which must leave the counter as it is."""
    laatste = session.scalar(select(Nummerreeks.laatste).where(
        Nummerreeks.gemeente == gemeente, Nummerreeks.soort == soort))
    number = (laatste or 0) + after + 1
    if soort == TOEWIJZING and number > _MAX_TOEWIJZINGNUMMER:
        raise NummerreeksVol(f"ToewijzingNummer van gemeente {gemeente} voorbij {_MAX_TOEWIJZINGNUMMER}")
    return number


def _increment(session: Session, gemeente: str, soort: str) -> int | None:
    """The counter plus one, or None when our update found no counter row."""
    updated = rowcount(session, update(Nummerreeks)
                       .where(Nummerreeks.gemeente == gemeente, Nummerreeks.soort == soort)
                       .values(laatste=Nummerreeks.laatste + 1))
    if not updated:
        # Do not read it then: on PostgreSQL a row that another transaction created and
        # committed after our update is visible to the next statement, and its number is
        # that transaction's, not ours (the insert below runs into it and retries instead).
        return None
    return session.scalar(select(Nummerreeks.laatste).where(
        Nummerreeks.gemeente == gemeente, Nummerreeks.soort == soort))
