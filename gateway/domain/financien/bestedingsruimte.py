"""Bestedingsruimte: a provider's annual spending cap at a gemeente, and how
its spending is going. Amounts in eurocent. Definitions (also on the page and in
docs/decisions.md):

- besteed (spent so far): the approved declared amounts (IngediendBedrag of accepted
  prestaties, a credit negative) whose ProductPeriode begins in the year (a ProductPeriode
  lies inside one calendar month, so it is in the year as a whole).
- verplicht (committed): the allocated amount of the year minus what is spent, not below 0.
  The allocated amount is the report's `toegewezen` over 1 January - 31 December
  (gateway.domain.financien.rapportage.volumes) times the catalogue tariff per row (a Budget and eenheid
  83 count as money already); rows whose product or eenheid has no tariff count 0.
- prognose (run-rate forecast): besteed / elapsed months × 12, where the elapsed months are the
  calendar months of the year that ended before today (declarations come per closed month;
  the current month is not counted). No elapsed month (January, or a future year): no
  forecast. A past year: 12 months, the forecast is what was spent.
- waarschuwing: besteed + verplicht is more than the cap.
- bereikt in: "al bereikt" when besteed reaches the cap; "al erboven met verplicht" when the
  waarschuwing holds (besteed + verplicht is over the cap: a run-rate month, or "niet dit jaar",
  beside that red signal would say the opposite of it); otherwise the first month at whose end
  besteed + rate × (months after the elapsed ones) reaches the cap, or "niet dit jaar".
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import clock
from gateway.db.models import Bestedingsruimte, Prestatie
from gateway.domain.financien import rapportage
from gateway.domain.financien.rapportage import TOEGEKEND, Periode
from gateway.reference import Product

MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")
MAX_EUROCENT = 10**14  # a trillion euro: anything larger is a typing error


@dataclass
class Stand:
    gemeente: str
    aanbieder: str
    jaar: int
    plafond: int  # eurocent
    besteed: int = 0
    toegewezen: int = 0  # allocated amount of the year (eurocent, rounded)
    maanden: int = 0  # elapsed months used for the forecast
    ingesteld_door: str = ""
    ingesteld_op: object = None

    @property
    def verplicht(self) -> int:
        return max(0, self.toegewezen - self.besteed)

    @property
    def prognose(self) -> int | None:
        if self.maanden == 0:
            return None
        return round(self.besteed / self.maanden * 12)

    @property
    def bereikt_maand(self) -> int | None:
        """1-12: the month at whose end the cap is reached at the run rate; 0: already
        reached (spent, or spent + committed: the waarschuwing); None: not this year (or no
        rate to extrapolate). The projection is only made for a cap not yet reached."""
        if self.besteed >= self.plafond or self.waarschuwing:
            return 0
        return self.tempo_maand

    @property
    def tempo_maand(self) -> int | None:
        """The month at whose end the run rate alone reaches the cap (None: not this year)."""
        if self.besteed >= self.plafond:
            return 0
        if self.maanden == 0 or self.besteed <= 0:
            return None
        rate = self.besteed / self.maanden
        month = self.maanden + math.ceil((self.plafond - self.besteed) / rate)
        return month if month <= 12 else None

    @property
    def bereikt(self) -> str:
        month = self.bereikt_maand
        if month == 0:
            return "al bereikt" if self.besteed >= self.plafond else "al erboven met verplicht"
        return MAANDEN[month - 1] if month else "niet dit jaar"

    @property
    def waarschuwing(self) -> bool:
        return self.besteed + self.verplicht > self.plafond


def verstreken_maanden(jaar: int, today: date) -> int:
    """Calendar months of `jaar` that ended before today."""
    if jaar < today.year:
        return 12
    if jaar > today.year:
        return 0
    return today.month - 1


def besteed(session: Session, jaar: int, gemeenten: set[str]) -> dict[tuple[str, str], int]:
    """(gemeente, aanbieder) -> approved declared amount with ProductPeriode in the year."""
    p = Prestatie
    rows = session.execute(
        select(p.gemeente, p.aanbieder, func.sum(p.bedrag_eurocent))
        .where(p.status == TOEGEKEND, p.gemeente.in_(gemeenten),
               p.begindatum >= date(jaar, 1, 1), p.begindatum <= date(jaar, 12, 31))
        .group_by(p.gemeente, p.aanbieder))
    return {(g, a): int(total or 0) for g, a, total in rows}


def toegewezen_bedrag(session: Session, jaar: int, gemeente: str,
                      producten: Mapping[tuple[str, str], Product]) -> dict[str, float]:
    """aanbieder -> allocated amount of the year in eurocent (report rows × tariff)."""
    result: dict[str, float] = {}
    for regel in rapportage.volumes(session, Periode(date(jaar, 1, 1), date(jaar, 12, 31)), gemeenten=[gemeente],
                                    producten=producten):
        if regel.tarief_eurocent is not None:
            result[regel.aanbieder] = result.get(regel.aanbieder, 0.0) + regel.toegewezen * regel.tarief_eurocent
    return result


def overzicht(session: Session, jaar: int, *, today: date, producten: Mapping[tuple[str, str], Product],
              gemeenten: frozenset[str] | None = None) -> list[Stand]:
    """The caps of the year with their standing. A cap is one provider's at one gemeente, and
    its figures (spent, committed, forecast) are that gemeente's alone: with `gemeenten` only
    the caps of those gemeenten are shown (design.md §9). A user of one municipality sees
    nothing of another's budget for the same provider, not even that it has one. None: all."""
    query = select(Bestedingsruimte).where(Bestedingsruimte.jaar == jaar)
    if gemeenten is not None:
        query = query.where(Bestedingsruimte.gemeente.in_(sorted(gemeenten)))
    caps = list(session.scalars(query.order_by(Bestedingsruimte.aanbieder, Bestedingsruimte.gemeente)))
    if not caps:
        return []
    met_cap = {c.gemeente for c in caps}
    spent = besteed(session, jaar, met_cap)
    # one report query set per gemeente with a cap (a handful), not per provider
    allocated = {g: toegewezen_bedrag(session, jaar, g, producten) for g in met_cap}
    maanden = verstreken_maanden(jaar, today)
    return [Stand(c.gemeente, c.aanbieder, jaar, c.bedrag_eurocent, besteed=spent.get((c.gemeente, c.aanbieder), 0),
                  toegewezen=round(allocated[c.gemeente].get(c.aanbieder, 0.0)), maanden=maanden,
                  ingesteld_door=c.ingesteld_door, ingesteld_op=c.ingesteld_op)
            for c in caps]


