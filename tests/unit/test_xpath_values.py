"""The XPath 1.0 readings the official rule XSLT makes (gateway.rules.xpath_values)."""
from __future__ import annotations

import math

import pytest

from gateway.rules.xpath_values import (
    CARRY,
    TRUNCATE,
    add_days,
    add_months,
    adjust_date,
    date_chars,
    date_number,
    date_string,
    day_text,
    filled,
    format_number,
    is_nan,
    last_characters,
    mod,
    normalize_space,
    number,
    number_string,
    on_or_before,
    substring_after,
    upper_bound,
)


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


def test_filled_and_normalize_space():
    assert not filled("  \n") and not filled(None) and filled(" x ")
    assert normalize_space("  a \t b\n") == "a b"
    assert normalize_space("a\u00a0b") == "a\u00a0b"  # only XML white space counts


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


def test_date_chars_read_positions_of_the_date_without_dashes():
    assert (date_chars("2026-04-30", 1, 4), date_chars("2026-04-30", 5, 2)) == ("2026", "04")
    # Leading white space moves every position; trailing white space does not reach them.
    assert (date_chars(" 2026-04-01", 1, 4), date_chars(" 2026-04-01", 5, 2)) == (" 202", "60")
    assert date_chars("2026-04-01\n", 5, 2) == "04"
    assert date_chars(None, 1, 4) == ""


@pytest.mark.parametrize(("text", "day"), [
    ("2026-04-01", "01"), ("2026-04-01 ", "01 "), (" 2026-04-01", "01"), ("20260401", ""), (None, ""),
])
def test_day_text_is_what_follows_the_second_dash(text, day):
    assert day_text(text) == day


def test_substring_after_as_xpath():
    assert substring_after("a-b-c", "-") == "b-c"
    assert substring_after("abc", "-") == ""


@pytest.mark.parametrize(("value", "text"), [
    (78400.0, "78400"), (-0.0, "0"), (math.nan, "NaN"), (-5000.0, "-5000"), (1.5, "1.5"),
])
def test_number_string(value, text):
    assert number_string(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (78400.0, "78400"), (0.0, "0"), (-0.0, "0"), (-24000.0, "-24000"), (math.nan, ""), (7.0, "7"),
])
def test_format_number_writes_the_canonical_integer(value, text):
    assert format_number(value) == text


def test_mod_keeps_the_sign_of_the_dividend():
    assert mod(-7, 10) == -7 and mod(27, 10) == 7 and is_nan(mod(math.nan, 10))


@pytest.mark.parametrize(("value", "overflow", "adjusted"), [
    (20261032, CARRY, 20261101),  # 31 October + 1
    (20261232, CARRY, 20270101),  # over the year end
    (20261301, CARRY, 20270101),  # month 13 is January of the next year
    (20240230, CARRY, 20240301),  # 2024: February has 29 days
    (20230229, CARRY, 20230301),
    (21000229, CARRY, 21000229),  # year mod 4: 2100 counts as a leap year
    (20260231, CARRY, 20260303),  # 31 January + 1 month carries 3 days into March
    (20230229, TRUNCATE, 20230228),
    (20260431, TRUNCATE, 20260430),
    (20261015, CARRY, 20261015),
])
def test_adjust_date_as_the_xslt(value, overflow, adjusted):
    assert adjust_date(value, overflow) == adjusted


def test_add_days_and_months():
    assert add_days("2026-10-31", 1) == 20261101
    assert add_days(" 2026-12-31 ", 1) == 20270101  # number() ignores the white space
    assert add_days("  ", 1) is None
    assert add_months("2026-10-01", 1) == 20261101
    assert add_months("2026-12-01", 1) == 20270101
    assert add_months("2028-02-29", -60, TRUNCATE) == 20230228
    assert add_months("2026-03-31", -60, TRUNCATE) == 20210331
    assert add_months("2026-11-05", -60, TRUNCATE) == 20211105
    assert add_months("2026-01-15", 14) == 20270315
    assert is_nan(add_months(None, 1))
