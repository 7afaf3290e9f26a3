"""The application's one clock."""
from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from gateway import clock
from gateway.settings import PROJECT_ROOT, Settings
from tests.conftest import SHIFT_SECONDS
from tests.support import TODAY


def test_a_pinned_clock_reads_its_day_and_runs_on():
    pinned = clock.Clock.pinned_to(date(2028, 2, 29))
    assert pinned.now().astimezone(clock.NL).date() == date(2028, 2, 29)
    first = pinned.now()
    time.sleep(0.01)
    assert pinned.now() > first
    assert pinned.shift == timedelta(days=pinned.shift.days)  # whole days: processes agree


def test_the_suite_runs_on_the_examples_day():
    assert clock.today() == TODAY
    assert clock.now().tzinfo is UTC
    assert clock.local_now().utcoffset() in (timedelta(hours=1), timedelta(hours=2))


def test_an_unpinned_clock_is_the_machines(move_clock):
    move_clock(None)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_one_shift_gives_every_process_the_same_clock():
    shifted = clock.Clock(timedelta(seconds=12345.5))
    assert abs(shifted.now() - datetime.now(UTC) - timedelta(seconds=12345.5)) < timedelta(seconds=1)
    clock.configure(None, 12345.5)
    try:
        assert abs(clock.now() - shifted.now()) < timedelta(seconds=1)
    finally:
        clock.configure(shift_seconds=SHIFT_SECONDS)


def test_the_suite_starts_at_noon_and_crosses_no_midnight():
    """From noon (Dutch time), the run ends long before either midnight: the UTC date and the
    Dutch date of every moment in it are the examples' day."""
    assert clock.now().date() == clock.today() == TODAY
    assert 12 <= clock.local_now().hour < 20


def test_the_setting_pins_the_day(monkeypatch):
    monkeypatch.setenv("GATEWAY_TODAY", "2030-01-02")
    assert Settings().today == date(2030, 1, 2)
    monkeypatch.setenv("GATEWAY_TODAY", "")  # empty: the machine's clock
    assert Settings().today is None
    monkeypatch.delenv("GATEWAY_TODAY")
    assert Settings().today is None
    assert Settings().clock_shift_seconds == SHIFT_SECONDS  # what the suite hands its subprocesses


_WALL_CLOCK = re.compile(r"datetime\.now\(|date\.today\(|utcnow\(|time\.time\(|datetime\.utcnow")


def test_only_the_clock_module_reads_the_wall_clock():
    """Domain dates must follow the application's clock; a direct read passes today and fails
    on another day (CI's shifted-clock run would catch it later, this names the line now)."""
    found = [f"{path.relative_to(PROJECT_ROOT)}:{n}"
             for folder in ("gateway", "tasks")
             for path in (PROJECT_ROOT / folder).rglob("*.py") if path.name != "clock.py"
             for n, line in enumerate(path.read_text().splitlines(), 1) if _WALL_CLOCK.search(line)]
    assert found == []
