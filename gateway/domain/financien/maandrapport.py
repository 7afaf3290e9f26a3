"""The finance report from the month totals (gateway.db.maandtotalen): the same rows and month
series as `rapportage.rapport`, added up from a few rows per group and month instead of
every toewijzing, start and prestatie (a test compares both on random data, every period).

For a period [van, tot], per group:
- a whole calendar month inside the period: its stored total, plus the running rate of
  what runs on without end (per dag: rate × days of the month; per maand: the volume);
- a month the period covers in part (van or tot mid-month): the month's pieces, each
  daily rate times the days the piece shares with the period, plus the running rate
  times those days;
- benutbaar: the allocated volume of per dag/week/maand (the `toegewezen_vast` part) plus
  every TBGT or Budget amount that overlaps: those that began by tot less those that ended
  before van;
- the group is a report row when something of it overlaps the period (the same counts:
  spans begun by tot less spans ended before van), as the direct queries list it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.db.maandtotalen import DEEL, MAAND, eerste, maandlengte, volgende
from gateway.db.models import FinancienMaand, FinancienMaanddeel
from gateway.domain.financien.rapportage import Maandbedrag, Periode, Rapport, Regel, maanden, scope, tarief
from gateway.reference import Product

_M = {name: k for k, name in enumerate(MAAND)}
_D = {name: k for k, name in enumerate(DEEL)}
# what a report row adds up month by month (DEEL's first five: the quantities of the report)
_WAARDEN = ("toegewezen", "toegewezen_vast", "geleverd", "gedeclareerd", "gedeclareerd_eurocent")


def _groep(model):
    return (model.aanbieder, model.categorie, model.code, model.eenheid)


class _Vensters:
    """Per group the pieces of one month summed over days [a, b] of it (DEEL order)."""

    def __init__(self, session: Session, filters: list):
        self.session, self.filters = session, filters
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.cache: dict[tuple[date, int, int], dict[tuple, list[float]]] = {}

    def __call__(self, maand: date, a: int, b: int) -> dict[tuple, list[float]]:
        key = (maand, a, b)
        if key not in self.cache:
            self.cache[key] = self._read(maand, a, b) if a <= b else {}
        return self.cache[key]

    def _read(self, maand: date, a: int, b: int) -> dict[tuple, list[float]]:
        d = FinancienMaanddeel
        least, greatest = (func.least, func.greatest) if self.pg else (func.min, func.max)
        days = least(d.tot_dag, b) - greatest(d.van_dag, a) + 1
        groep = _groep(d)
        query = (select(*groep, *(func.sum(getattr(d, name) * days) for name in DEEL))
                 .where(d.maand == maand, d.van_dag <= b, d.tot_dag >= a, *self.filters)
                 .group_by(*groep))
        return {tuple(row[:4]): [v or 0.0 for v in row[4:]] for row in self.session.execute(query)}


def rapport(session: Session, periode: Periode, *, gemeenten: list[str] | None, aanbieder: str | None = None,
            producten: Mapping[tuple[str, str], Product] | None = None, per_maand: bool) -> Rapport:
    """`rapportage.rapport` from the month totals: the rows and, with `per_maand`, the series."""
    producten = producten or {}
    delen = maanden(periode)
    first, last = eerste(periode.van), eerste(periode.tot)
    m = FinancienMaand
    groep = _groep(m)
    query = (select(*groep, m.maand, *(func.sum(getattr(m, name)) for name in MAAND))
             .where(m.maand <= last, *scope(m, gemeenten, aanbieder))
             .group_by(*groep, m.maand).order_by(m.maand))
    per_groep: dict[tuple, dict[date, list[float]]] = defaultdict(dict)
    for row in session.execute(query):
        per_groep[tuple(row[:4])][row[4]] = [v or 0.0 for v in row[5:]]
    venster = _Vensters(session, scope(FinancienMaanddeel, gemeenten, aanbieder))
    # the windows of the months the period covers in part, read once each
    partial = [(k, deel) for k, deel in enumerate(delen)
               if deel.van.day != 1 or deel.tot.day != maandlengte(deel.tot)]
    vensters = {k: venster(eerste(deel.van), deel.van.day, deel.tot.day) for k, deel in partial}
    tot_is_einde = periode.tot.day == maandlengte(periode.tot)
    begonnen = {} if tot_is_einde else venster(last, 1, periode.tot.day)  # days of tot's month up to tot
    geeindigd = venster(first, 1, periode.van.day - 1)  # days of van's month before van

    rows: list[Regel] = []
    toegewezen_maand = [0.0] * len(delen)
    gedeclareerd_maand = [0.0] * len(delen)
    groepen = set(per_groep) | {g for w in vensters.values() for g in w}
    for g in groepen:
        totalen = per_groep.get(g, {})
        lopend = [0.0] * 4  # toegewezen_dag, _maand, geleverd_dag, _maand up to this month
        begin_benut = begin_aantal = eind_benut = eind_aantal = 0.0
        for maand, values in totalen.items():
            if maand < first:
                for k in range(4):
                    lopend[k] += values[_M["toegewezen_dag"] + k]
                eind_benut += values[_M["benut_eind"]]
                eind_aantal += values[_M["aantal_eind"]]
            if maand < last or (maand == last and tot_is_einde):
                begin_benut += values[_M["benut_begin"]]
                begin_aantal += values[_M["aantal_begin"]]
        if not tot_is_einde and g in begonnen:
            begin_benut += begonnen[g][_D["benut_begin"]]
            begin_aantal += begonnen[g][_D["aantal_begin"]]
        if g in geeindigd:
            eind_benut += geeindigd[g][_D["benut_eind"]]
            eind_aantal += geeindigd[g][_D["aantal_eind"]]
        if begin_aantal - eind_aantal < 0.5:
            continue  # nothing of this group overlaps the period
        som = [0.0] * len(_WAARDEN)
        prijs = tarief(producten, g[1] or None, g[2] or None, g[3] or None) if per_maand else None
        maand = first
        for k, deel in enumerate(delen):
            month = totalen.get(maand)
            if month is not None:
                for j in range(4):
                    lopend[j] += month[_M["toegewezen_dag"] + j]
            lengte = maandlengte(maand)
            if k in vensters:
                dagen = (deel.tot - deel.van).days + 1
                part = vensters[k].get(g) or [0.0] * len(DEEL)
                waarden = [part[_D[name]] for name in _WAARDEN]
                lopend_t = (lopend[0] + lopend[1] / lengte) * dagen
                lopend_g = (lopend[2] + lopend[3] / lengte) * dagen
            else:
                waarden = [month[_M[name]] for name in _WAARDEN] if month else [0.0] * len(_WAARDEN)
                lopend_t = lopend[0] * lengte + lopend[1]
                lopend_g = lopend[2] * lengte + lopend[3]
            waarden[0] += lopend_t
            waarden[1] += lopend_t  # what runs on without end is per dag/week/maand: vast
            waarden[2] += lopend_g
            for j, v in enumerate(waarden):
                som[j] += v
            if prijs is not None:
                toegewezen_maand[k] += waarden[0] * prijs
            gedeclareerd_maand[k] += waarden[4]
            maand = volgende(maand)
        regel = Regel(g[0], g[1] or None, g[2] or None, g[3] or None,
                      toegewezen=som[0], geleverd=som[2], gedeclareerd=som[3], gedeclareerd_eurocent=som[4],
                      benutbaar=som[1] + begin_benut - eind_benut)
        regel.tarief_eurocent = tarief(producten, regel.productcategorie, regel.productcode, regel.eenheid)
        rows.append(regel)
    rows.sort(key=lambda r: (r.aanbieder, r.productcategorie or "", r.productcode or "", r.eenheid or ""))
    reeks = None
    if per_maand:
        reeks = [Maandbedrag(date(d.van.year, d.van.month, 1), d, toegewezen_maand[k], gedeclareerd_maand[k])
                 for k, d in enumerate(delen)]
    return Rapport(rows, reeks)

