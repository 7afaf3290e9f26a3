"""The application's one clock: every date and time the domain uses is read here.

Receipt dates, Dagtekening checks (TR135 compares with the receiving system's date, the Dutch
calendar date whatever the server's zone), deadlines, signals, audit times and column defaults
all come from `now()`, `local_now()` or `today()`, never from the wall clock directly.

A process runs on the machine's clock unless it is moved: pinned to a day (`GATEWAY_TODAY`:
the clock reads that day at start-up and runs on from there, shifted by whole days, so every
process pinned to the same day agrees), or shifted by a number of seconds
(`GATEWAY_CLOCK_SHIFT_SECONDS`: the test suite computes one shift to noon of its day and hands
it to every process it starts, so no test run crosses a midnight, Dutch or UTC). The clock is
set once per process at start; it is configuration, not state another process needs.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NL = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self, shift: timedelta = timedelta(0)):
        self.shift = shift

    @classmethod
    def pinned_to(cls, day: date) -> Clock:
        """A clock whose Dutch date is `day` now, and which runs on from there."""
        return cls(timedelta(days=(day - datetime.now(NL).date()).days))

    @classmethod
    def starting_at(cls, moment: datetime) -> Clock:
        """A clock that reads `moment` (aware) now, and runs on from there."""
        return cls(moment - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


_current = Clock()


def install(clock: Clock) -> Clock:
    """Run the process on `clock` from now on; returns the clock it ran on before."""
    global _current
    previous, _current = _current, clock
    return previous


def configure(day: date | None = None, shift_seconds: float | None = None) -> None:
    """Start-up of a process: pinned to `day`, else shifted by `shift_seconds`, else the
    machine's clock."""
    if day is not None:
        install(Clock.pinned_to(day))
    elif shift_seconds is not None:
        install(Clock(timedelta(seconds=shift_seconds)))
    else:
        install(Clock())


def noon(day: date) -> datetime:
    """Twelve o'clock Dutch time on `day`: far from both midnights."""
    return datetime.combine(day, time(12), NL)


def now() -> datetime:
    """UTC, aware: what is stored (SQLite keeps no zone, so every stored moment is UTC)."""
    return _current.now()


def local_now() -> datetime:
    """Dutch wall-clock time, for what messages say (Toewijzingstijd, dates)."""
    return now().astimezone(NL)


def today() -> date:
    """The Dutch calendar date."""
    return local_now().date()


# -- stored moments ---------------------------------------------------------------------------

def as_utc(moment: datetime) -> datetime:
    """A stored timestamp with its zone: SQLite hands back naive UTC, PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a Dutch calendar day, as a UTC moment (stored moments are UTC)."""
    return datetime.combine(day, time(0), NL).astimezone(UTC)


def local_date(moment: datetime) -> date:
    """The Dutch calendar date of a stored timestamp."""
    return as_utc(moment).astimezone(NL).date()


def iso_utc(moment: datetime | None) -> str | None:
    """A stored timestamp as ISO 8601 with its UTC offset, the same on SQLite and PostgreSQL."""
    return None if moment is None else as_utc(moment).isoformat()
