"""The XPath 1.0 readings the official rule XSLT makes (gateway.rules.xpath_values)."""
from __future__ import annotations

import pytest

from gateway.rules.xpath_values import (date_number, filled, is_nan, normalize_space, number,
                                        upper_bound, year_month)


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
