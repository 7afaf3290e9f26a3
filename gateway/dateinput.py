"""Reading a date a person typed (back-office forms and filters): one rule for every page."""
from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # what a browser's date field sends
_DUTCH = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")  # as typed: 23-11-2026
# Plausible dates of youth care: birth dates from 1900, periods up to 2100 (the Dutch
# working-day calendar the deadlines use reaches that far).
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
HINT = "Vul een geldige datum in, bijvoorbeeld 23-11-2026 of 2026-11-23."


def parse_date(text: str) -> date | None:
    """The date in `text` (2026-11-23 or 23-11-2026, ASCII digits), or None when it is not
    a real date between 1900 and 2100."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = map(int, match.groups())
    elif match := _DUTCH.fullmatch(text):
        day, month, year = map(int, match.groups())
    else:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if EARLIEST <= found <= LATEST else None
