"""The form that registers a party (`POST /partijen`)."""
from __future__ import annotations

import re

from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.intake.parties import GEMEENTE
from gateway.intake.registration import AGB_CODE, MAX_NAAM

SOORTEN = {AANBIEDER: "Aanbieder", GEMEENTE: "Gemeente"}
# ASCII digits only: Python's \d also takes other scripts' digits, which no code list holds.
_CODE = {AANBIEDER: (AGB_CODE, "Een AGB-code is precies 8 cijfers."),
         GEMEENTE: (re.compile(r"[0-9]{4}"), "Een gemeentecode is precies 4 cijfers (CBS-code).")}
LEEG = {"soort": AANBIEDER, "code": "", "naam": ""}


def read(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in ("soort", "code", "naam")}


def check(invoer: dict[str, str], exists, gemeentecode_fout) -> dict[str, str]:
    """The errors per field; `exists(soort, code)` tells whether that party is registered,
    `gemeentecode_fout(code)` why a code is no municipality on the CBS list (None: it is one)."""
    fouten: dict[str, str] = {}
    soort, code, naam = invoer["soort"], invoer["code"], invoer["naam"]
    if soort not in SOORTEN:
        fouten["soort"] = "Kies aanbieder of gemeente."
    elif not _CODE[soort][0].fullmatch(code):
        fouten["code"] = _CODE[soort][1]
    elif soort == GEMEENTE and (fout := gemeentecode_fout(code)) is not None:
        fouten["code"] = fout[:1].upper() + fout[1:] + "."
    elif exists(soort, code):
        fouten["code"] = (f"Er is al een {soort} met code {code}. Maak bij die partij een nieuw token aan "
                          "met de knop ‘Nieuw token’.")
    if not naam:
        fouten["naam"] = "Vul de naam van de partij in."
    elif len(naam) > MAX_NAAM:
        fouten["naam"] = f"Een naam is hoogstens {MAX_NAAM} tekens."
    return fouten
