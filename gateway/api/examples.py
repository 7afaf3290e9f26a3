"""Example messages for the OpenAPI document: the project's own example messages
(`tests/fixtures/berichten/`, the ones the test suite checks against the schemas), one per
message type, so /docs shows a real message of each kind.

The folder is part of a checkout and of the image (Dockerfile). An installation without it
documents the same schemas without examples: the examples illustrate, the schemas are the
contract.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from gateway.settings import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "tests" / "fixtures" / "berichten"

# What a provider sends (POST /api/v1/berichten and /api/v1/validatie).
REQUESTS = {
    "AGJ": ("AGJ-aanvraagformulier-zin.xml", "Aanvraagformulier (AGJ) van een jeugdhulpaanbieder"),
    "JW315": ("JW315-verzoek-om-toewijzing.xml", "Verzoek om toewijzing"),
    "JW317": ("JW317-verzoek-om-wijziging.xml", "Verzoek om wijziging"),
    "JW305": ("JW305-start-zorg.xml", "Start zorg"),
    "JW307": ("JW307-stop-zorg.xml", "Stop zorg"),
    "JW302": ("JW302-retour-toewijzing.xml", "Retour op een JW301 (antwoord: 202 met JSON)"),
    "JW323": ("JW323-declaratie.xml", "Declaratie"),
}
# What the gateway sends: in the postbus, and the JW325 that answers a JW323.
POSTBUS = {
    "JW301": ("JW301-toewijzing.xml", "Toewijzing"),
    "JW319": ("JW319-antwoord.xml", "Antwoord op een verzoek om toewijzing of wijziging"),
}
JW325 = {"JW325": ("JW325-declaratie-antwoord.xml", "Antwoord op een declaratie (JW323)")}


def requests() -> dict[str, Any]:
    return _examples(tuple(REQUESTS.items()))


def postbus() -> dict[str, Any]:
    return _examples(tuple(POSTBUS.items()))


def declaratie_antwoord() -> dict[str, Any]:
    return _examples(tuple(JW325.items()))


@cache
def _examples(entries: tuple[tuple[str, tuple[str, str]], ...]) -> dict[str, Any]:
    found = {}
    for name, (filename, summary) in entries:
        path = FOLDER / filename
        if path.is_file():
            found[name] = {"summary": summary, "value": path.read_text(encoding="utf-8")}
    return found
