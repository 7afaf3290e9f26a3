"""The year of the bestedingsruimte page and the form that sets a provider's cap."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.domain.financien import bestedingsruimte as ruimte

_AGB = re.compile(r"\d{8}")
_JAAR = re.compile(r"\d{4}")
JAAR_MIN, JAAR_MAX = 2015, 2100
_JAAR_FOUT = f"Vul een jaar in tussen {JAAR_MIN} en {JAAR_MAX}."


def jaar(text: str) -> int | None:
    if _JAAR.fullmatch(text) and JAAR_MIN <= int(text) <= JAAR_MAX:
        return int(text)
    return None


def shown_year(text: str, this_year: int) -> tuple[int, dict[str, str]]:
    """The year the page shows (this year when none is asked) and the error of a bad one."""
    if not text:
        return this_year, {}
    parsed = jaar(text)
    return (this_year, {"jaar": _JAAR_FOUT}) if parsed is None else (parsed, {})


@dataclass
class Cap:
    formulier: dict[str, str]  # as typed, the gemeente filled in when there is only one
    fouten: dict[str, str] = field(default_factory=dict)
    jaar: int | None = None
    bedrag_eurocent: int | None = None


def read_cap(form: dict[str, str], *, gemeenten: list[str], aanbieders: set[str]) -> Cap:
    cap = Cap({k: form.get(k, "").strip() for k in ("gemeente", "aanbieder", "jaar", "bedrag")})
    formulier, fouten = cap.formulier, cap.fouten
    if not formulier["gemeente"] and len(gemeenten) == 1:
        formulier["gemeente"] = gemeenten[0]  # one gemeente served: the form need not ask
    if formulier["gemeente"] not in gemeenten:
        fouten["gemeente"] = "Kies een gemeente uit de lijst."
    if not _AGB.fullmatch(formulier["aanbieder"]) or formulier["aanbieder"] not in aanbieders:
        fouten["aanbieder"] = "Kies een aanbieder uit de lijst."
    cap.jaar = jaar(formulier["jaar"])
    if cap.jaar is None:
        fouten["jaar"] = _JAAR_FOUT
    cap.bedrag_eurocent = ruimte.parse_euro(formulier["bedrag"])
    if cap.bedrag_eurocent is None:
        fouten["bedrag"] = "Vul een bedrag in euro in, bijvoorbeeld 12.500,00 of 12500.00."
    elif cap.bedrag_eurocent <= 0:
        fouten["bedrag"] = "Het bedrag moet groter zijn dan 0."
    elif cap.bedrag_eurocent > ruimte.MAX_EUROCENT:
        fouten["bedrag"] = "Dit bedrag is onwaarschijnlijk groot; controleer het."
    return cap
