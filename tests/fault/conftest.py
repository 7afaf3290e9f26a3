"""The fault suite's set-up: one stack of our own processes for the whole module, put back
to all-up before each scenario, every process ended at the end, and a table of figures.

It runs only with GATEWAY_FAULT_SUITE=1 (CI runs it once, not in each of its database
passes): `GATEWAY_FAULT_SUITE=1 .venv/bin/python -m pytest -q tests/fault`."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.db.session import make_engine
from tests.fault.harness import Stack
from tests.fault.load import Messages

AGB, GEMEENTE = "12345678", "0363"


@dataclass
class Figures:
    scenario: str
    sent: int
    answered: int
    accepted: int
    recovery_seconds: float
    note: str = ""


FIGURES: list[Figures] = []


def pytest_collection_modifyitems(config, items):
    if os.environ.get("GATEWAY_FAULT_SUITE") == "1":
        return
    skip = pytest.mark.skip(reason="fault suite: set GATEWAY_FAULT_SUITE=1 (CI runs it once)")
    for item in items:
        if item.get_closest_marker("fault"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    write = terminalreporter.write_line
    write("")
    write("fault suite figures")
    write(f"{'scenario':<34} {'sent':>5} {'answered':>8} {'accepted':>8} {'recovery s':>10}  note")
    for f in FIGURES:
        write(f"{f.scenario:<34} {f.sent:>5} {f.answered:>8} {f.accepted:>8} {f.recovery_seconds:>10.1f}  {f.note}")


@pytest.fixture(scope="module")
def stack():
    directory = Path(tempfile.mkdtemp(prefix="gateway-fault-"))
    stack = Stack(directory)
    try:
        stack.start()
        stack.provider_token = stack.gateway("provider", "add", "--agb", AGB, "--name", "Zorg BV")
        stack.gateway("municipality", "add", "--code", GEMEENTE, "--name", "Amsterdam")
        yield stack
    finally:
        stack.close()
        if os.environ.get("GATEWAY_FAULT_KEEP_LOGS") != "1":
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def up(stack):
    """The stack with every process running (a failed scenario may have left one down).
    Afterwards the end of each process's log is printed: pytest shows it when the scenario
    failed, so a failure in CI can be read without the (removed) directory."""
    stack.ensure_running()
    sizes = {path: path.stat().st_size if path.exists() else 0 for path in stack.logs()}
    yield stack
    for path, size in sizes.items():
        if path.exists():
            with path.open("rb") as log:
                log.seek(size)
                tail = log.read().decode("utf-8", "replace").splitlines()[-60:]
            print(f"---- {path.name} (last {len(tail)} lines of this scenario)\n" + "\n".join(tail))


@pytest.fixture(scope="module")
def messages() -> Messages:
    return Messages()


@pytest.fixture
def database(stack):
    engine = make_engine(stack.postgres.url)
    yield engine
    engine.dispose()
