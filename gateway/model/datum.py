"""Dates as the back office and the letters write them: one format, "8 september 2026"."""
from __future__ import annotations

from datetime import date, datetime

MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")


def datum_nl(value: str | date | datetime | None) -> str:
    """ISO date (or date) as Dutch text: '2026-09-08' -> '8 september 2026'."""
    if value is None:
        return "onbekend"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {MAANDEN[value.month - 1]} {value.year}"
