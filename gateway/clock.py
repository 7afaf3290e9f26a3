"""The application's one clock: every date and time the domain uses is read here.

Receipt dates, Dagtekening checks (TR135 compares with the receiving system's date, the Dutch
calendar date whatever the server's zone), deadlines, signals, audit times and column defaults
all come from `now()`, `local_now()` or `today()`, never from the wall clock directly.

A process runs on the machine's clock unless it is pinned to a day (`GATEWAY_TODAY`, or
`install(Clock.pinned_to(day))` in tests): the clock then reads that day at start-up and keeps
running from there, shifted by whole days, so every process pinned to the same day on the same
machine agrees to the microsecond. The clock is set once per process at start; it is
configuration, not state another process needs.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

NL = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self, shift: timedelta = timedelta(0)):
        self.shift = shift

    @classmethod
    def pinned_to(cls, day: date) -> Clock:
        """A clock whose Dutch date is `day` now, and which runs on from there."""
        return cls(timedelta(days=(day - datetime.now(NL).date()).days))

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.shift


_current = Clock()


def install(clock: Clock) -> None:
    global _current
    _current = clock


def configure(day: date | None) -> None:
    """Start-up of a process: pinned to `day` when given, else the machine's clock."""
    install(Clock.pinned_to(day) if day else Clock())


def now() -> datetime:
    """UTC, aware: what is stored (SQLite keeps no zone, so every stored moment is UTC)."""
    return _current.now()


def local_now() -> datetime:
    """Dutch wall-clock time, for what messages say (Toewijzingstijd, dates)."""
    return now().astimezone(NL)


def today() -> date:
    """The Dutch calendar date."""
    return local_now().date()
