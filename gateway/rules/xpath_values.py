"""Values as the official iJw rule XSLT (XPath 1.0) reads them.

The standard's level-2 verdict is whatever its XSLT computes, quirks included (facts:
ijw-facts-declaratie-en-retours.md §0 and §5). The XSD collapses the white space around an
xs:date, but the XSLT reads the raw text: some checks then still work (`number()` ignores
surrounding white space), others break (a date cut to its first 10 characters, a month read
from character positions, keys compared as raw strings). Rules that must agree with the
standard read their values through these functions instead of through Python's dates.

Every function takes the element's raw text (None when the element is absent).
"""
from __future__ import annotations

import math
import re

# XPath's white space (XML's S production); Python's str.strip() would also strip more.
XML_SPACE = " \t\r\n"
NAN = math.nan
_SPACE_RUN = re.compile("[ \t\r\n]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def normalize_space(text: str | None) -> str:
    """XPath `normalize-space()`: trimmed, inner runs of white space made one space."""
    if not text:
        return ""
    if not _has_space(text):  # the common case, read many times per declaration line
        return text
    return " ".join(part for part in _SPACE_RUN.split(text) if part)


def _has_space(text: str) -> bool:
    return " " in text or "\t" in text or "\n" in text or "\r" in text


def filled(text: str | None) -> bool:
    """Present and not blank: the XSLT's test for "filled" (`normalize-space(.) != ''`)."""
    return text is not None and text.strip(XML_SPACE) != ""


def number(text: str | None) -> float:
    """XPath 1.0 `number()`: surrounding white space ignored, an optional minus, digits, an
    optional fraction; anything else, a leading `+` included, is NaN. Every comparison with
    NaN is false and every sum with NaN is NaN, as in the XSLT."""
    if text is None:
        return NAN
    stripped = text.strip(XML_SPACE)
    if stripped.isdigit() and stripped.isascii():  # plain digits: the common case, fast
        return float(stripped)
    return float(stripped) if _NUMBER.fullmatch(stripped) else NAN


# Not cached: the XSD lets a date carry any amount of white space, so a cache keyed by the
# raw text could be made to hold megabytes per entry (and it saved 4 % of a check).
def date_number(text: str | None) -> float:
    """A date as the XSLT compares it: `number(translate(., '-', ''))`, so 2026-04-01 is
    20260401; white space around it is harmless, a lower bound read this way always works."""
    return number(text.replace("-", "") if text is not None else None)


def upper_bound(text: str | None) -> float:
    """A date the XSLT uses as an upper bound: first cut to its first 10 characters, then
    read as `date_number`. Leading white space shifts the cut (" 2026-04-0"), so the bound
    becomes a seven-digit number and every date compared with it lies "after" it."""
    return date_number(text[:10] if text is not None else None)


def on_or_before(lower: str | None, upper: str | None) -> bool:
    """The XSLT's `lower <= upper` on two dates, the upper one cut (`upper_bound`): leading
    white space on the upper date makes it false, white space on the lower date does not.
    False as well when either is absent or unreadable (a comparison with NaN), so a rule
    that fails on `not(lower <= upper)` fails then too."""
    return date_number(lower) <= upper_bound(upper)


def date_string(text: str | None) -> str:
    """A date as the XSLT tests two dates for equality: `translate(., '-', '')` compared as
    a string, so the white space around it counts ("20260401 " is not "20260401")."""
    return (text or "").replace("-", "")


def last_characters(text: str | None, count: int) -> str:
    """The end of the raw text, where the XSLT's day-of-month tests look (a birth date's day
    `01`, its day and month `01-01`): trailing white space moves them, leading does not."""
    return (text or "")[-count:]


def is_nan(value: float) -> bool:
    return math.isnan(value)


def date_chars(text: str | None, start: int, length: int) -> str:
    """`substring(translate(., '-', ''), start, length)` (1-based, as XPath): the XSLT's
    same-year (1, 4) and same-month (5, 2) tests read these characters, so white space in
    front of a date moves them."""
    return (text or "").replace("-", "")[start - 1:start - 1 + length]


def substring_after(text: str | None, separator: str) -> str:
    """XPath `substring-after()`: "" when the separator is absent."""
    _head, found, tail = (text or "").partition(separator)
    return tail if found else ""


def day_text(text: str | None) -> str:
    """The day of a date as the XSLT's day-of-month tests read it:
    `substring-after(substring-after(., '-'), '-')`, white space after the date included."""
    return substring_after(substring_after(text, "-"), "-")


def number_string(value: float) -> str:
    """XPath `string()` of a number: integers without a fraction, NaN as "NaN", -0 as "0"."""
    if is_nan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value):
        return str(int(value))
    return repr(value)