def instellen(session: Session, *, gemeente: str, aanbieder: str, jaar: int, bedrag_eurocent: int,
              door: str) -> Bestedingsruimte:
    """Set (or replace) the cap; the caller logs it and commits."""
    row = session.scalar(select(Bestedingsruimte).where(
        Bestedingsruimte.gemeente == gemeente, Bestedingsruimte.aanbieder == aanbieder,
        Bestedingsruimte.jaar == jaar).with_for_update())
    if row is None:
        row = Bestedingsruimte(gemeente=gemeente, aanbieder=aanbieder, jaar=jaar)
        session.add(row)
    row.bedrag_eurocent = bedrag_eurocent
    row.ingesteld_door = door[:64]
    row.ingesteld_op = clock.now()
    session.flush()
    return row


_NL = re.compile(r"\d{1,3}(\.\d{3})+(,\d{1,2})?|\d+(,\d{1,2})?")  # 12.500,00 / 12500,5
_EN = re.compile(r"\d+(\.\d{1,2})?")  # 12500.00


def parse_euro(text: str) -> int | None:
    """An amount in euro as typed ("12.500,00", "12500,00", "12500.00", "12500", "€ 12.500")
    in eurocent, or None. A single dot followed by exactly three digits ("12.500") is a
    thousands separator (Dutch), not a decimal point."""
    text = text.strip().removeprefix("€").strip().replace(" ", "")
    if _NL.fullmatch(text):
        normal = text.replace(".", "").replace(",", ".")
    elif _EN.fullmatch(text):
        normal = text
    else:
        return None
    try:
        cents = Decimal(normal) * 100
    except InvalidOperation:
        return None
    return int(cents)
