"""What the domain services need from outside: schemas, reference data, limits and a clock.

Built once per process (API lifespan, Celery worker) and passed in. The clock is the
application's (`gateway.clock`); a unit test may pass a fixed one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from gateway import clock as app_clock
from gateway.clock import NL
from gateway.reference import ReferenceData
from gateway.xml.safe import Limits
from gateway.xml.schemas import SchemaSet


@dataclass(frozen=True)
class DomainContext:
    schemas: SchemaSet
    reference: ReferenceData
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = app_clock.now  # aware

    def now(self) -> datetime:
        """UTC, for stored timestamps: SQLite keeps no zone, so every stored moment is UTC."""
        return self.clock().astimezone(timezone.utc)

    def local_now(self) -> datetime:
        """Dutch wall-clock time, for what messages say (Toewijzingstijd, dates)."""
        return self.clock().astimezone(NL)

    def today(self) -> date:
        return self.local_now().date()


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp with its zone: SQLite hands back naive UTC, PostgreSQL aware."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a Dutch calendar day, as a UTC moment (stored moments are UTC)."""
    return datetime.combine(day, time(0), NL).astimezone(timezone.utc)


def local_date(moment: datetime) -> date:
    """The Dutch calendar date of a stored timestamp."""
    return as_utc(moment).astimezone(NL).date()


def iso_utc(moment: datetime | None) -> str | None:
    """A stored timestamp as ISO 8601 with its UTC offset, the same on SQLite and PostgreSQL."""
    return None if moment is None else as_utc(moment).isoformat()
