"""Dutch werkdagen for the iJw deadlines (gateway.model.werkdagen). Every expected date is
hand-checked against a calendar; none is recomputed with the holidays library."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from gateway.model.werkdagen import add_weeks, add_werkdagen, feestdagen, is_werkdag, werkdagen_between


@pytest.mark.parametrize(
    "day, expected",
    [
        # Easter 2026
        (date(2026, 4, 2), True),  # Thursday before Easter
        (date(2026, 4, 3), False),  # Good Friday (Atw art. 3 lid 2)
        (date(2026, 4, 4), False),  # Saturday
        (date(2026, 4, 5), False),  # Easter Sunday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        # Koningsdag
        (date(2026, 4, 27), False),  # Monday
        (date(2026, 4, 28), True),
        (date(2025, 4, 25), True),  # Friday before Koningsdag 2025
        (date(2025, 4, 28), True),  # 27 April 2025 is a Sunday: no Monday off, it moved to Saturday 26th
        # Bevrijdingsdag: every year under the Atw, not only in lustrum years
        (date(2026, 5, 5), False),  # Tuesday, non-lustrum year
        (date(2027, 5, 5), False),  # Wednesday, non-lustrum year
        (date(2025, 5, 5), False),  # Monday, lustrum year
        (date(2026, 5, 4), True),
        (date(2026, 5, 6), True),
        # Ascension and Whitsun 2026
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 5, 15), True),  # Friday after Ascension: no KB equating, a werkdag
        (date(2026, 5, 24), False),  # Whit Sunday
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2026, 5, 26), True),
        # Christmas / New Year
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), False),  # Boxing Day on a Saturday
        (date(2026, 12, 28), True),  # no substitute day for a feestdag on a weekend
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
        # plain weeks
        (date(2026, 6, 5), True),  # Friday
        (date(2026, 6, 6), False),  # Saturday
        (date(2026, 6, 7), False),  # Sunday
        (date(2026, 6, 8), True),  # Monday
    ],
)
def test_is_werkdag(day, expected):
    assert is_werkdag(day) is expected


def test_feestdagen_2026():
    assert feestdagen(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 4, 27),
        date(2026, 5, 5),
        date(2026, 5, 14),
        date(2026, 5, 24),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


def test_koningsdag_2025_is_saturday_26_april():
    assert date(2025, 4, 26) in feestdagen(2025)
    assert date(2025, 4, 27) not in feestdagen(2025)
    assert date(2025, 4, 28) not in feestdagen(2025)


def test_feestdagen_is_cached_and_immutable():
    assert feestdagen(2026) is feestdagen(2026)
    assert isinstance(feestdagen(2026), frozenset)


@pytest.mark.parametrize(
    "start, count, expected",
    [
        # Easter 2026: Good Friday, the weekend and Easter Monday are skipped
        (date(2026, 4, 1), 3, date(2026, 4, 8)),
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 3), 1, date(2026, 4, 7)),  # start on Good Friday
        # Koningsdag 2026 (Monday)
        (date(2026, 4, 24), 3, date(2026, 4, 30)),
        # 5 May in a non-lustrum year and in 2025
        (date(2026, 4, 30), 5, date(2026, 5, 8)),
        (date(2026, 5, 4), 1, date(2026, 5, 6)),
        (date(2025, 5, 2), 1, date(2025, 5, 6)),
        # Ascension Day 2026
        (date(2026, 5, 13), 1, date(2026, 5, 15)),
        (date(2026, 5, 11), 5, date(2026, 5, 19)),
        # Whit Monday 2026
        (date(2026, 5, 22), 1, date(2026, 5, 26)),
        (date(2026, 5, 20), 5, date(2026, 5, 28)),
        # Christmas and New Year, across the year boundary
        (date(2026, 12, 23), 5, date(2026, 12, 31)),
        (date(2026, 12, 23), 6, date(2027, 1, 4)),
        (date(2026, 12, 23), 8, date(2027, 1, 6)),
        (date(2025, 12, 24), 3, date(2025, 12, 31)),
        (date(2025, 12, 24), 4, date(2026, 1, 2)),
        # weekends
        (date(2026, 6, 5), 1, date(2026, 6, 8)),  # Friday -> Monday
        (date(2026, 6, 6), 1, date(2026, 6, 8)),  # Saturday -> Monday
        (date(2026, 6, 7), 1, date(2026, 6, 8)),  # Sunday -> Monday
        (date(2026, 6, 1), 5, date(2026, 6, 8)),
        (date(2026, 6, 1), 10, date(2026, 6, 15)),
        # count 0: start when it is a werkdag, else the next werkdag
        (date(2026, 6, 3), 0, date(2026, 6, 3)),
        (date(2026, 6, 6), 0, date(2026, 6, 8)),
        (date(2026, 4, 3), 0, date(2026, 4, 7)),
        (date(2026, 12, 25), 0, date(2026, 12, 28)),
    ],
)
def test_add_werkdagen(start, count, expected):
    assert add_werkdagen(start, count) == expected


def test_add_werkdagen_negative_count():
    with pytest.raises(ValueError):
        add_werkdagen(date(2026, 6, 3), -1)


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2026, 4, 1), date(2026, 4, 8), 3),  # Apr 2, 7, 8
        (date(2026, 6, 3), date(2026, 6, 3), 0),  # same day
        (date(2026, 6, 3), date(2026, 6, 1), 0),  # end before start
        (date(2026, 6, 3), date(2026, 6, 4), 1),
        (date(2026, 6, 5), date(2026, 6, 7), 0),  # Friday to Sunday
        (date(2026, 6, 5), date(2026, 6, 8), 1),  # Friday to Monday
        (date(2026, 6, 6), date(2026, 6, 8), 1),  # Saturday to Monday
        (date(2026, 4, 2), date(2026, 4, 6), 0),  # Thursday to Easter Monday
        (date(2026, 12, 23), date(2027, 1, 4), 6),
        # all of 2026: 261 weekdays minus 8 feestdagen on a weekday
        (date(2025, 12, 31), date(2026, 12, 31), 253),
    ],
)
def test_werkdagen_between(start, end, expected):
    assert werkdagen_between(start, end) == expected


def test_werkdagen_between_inverts_add_werkdagen():
    start = date(2026, 3, 20)
    for offset in range(60):
        day = date.fromordinal(start.toordinal() + offset)
        for count in (1, 3, 5, 10):
            assert werkdagen_between(day, add_werkdagen(day, count)) == count


@pytest.mark.parametrize(
    "start, weeks, expected",
    [
        (date(2026, 3, 10), 8, date(2026, 5, 5)),  # lands on a feestdag: no werkdagen logic
        (date(2026, 11, 20), 8, date(2027, 1, 15)),
        (date(2026, 6, 6), 0, date(2026, 6, 6)),
    ],
)
def test_add_weeks(start, weeks, expected):
    assert add_weeks(start, weeks) == expected


def test_add_weeks_negative():
    with pytest.raises(ValueError):
        add_weeks(date(2026, 6, 3), -1)


def test_year_outside_the_library_range_is_refused():
    with pytest.raises(ValueError):
        is_werkdag(date(2101, 1, 3))
    with pytest.raises(ValueError):
        add_werkdagen(date(2100, 12, 30), 5)


def test_datetime_is_refused():
    with pytest.raises(TypeError):
        is_werkdag(datetime(2026, 6, 3, 12, 0))
    with pytest.raises(TypeError):
        add_werkdagen(datetime(2026, 6, 3, 12, 0), 1)
