"""Helpers shared by the tests: example messages and a one-call offline check."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from gateway.reference import load_reference
from gateway.rules.check import CheckResult, check_message
from gateway.settings import PROJECT_ROOT
from gateway.xml.schemas import load_schemas

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_FILES = {
    "AGJ": "AGJ-aanvraagformulier-zin.xml",
    "AGJ-GEEN-OVEREENSTEMMING": "AGJ-aanvraagformulier-geen-overeenstemming.xml",
    "JW301": "JW301-toewijzing.xml",
    "JW302": "JW302-retour-toewijzing.xml",
    "JW305": "JW305-start-zorg.xml",
    "JW307": "JW307-stop-zorg.xml",
    "JW315": "JW315-verzoek-om-toewijzing.xml",
    "JW317": "JW317-verzoek-om-wijziging.xml",
    "JW319": "JW319-antwoord.xml",
}
# A day after every Dagtekening in the examples, so TR135 (Dagtekening <= today) passes.
TODAY = date(2026, 11, 23)


def example(name: str) -> bytes:
    """The valid example message `name` (see EXAMPLE_FILES) as bytes."""
    return (FIXTURES / "berichten" / EXAMPLE_FILES[name]).read_bytes()


def edit(xml: bytes, old: str, new: str, count: int = 1) -> bytes:
    """Replace `old` by `new` in the message text; fails loudly when `old` is absent, so a
    test can never pass because its edit silently did nothing."""
    text = xml.decode("utf-8")
    assert old in text, f"{old!r} not in message"
    return text.replace(old, new, count).encode("utf-8")


def schemas():
    return load_schemas(PROJECT_ROOT / "schemas")


def reference():
    return load_reference(PROJECT_ROOT / "mappings")


def check(xml: bytes, *, today: date = TODAY, state=None, max_level: int = 4) -> CheckResult:
    return check_message(xml, schemas=schemas(), reference=reference(), today=today,
                         state=state, max_level=max_level)


def codes(xml: bytes, **kw) -> list[str]:
    """The rule codes that fail for `xml` (["XSD"] when the schema rejects it)."""
    return check(xml, **kw).rule_codes


def fails(xml: bytes, code: str) -> list[str]:
    """Assert that `xml` stays schema-valid and breaks rule `code`; returns all codes."""
    found = codes(xml)
    assert "XSD" not in found, check(xml).schema_errors
    assert code in found, found
    return found


def passes(xml: bytes, code: str) -> list[str]:
    """Assert that `xml` is schema-valid and does not break rule `code`."""
    found = codes(xml)
    assert "XSD" not in found, check(xml).schema_errors
    assert code not in found, found
    return found


def valid_bsns(count: int, start: int = 10_000_000) -> list[str]:
    """`count` distinct BSNs that pass the 11-proef (CS002), from `start` on (the examples'
    999994323 is far above the default start)."""
    found, n = [], start
    while len(found) < count:
        digits = [int(c) for c in f"{n:08d}"]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            found.append(f"{n:08d}{check}")
        n += 7
    return found


def jw305_with_products(count: int) -> bytes:
    """The JW305 example with `count` StartProducts (distinct ToewijzingNummers): the
    3.6 KB "JW305-like" message of the intake benchmark has five."""
    xml = example("JW305").decode("utf-8")
    start = xml.index("      <jw305:StartProduct>")
    end = xml.index("</jw305:StartProduct>") + len("</jw305:StartProduct>\n")
    block = xml[start:end]
    blocks = [block.replace("<jw305:ToewijzingNummer>100001<", f"<jw305:ToewijzingNummer>{100001 + n}<")
              for n in range(count)]
    return (xml[:start] + "".join(blocks) + xml[end:]).encode("utf-8")