def mod(a: float, b: float) -> float:
    """XPath `mod`: the remainder keeps the sign of the dividend (as C's fmod)."""
    return math.fmod(a, b) if not (is_nan(a) or is_nan(b)) else NAN


def format_number(value: float) -> str:
    """The XSLT's `formatNumber` template: a number written as digits, a minus in front when
    negative, "0" for zero, and "" for NaN (every test on NaN is false)."""
    if value < 0:
        return "-" + _format_positive(-value)
    if value == 0:
        return "0"
    return _format_positive(value)


def _format_positive(value: float) -> str:
    digits = ""
    while value > 0:  # `formatNumberInternal`: the last digit, after the digits before it
        digits = number_string(mod(value, 10)) + digits
        value = math.floor(value / 10)
    return digits


# Days in a month as the XSLT's `adjustDate` knows them; February's leap rule is year mod 4.
_DAYS_30 = frozenset({4, 6, 9, 11})
_DAYS_31 = frozenset({1, 3, 5, 7, 8, 10, 12})
CARRY = "carry"
TRUNCATE = "truncate"


def adjust_date(value: float, overflow: str = CARRY) -> float:
    """The XSLT's `adjustDate`: a date number YYYYMMDD whose day lies past its month's end is
    carried into the next month ("carry": 20261032 → 20261101) or cut to the month's last
    day ("truncate": 20230229 → 20230228); a month past 12 moves into the next year.
    Repeated until nothing changes. February has 29 days when the year is divisible by 4."""
    while not is_nan(value):
        day, month = mod(value, 100), mod(math.floor(value / 100), 100)
        year = mod(math.floor(value / 10000), 10000)
        last = (30 if month in _DAYS_30 else 31 if month in _DAYS_31
                else (29 if mod(year, 4) == 0 else 28) if month == 2 else None)
        adjusted = value
        if last is not None and day > last:
            adjusted = value - last + 100 if overflow == CARRY else value - day + last
        if mod(math.floor(adjusted / 100), 100) > 12:
            adjusted = adjusted - 1200 + 10000
        if adjusted == value:
            return value
        value = adjusted
    return NAN  # the XSLT recurses without end on NaN; no XSD-valid date gets here


def add_days(text: str | None, days: int) -> float | None:
    """The XSLT's `addDate`: the date number plus `days`, carried over month ends; None when
    the text is blank (the template then yields nothing)."""
    if not filled(text):
        return None
    return adjust_date(date_number(text) + days, CARRY)


def add_months(text: str | float | None, months: int, overflow: str = CARRY) -> float:
    """The XSLT's `addMonths`: whole years first (±10000 per 12 months, through the number's
    own digits again: `translate(., '-', '')` of a negative intermediate drops its minus),
    then the rest as 100 per month, adjusted with `adjust_date`."""
    value = text if isinstance(text, str) or text is None else number_string(text)
    while months < 0 or months > 12:
        step = -10000 if months < 0 else 10000
        value = number_string(date_number(value) + step)
        months += 12 if months < 0 else -12
    return adjust_date(date_number(value) + 100 * months, overflow)
