"""The finance pages' data: the volume report with its month series, and the parties the
filters offer."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.domain.financien import rapportage
from gateway.intake.parties import GEMEENTE
from gateway.readmodels import partijen


@dataclass(frozen=True)
class Report:
    rows: list[dict]  # the API's JSON rows (rapportage.Regel.as_json)
    maandreeks: list[rapportage.Maandbedrag] | None  # None: more months than MAX_MAANDEN


def volume_report(session: Session, periode: rapportage.Periode, *, gemeenten: list[str] | None,
                  aanbieder: str | None, producten) -> Report:
    """The same rows as `GET /api/v1/rapportages/volumes`, and month by month (bounded: one
    pass per source for all months, but each month adds a column every row is tested
    against, so only up to MAX_MAANDEN months)."""
    rows = [r.as_json() for r in rapportage.volumes(session, periode, gemeenten=gemeenten, aanbieder=aanbieder,
                                                    producten=producten)]
    maandreeks = None
    if len(rapportage.maanden(periode)) <= rapportage.MAX_MAANDEN:
        maandreeks = rapportage.maandreeks(session, periode, gemeenten=gemeenten, aanbieder=aanbieder,
                                           producten=producten)
    return Report(rows, maandreeks)


def providers(session: Session) -> list[tuple[str, str]]:
    """(code, naam) of the aanbieders, by name."""
    return partijen.choices_by_name(session, AANBIEDER)


def municipalities_by_name(session: Session) -> list[tuple[str, str]]:
    return partijen.choices_by_name(session, GEMEENTE)


def municipalities_by_code(session: Session) -> list[tuple[str, str]]:
    return partijen.choices_by_code(session, GEMEENTE)
