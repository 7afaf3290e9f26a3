"""The XPath 1.0 readings the official rule XSLT makes (gateway.rules.xpath_values)."""
from __future__ import annotations

import pytest

from gateway.rules.xpath_values import (date_number, date_string, filled, is_nan, last_characters,
                                        normalize_space, number, on_or_before, upper_bound,
                                        year_month)


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0.0), ("000", 0.0), ("-0", 0.0), (" 0 ", 0.0), ("05000", 5000.0), ("\n79000\t", 79000.0),
    ("-12", -12.0), ("1.5", 1.5),
])
def test_number_reads_what_xpath_reads(text, value):
    assert number(text) == value


@pytest.mark.parametrize("text", ["+0", "+79000", "", "   ", "1e3", "12a", None, "1\u00a0"])
def test_number_is_nan_where_xpath_gives_nan(text):
    assert is_nan(number(text))


def test_dates_as_numbers_and_cut_upper_bounds():
    assert date_number(" 2026-04-01\n") == 20260401
    assert upper_bound("2026-04-01 ") == 20260401
    # Leading white space moves the 10-character cut: the bound loses a digit.
    assert upper_bound(" 2026-04-01") == 2026040
    assert is_nan(date_number(None))


def test_filled_normalize_and_month_positions():
    assert not filled("  \n") and not filled(None) and filled(" x ")
    assert normalize_space("  a \t b\n") == "a b"
    assert normalize_space("a\u00a0b") == "a\u00a0b"  # only XML white space counts
    assert year_month("2026-04-30") == year_month("2026-04-01")
    assert year_month(" 2026-04-01") != year_month("2026-04-30")


@pytest.mark.parametrize(("lower", "upper", "result"), [
    ("2026-04-01", "2026-04-01", True), ("2026-04-02", "2026-04-01", False),
    (" 2026-04-01\n", "2026-04-01", True),   # white space on the lower date is harmless
    ("2026-04-01", "2026-04-01 ", True),     # and trailing white space on the upper one
    ("2026-04-01", " 2026-04-01", False),    # leading white space cuts the upper bound short
    ("1900-01-01", "\n\t2026-04-01", False),
    (None, "2026-04-01", False), ("2026-04-01", None, False),  # NaN: every comparison false
])
def test_on_or_before_cuts_the_upper_date(lower, upper, result):
    assert on_or_before(lower, upper) is result


def test_date_string_keeps_white_space():
    assert date_string("2026-04-01") == "20260401" == date_string("20260401")
    assert date_string("2026-04-01 ") != date_string("2026-04-01")
    assert date_string(None) == ""


def test_last_characters_read_the_end_of_the_raw_text():
    assert last_characters("2018-02-01", 2) == "01" == last_characters(" 2018-02-01", 2)
    assert last_characters("2018-02-01 ", 2) == "1 "
    assert last_characters("2018-01-01", 5) == "01-01"
    assert last_characters(None, 2) == ""
