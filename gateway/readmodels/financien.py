"""The finance pages' data: the volume report with its month series, and the parties the
filters offer."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.domain.financien import maandrapport, rapportage
from gateway.intake.parties import GEMEENTE
from gateway.readmodels import partijen


@dataclass(frozen=True)
class Report:
    rows: list[dict]  # the API's JSON rows (rapportage.Regel.as_json)
    maandreeks: list[rapportage.Maandbedrag] | None  # None: more months than MAX_MAANDEN


def volume_report(session: Session, periode: rapportage.Periode, *, gemeenten: list[str] | None,
                  aanbieder: str | None, producten) -> Report:
    """The same rows as `GET /api/v1/rapportages/volumes`, and month by month, added up from
    the month totals (gateway.db.maandtotalen: a few rows per provider, product and month,
    kept with every write, instead of every toewijzing, start and prestatie). The series
    only up to MAX_MAANDEN months, the longest chart the page draws."""
    per_maand = len(rapportage.maanden(periode)) <= rapportage.MAX_MAANDEN
    found = maandrapport.rapport(session, periode, gemeenten=gemeenten, aanbieder=aanbieder, producten=producten,
                               per_maand=per_maand)
    return Report([r.as_json() for r in found.regels], found.maandreeks)


def providers(session: Session) -> list[tuple[str, str]]:
    """(code, naam) of the aanbieders, by name."""
    return partijen.choices_by_name(session, AANBIEDER)


def municipalities_by_name(session: Session) -> list[tuple[str, str]]:
    return partijen.choices_by_name(session, GEMEENTE)


def municipalities_by_code(session: Session) -> list[tuple[str, str]]:
    return partijen.choices_by_code(session, GEMEENTE)
