"""The receiving system's date (TR135) is the Dutch calendar date, whatever the server's zone."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

NL = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    return datetime.now(NL).date()
