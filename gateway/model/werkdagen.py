"""Dutch working days (werkdagen) for the iJw deadlines.

The iJw terms are counted in werkdagen: a retour within 3 werkdagen after receipt (OP090), a JW301 or
JW319 within 5 werkdagen after a JW315/JW317 (OP274/OP346), a JW305/JW307 within 5 werkdagen after
the real start/end (OP271/OP272); the final answer after "in onderzoek" is due 8 calendar weeks after
the request's Dagtekening (OP274/OP346, see ``add_weeks``). The iJw rules do not say which days are
holidays, so this module decides it:

A day is NOT a werkdag when it is

* a Saturday or a Sunday, or
* an "algemeen erkende feestdag" of the Algemene termijnenwet (Atw, art. 3 lid 1 and 2): New Year's
  Day, Good Friday, Easter Monday, Koningsdag (the day the King's birthday is celebrated: 27 April,
  or 26 April when the 27th is a Sunday), 5 May (Bevrijdingsdag) EVERY year, Ascension Day, Whit
  Monday, Christmas Day and Boxing Day.

Why the Atw: it is the one general Dutch statute that says which days do not count in a legal term,
so it is the nearest neutral rule when the iStandaard is silent, and the same for gemeente and
aanbieder. Collective agreements differ per sector (many give 5 May off only every fifth year, and
Good Friday off in some sectors only), so they cannot serve as one rule for both sides of a message
exchange.

How it is built: the dates come from the maintained ``holidays`` library, ``holidays.NL`` with its
default ``public`` category. That set contains Good Friday (Atw art. 3 lid 2 puts Good Friday on a
par with the feestdagen, so it stays out of the werkdagen) and the Sunday-to-Saturday move of
Koningsdag, but it lists 5 May only in lustrum years (2025, 2030, ...), following the collective
agreements. We add 5 May ourselves for every year from 1982 on (when the Atw took it in). Easter
Sunday and Whit Sunday are in the library's set too; they are Sundays anyway. Before holidays 0.83
the library filed Good Friday under ``optional``, not ``public``; hence the floor ``holidays>=0.83``
in pyproject.toml (the tests pin the 2026 set, so a later reclassification shows up there).

Not included: days the Crown equates with a feestdag by decree under Atw art. 3 lid 3 (e.g. the Friday
after Ascension Day). They are set per period by Koninklijk Besluit, are not in the library, and
are ordinary working days for everyone else; they count as werkdagen here.

Dates outside the years the library covers for the Netherlands (1966-2100) raise ``ValueError``
rather than silently treating every weekday as a werkdag. ``datetime`` values are refused
(``TypeError``): which calendar day a timestamp falls on depends on its zone, so callers convert
first (see ``gateway.clock``).

The holiday set of a year is built once per process and cached (an immutable ``frozenset``); nothing
else is kept between calls.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

__all__ = ["add_weeks", "add_werkdagen", "feestdagen", "is_werkdag", "werkdagen_between"]

# Bevrijdingsdag entered Atw art. 3 lid 1 by the amendment of 1982.
_ATW_5_MEI_SINCE = 1982
_ONE_DAY = timedelta(days=1)


def _check_date(day: date) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date (a calendar day), got {type(day).__name__}")


@lru_cache(maxsize=64)
def feestdagen(year: int) -> frozenset[date]:
    """The days of ``year`` that are not werkdagen even on a weekday (Atw feestdagen, see above).

    May include days that fall on a weekend (e.g. Koningsdag 2025 on Saturday 26 April)."""
    if not holidays.NL.start_year <= year <= holidays.NL.end_year:
        raise ValueError(
            f"no Dutch holiday calendar for {year} "
            f"(supported: {holidays.NL.start_year}-{holidays.NL.end_year})"
        )
    days = set(holidays.country_holidays("NL", years=year))
    if year >= _ATW_5_MEI_SINCE:
        days.add(date(year, 5, 5))
    return frozenset(days)


def is_werkdag(day: date) -> bool:
    """True when ``day`` is a Dutch working day: not a Saturday, Sunday or Atw feestdag."""
    _check_date(day)
    return day.weekday() < 5 and day not in feestdagen(day.year)


def add_werkdagen(start: date, count: int) -> date:
    """The date ``count`` werkdagen after ``start`` (``start`` itself is not counted).

    ``count`` 0 gives ``start`` when it is a werkdag, else the next werkdag. A negative ``count``
    raises ``ValueError``."""
    _check_date(start)
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    day = start
    if count == 0:
        while not is_werkdag(day):
            day += _ONE_DAY
        return day
    while count:
        day += _ONE_DAY
        if is_werkdag(day):
            count -= 1
    return day


def werkdagen_between(start: date, end: date) -> int:
    """The number of werkdagen after ``start`` up to and including ``end`` (0 when ``end <= start``).

    Counted from a per-year table of running totals, so a term long overdue does not cost a
    loop over every day."""
    _check_date(start)
    _check_date(end)
    if end <= start:
        return 0
    full_years = sum(_running_totals(year)[-1] for year in range(start.year, end.year))
    return full_years + _running_totals(end.year)[_day_index(end)] - _running_totals(start.year)[_day_index(start)]


@lru_cache(maxsize=64)
def _running_totals(year: int) -> tuple[int, ...]:
    """Werkdagen from 1 January up to and including each day of ``year``."""
    counts, total, day = [], 0, date(year, 1, 1)
    while day.year == year:
        total += is_werkdag(day)
        counts.append(total)
        day += _ONE_DAY
    return tuple(counts)


def _day_index(day: date) -> int:
    return day.timetuple().tm_yday - 1


def add_weeks(start: date, weeks: int) -> date:
    """``start`` plus ``weeks`` calendar weeks (the 8-week term after "in onderzoek").

    Pure calendar arithmetic: no werkdagen logic, and no Atw art. 1 extension of a term that ends on a
    weekend or feestdag; a caller that wants that applies ``add_werkdagen(result, 0)``. A negative
    ``weeks`` raises ``ValueError``."""
    _check_date(start)
    if weeks < 0:
        raise ValueError(f"weeks must be 0 or more, got {weeks}")
    return start + timedelta(weeks=weeks)
