"""Regie rules (gateway/rules/regie.py): CS058 on JW305/JW307, TR018 on JW307."""
from __future__ import annotations

import pytest

from tests.support import edit, example, fails, passes


def status(name: str, value: str) -> bytes:
    prefix = name.lower()
    return edit(example(name), f"<{prefix}:StatusAanlevering>1</{prefix}:StatusAanlevering>",
                f"<{prefix}:StatusAanlevering>{value}</{prefix}:StatusAanlevering>")


@pytest.mark.parametrize("name", ["JW305", "JW307"])
@pytest.mark.parametrize("value", ["2", "9"])
def test_cs058_status_2_or_9_fails(name, value):
    fails(status(name, value), "CS058")


@pytest.mark.parametrize("name", ["JW305", "JW307"])
@pytest.mark.parametrize("value", ["1", "3"])
def test_cs058_status_1_or_3_passes(name, value):
    passes(status(name, value), "CS058")


def stop_einddatum(value: str) -> bytes:
    return edit(example("JW307"), "<jw307:Einddatum>2026-10-30</jw307:Einddatum>",
                f"<jw307:Einddatum>{value}</jw307:Einddatum>")


def test_tr018_einddatum_before_begindatum_fails():
    fails(stop_einddatum("2026-09-20"), "TR018")


@pytest.mark.parametrize("value", ["2026-09-21", "2026-10-30"])
def test_tr018_einddatum_on_or_after_begindatum_passes(value):
    passes(stop_einddatum(value), "TR018")


def test_tr018_only_on_jw307():
    passes(example("JW305"), "TR018")
