"""The finance report (design §7 "Finance report"): allocated, delivered and declared
volume per aanbieder × productcategorie × productcode × eenheid over a period [van, tot].

Two halves that must agree:
- pure functions (`toegewezen`, `geleverd`, `gedeclareerd` and their helpers): the definitions
  finance agreed to, written out day by day and month by month so they can be read and tested
  on hand-computed cases (README "Finance report" is the same text in prose);
- `volumes`: the same definitions as grouped SQL, so a report over a million toewijzingen and
  five million prestaties is added up inside the database (one pass per source, no rows to
  Python). It runs on PostgreSQL and on the embedded SQLite with the same formulas; only a few
  date functions differ per dialect (`Dates`). A test compares both halves on random data.
  `rapport` runs them; with `per_maand` the same queries also sum each calendar month (one
  column per month). The /financien page gets the same answer from the month totals
  (`maandrapport`, kept by gateway.db.maandtotalen); these queries are the API's and the
  reference the tests compare the totals against.

Every date is inclusive: van and tot, Ingangsdatum and Einddatum of a toewijzing, Begindatum
of a start, the Einddatum of a stop (its last day of care), a ProductPeriode.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Float,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gateway.db.models import Prestatie, Toewijzing, Zorglevering, ZorgleveringStop
from gateway.reference import Product

PER_DAG, PER_WEEK, PER_MAAND, TBGT = "1", "2", "4", "6"  # WMO757 Frequentie
EURO = "83"  # WJ756: Volume (and Budget) in eurocent; the report shows euro
VERWIJDERD = "13"  # RedenWijziging: a deleted toewijzing, as if never sent
TOEGEKEND = "toegekend"  # Prestatie.status of an accepted declaration line
CREDIT = "C"

# Periods the report accepts: the Jeugdwet (and so iJw) starts 2015-01-01; ten years is the
# longest span a finance question needs, and bounds the work of one request.
EARLIEST = date(2015, 1, 1)
LATEST = date(2100, 12, 31)
MAX_JAREN = 10


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Periode:
    van: date
    tot: date  # inclusive


def dagen(begin: date, eind: date) -> int:
    """Days from `begin` up to and including `eind` (0 when the span is empty)."""
    return max(0, (eind - begin).days + 1)


def overlap(begin: date, eind: date | None, periode: Periode) -> tuple[date, date] | None:
    """The part of [begin, eind] (eind None: open) inside the period, or None."""
    start, end = max(begin, periode.van), min(eind or periode.tot, periode.tot)
    return (start, end) if start <= end else None


def maanddelen(begin: date, eind: date) -> float:
    """Per calendar month touched by [begin, eind]: covered days / days in that month, summed.
    A whole month counts 1, 1-15 January 15/31, 1-14 February 2026 14/28."""
    total, day = 0.0, begin
    while day <= eind:
        last_of_month = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        end = min(eind, last_of_month)
        total += dagen(day, end) / last_of_month.day
        day = end + timedelta(days=1)
    return total


@dataclass(frozen=True)
class Omvang:
    """What a toewijzing allocates: an Omvang (volume per frequentie) or a Budget (eurocent,
    shown under eenheid 83), over [ingangsdatum, einddatum] (einddatum None: open)."""

    ingangsdatum: date
    einddatum: date | None
    volume: int | None = None
    frequentie: str | None = None
    budget: int | None = None

    @property
    def hoeveelheid(self) -> int | None:
        # Omvang and Budget exclude each other (CD077/CD078); Omvang wins if both are stored.
        return self.volume if self.volume is not None else self.budget

    @property
    def verdeeld_over_looptijd(self) -> bool:
        """TBGT and Budget: one amount for the whole toewijzing, counted pro rata by its days."""
        return self.volume is None or self.frequentie == TBGT


def deel(omvang: Omvang, begin: date, eind: date) -> float:
    """The allocated quantity (in stored units: eurocent for 83 and Budget) for the days
    [begin, eind] of the toewijzing (the caller keeps them inside its period).

    - per dag: volume × days;  per week: volume × days / 7;
    - per maand: volume × the covered fraction of each calendar month (`maanddelen`);
    - TBGT and Budget: amount × days / days of the toewijzing period. Without an Einddatum the
      period is unknown: the caller counts the whole amount once (`_open_einde`).
    """
    amount = omvang.hoeveelheid
    if amount is None or begin > eind:
        return 0.0
    if omvang.verdeeld_over_looptijd:
        if omvang.einddatum is None:
            return 0.0
        return amount * dagen(begin, eind) / dagen(omvang.ingangsdatum, omvang.einddatum)
    if omvang.frequentie == PER_DAG:
        return float(amount * dagen(begin, eind))
    if omvang.frequentie == PER_WEEK:
        return amount * dagen(begin, eind) / 7
    if omvang.frequentie == PER_MAAND:
        return amount * maanddelen(begin, eind)
    return 0.0  # no or an unknown Frequentie: nothing to normalise


def _open_einde(omvang: Omvang) -> bool:
    # Decision (docs/decisions.md): a TBGT or Budget without Einddatum has no period to spread
    # over; it counts in full on one day (its Ingangsdatum when allocated, the first day of
    # care when delivered), so reports over consecutive periods add up to the whole amount.
    return omvang.verdeeld_over_looptijd and omvang.einddatum is None and omvang.hoeveelheid is not None


def benutbaar(omvang: Omvang, periode: Periode) -> float:
    """What the toewijzing lets the provider deliver inside the period: the utilisation's
    denominator. Per dag/week/maand that is `toegewezen` (the Omvang over the period's days).
    A TBGT or Budget is one amount for its whole geldigheidsduur that may be used in any of
    its months (TR321 allows the whole volume in one ProductPeriode, TR322 bounds the sum), so
    a period that overlaps the toewijzing may use all of it; its pro rata share (`toegewezen`)
    would make one month's normal use look like 300 % or more."""
    if omvang.hoeveelheid is None:
        return 0.0
    if omvang.verdeeld_over_looptijd:
        return float(omvang.hoeveelheid) if overlap(omvang.ingangsdatum, omvang.einddatum, periode) else 0.0
    return toegewezen(omvang, periode)


def toegewezen(omvang: Omvang, periode: Periode) -> float:
    """The allocated quantity of one current toewijzing inside the period."""
    if _open_einde(omvang):
        assert omvang.hoeveelheid is not None  # `_open_einde` asks for one
        return float(omvang.hoeveelheid) if periode.van <= omvang.ingangsdatum <= periode.tot else 0.0
    part = overlap(omvang.ingangsdatum, omvang.einddatum, periode)
    return deel(omvang, *part) if part else 0.0


@dataclass(frozen=True)
class Levering:
    """One current start: from its Begindatum up to the Einddatum of its first stop
    (temporary or not; None when not stopped: care runs on)."""

    begindatum: date
    einddatum: date | None = None


def geleverd(omvang: Omvang, leveringen: Iterable[Levering], periode: Periode) -> float:
    """The toewijzing's Omvang over the days care was delivered inside the period.

    Each start counts from its Begindatum up to its stop's Einddatum, or up to tot when not
    stopped; a temporary stop (reden 20) ends that start, so the days until the next start
    (another Zorglevering) count nothing. Days outside the toewijzing period count nothing
    either (there the Omvang does not apply; the signals show care past the Einddatum).
    """
    leveringen = list(leveringen)
    if _open_einde(omvang):
        if not leveringen:
            return 0.0
        first = max(min(lev.begindatum for lev in leveringen), omvang.ingangsdatum)
        assert omvang.hoeveelheid is not None  # `_open_einde` asks for one
        return float(omvang.hoeveelheid) if periode.van <= first <= periode.tot else 0.0
    total = 0.0
    for lev in leveringen:
        start = max(lev.begindatum, omvang.ingangsdatum, periode.van)
        end = min(lev.einddatum or periode.tot, omvang.einddatum or periode.tot, periode.tot)
        total += deel(omvang, start, end)
    return total


def gedeclareerd(hoeveelheid: int, begindatum: date, einddatum: date, periode: Periode, *,
                 credit: bool = False) -> float:
    """An accepted prestatie's GeleverdVolume (or amount) pro rata by the days of its
    ProductPeriode inside the period; a credit line counts negative."""
    part = overlap(begindatum, einddatum, periode)
    if part is None:
        return 0.0
    share = abs(hoeveelheid) * dagen(*part) / dagen(begindatum, einddatum)
    return -share if credit else share


def in_eenheid(hoeveelheid: float, eenheid: str | None) -> float:
    """A stored quantity in the unit the report shows: euro for eenheid 83 (stored in eurocent)."""
    return hoeveelheid / 100 if eenheid == EURO else hoeveelheid


def check_periode(van: date, tot: date) -> str | None:
    """Why [van, tot] is no period to report on, or None."""
    if tot < van:
        return "tot ligt vóór van"
    if van < EARLIEST:
        return f"de periode begint vóór {EARLIEST.isoformat()} (de Jeugdwet)"
    if tot > LATEST:
        return f"de periode eindigt na {LATEST.isoformat()}"
    try:
        limit = van.replace(year=van.year + MAX_JAREN)
    except ValueError:  # 29 February
        limit = date(van.year + MAX_JAREN, 3, 1)
    if tot >= limit:
        return f"een periode is hoogstens {MAX_JAREN} jaar"
    return None


# --------------------------------------------------------------------------- report rows


@dataclass
class Regel:
    """One report row; quantities in stored units until `as_json`."""

    aanbieder: str
    productcategorie: str | None
    productcode: str | None
    eenheid: str | None
    toegewezen: float = 0.0
    geleverd: float = 0.0
    gedeclareerd: float = 0.0
    gedeclareerd_eurocent: float = 0.0
    tarief_eurocent: int | None = None  # per stored unit; None: not in the catalogue
    benutbaar: float = 0.0  # the utilisation's denominator (`benutbaar`), stored units

    def as_json(self) -> dict:
        toegewezen_ = in_eenheid(self.toegewezen, self.eenheid)
        gedeclareerd_ = in_eenheid(self.gedeclareerd, self.eenheid)
        benutbaar_ = in_eenheid(self.benutbaar, self.eenheid)
        bedrag = None if self.tarief_eurocent is None else round(self.toegewezen * self.tarief_eurocent / 100, 2)
        return {
            "aanbieder": self.aanbieder,
            "productcategorie": self.productcategorie,
            "productcode": self.productcode,
            "eenheid": self.eenheid,
            "toegewezen": round(toegewezen_, 2),
            "geleverd": round(in_eenheid(self.geleverd, self.eenheid), 2),
            "gedeclareerd": round(gedeclareerd_, 2),
            "toegewezen_bedrag": bedrag,
            "gedeclareerd_bedrag": round(self.gedeclareerd_eurocent / 100, 2),
            # Utilisation: declared over what the toewijzingen let the provider deliver in the
            # period (`benutbaar`: the allocated volume, a TBGT or Budget whole), as a fraction.
            "benutting": round(gedeclareerd_ / benutbaar_, 4) if round(benutbaar_, 2) else None,
        }


KOLOMMEN = ("aanbieder", "productcategorie", "productcode", "eenheid", "toegewezen", "geleverd",
            "gedeclareerd", "toegewezen_bedrag", "gedeclareerd_bedrag", "benutting")


def tarief(producten: Mapping[tuple[str, str], Product], categorie: str | None, code: str | None,
           eenheid: str | None) -> int | None:
    """The catalogue tariff in eurocent per stored unit of the row, or None. Eenheid 83 is money
    already (tariff 1); otherwise the product's tariff, when the row's eenheid is one the
    catalogue prices."""
    if eenheid == EURO:
        return 1
    product = producten.get((categorie or "", code or ""))
    if product is None or eenheid not in product.eenheden:
        return None
    return product.tarief_eurocent


# --------------------------------------------------------------------------- the queries


def _date_part(field: str, day):
    # the field as a literal, not a bind: a constant the planner sees
    return func.date_part(literal_column(f"'{field}'"), day, type_=Float)


class Dates:
    """The few date expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def greatest(self, *args):
        return func.greatest(*args, type_=Date) if self.pg else func.max(*args, type_=Date)

    def least(self, *args):
        return func.least(*args, type_=Date) if self.pg else func.min(*args, type_=Date)

    def dagen(self, begin, eind):
        """Inclusive day count, as a float (may be ≤ 0 for an empty span; callers filter)."""
        if self.pg:
            return cast(eind - begin, Float) + 1
        return func.julianday(eind) - func.julianday(begin) + 1

    # On PostgreSQL `date_part`, not EXTRACT: since version 14 EXTRACT returns numeric, and its
    # arithmetic made up most of the report's time (every row evaluates these several times,
    # once more per month of the chart); date_part gives the same whole numbers as float8.

    def maand(self, day):  # months since year 0
        if self.pg:
            return _date_part("year", day) * 12 + _date_part("month", day)
        return cast(func.strftime("%Y", day), Float) * 12 + cast(func.strftime("%m", day), Float)

    def dag(self, day):
        return _date_part("day", day) if self.pg else cast(func.strftime("%d", day), Float)

    def maandlengte(self, day):
        if self.pg:
            return _date_part("day", func.date_trunc("month", day)
                                  + literal_column("interval '1 month - 1 day'"))
        return cast(func.strftime("%d", day, "start of month", "+1 month", "-1 day"), Float)

    def maanddelen(self, begin, eind):
        """`maanddelen` in closed form: the first month's remainder, the whole months between,
        and the last month's days; one month when begin and eind share it."""
        first, last = self.maand(begin), self.maand(eind)
        same = (self.dag(eind) - self.dag(begin) + 1) / self.maandlengte(begin)
        spread = ((self.maandlengte(begin) - self.dag(begin) + 1) / self.maandlengte(begin)
                  + (last - first - 1) + self.dag(eind) / self.maandlengte(eind))
        return case((first == last, same), else_=spread)


def deel_sql(d: Dates, t, begin, eind) -> ColumnElement:
    """`deel` for toewijzing columns `t` over [begin, eind] (non-empty, inside its period),
    for toewijzingen with an Einddatum or a per dag/week/maand Omvang."""
    amount = cast(func.coalesce(t.volume, t.budget), Float)
    looptijd = d.dagen(t.ingangsdatum, t.einddatum)
    return case(
        (or_(t.volume.is_(None), t.frequentie == TBGT), amount * d.dagen(begin, eind) / looptijd),
        (t.frequentie == PER_DAG, amount * d.dagen(begin, eind)),
        (t.frequentie == PER_WEEK, amount * d.dagen(begin, eind) / 7),
        (t.frequentie == PER_MAAND, amount * d.maanddelen(begin, eind)),
        else_=0.0)


def verdeeld(t):
    return or_(t.volume.is_(None), t.frequentie == TBGT)


def _groep(t):
    """Group columns of a toewijzing: a Budget shows under eenheid 83 (euro)."""
    return (t.aanbieder.label("aanbieder"), t.categorie.label("categorie"), t.code.label("code"),
            # a literal column, not a bind: PostgreSQL must see the same expression in GROUP BY
            case((t.volume.is_(None), literal_column(f"'{EURO}'")), else_=t.eenheid).label("eenheid"))


def _toewijzingen(gemeenten: list[str] | None, aanbieder: str | None):
    return [or_(Toewijzing.reden_wijziging.is_(None), Toewijzing.reden_wijziging != VERWIJDERD),
            or_(Toewijzing.volume.is_not(None), Toewijzing.budget.is_not(None)),
            *scope(Toewijzing, gemeenten, aanbieder)]


def _toegewezen_waarden(d: Dates, van, tot):
    """`toegewezen` and `benutbaar` of a toewijzing row over [van, tot] (bound dates: the
    report's period, or one month of the month series), and the condition that the
    toewijzing overlaps it."""
    t = Toewijzing
    begin = d.greatest(t.ingangsdatum, van)
    eind = d.least(func.coalesce(t.einddatum, tot), tot)
    open_einde = and_(verdeeld(t), t.einddatum.is_(None))
    waarde = case((open_einde, case((t.ingangsdatum >= van, cast(func.coalesce(t.volume, t.budget), Float)),
                                    else_=0.0)),
                  else_=deel_sql(d, t, begin, eind))
    # `benutbaar`: a TBGT or Budget whole in every period it overlaps (the overlap keeps those)
    benutbaar_ = case((verdeeld(t), cast(func.coalesce(t.volume, t.budget), Float)), else_=deel_sql(d, t, begin, eind))
    overlapt = and_(t.ingangsdatum <= tot, or_(t.einddatum.is_(None), t.einddatum >= van))
    return waarde, benutbaar_, overlapt


def _toegewezen_sql(d: Dates, periode: Periode, gemeenten, aanbieder, delen: list[Periode]):
    """Per group the period's toegewezen and benutbaar and, when `delen` holds months, the
    toegewezen of each month: the month columns ride along the same scan (`_per_maand`)."""
    waarde, benutbaar_, overlapt = _toegewezen_waarden(d, literal(periode.van, Date), literal(periode.tot, Date))

    def per_maand(van, tot, _vanaf):
        waarde_, _, overlapt_ = _toegewezen_waarden(d, van, tot)
        return waarde_, overlapt_

    groep = _groep(Toewijzing)
    return (select(*groep, func.sum(waarde).label("waarde"), func.sum(benutbaar_).label("benutbaar"),
                   *_per_maand(delen, per_maand))
            .where(*_toewijzingen(gemeenten, aanbieder), overlapt)
            .group_by(*groep))


def _stops():
    """Per current start the Einddatum of its first current stop."""
    s = ZorgleveringStop
    return (select(s.zorglevering_id, func.min(s.einddatum).label("einddatum"))
            .where(s.actief_sleutel.is_not(None)).group_by(s.zorglevering_id).subquery("stop"))


def _geleverd_sql(d: Dates, periode: Periode, gemeenten, aanbieder):
    t, z = Toewijzing, Zorglevering
    van, tot = literal(periode.van, Date), literal(periode.tot, Date)
    stop = _stops()
    begin = d.greatest(z.begindatum, t.ingangsdatum, van)
    eind = d.least(func.coalesce(stop.c.einddatum, tot), func.coalesce(t.einddatum, tot), tot)
    groep = _groep(t)
    perioden = (select(*groep, func.sum(deel_sql(d, t, begin, eind)).label("waarde"))
                .select_from(z)
                .join(t, and_(t.gemeente == z.gemeente, t.nummer == z.toewijzingnummer))
                .outerjoin(stop, stop.c.zorglevering_id == z.id)
                .where(z.actief_sleutel.is_not(None), *_toewijzingen(gemeenten, aanbieder),
                       ~and_(verdeeld(t), t.einddatum.is_(None)),
                       z.begindatum <= tot, t.ingangsdatum <= tot,
                       or_(t.einddatum.is_(None), t.einddatum >= van),
                       or_(stop.c.einddatum.is_(None), stop.c.einddatum >= van),
                       begin <= eind)
                .group_by(*groep))
    # TBGT/Budget without Einddatum: the whole amount on the first day of care (see _open_einde):
    # per such toewijzing (few) its earliest current start, found by index.
    first_day = d.greatest(func.min(z.begindatum), t.ingangsdatum)
    per_toewijzing = (select(*groep, cast(func.coalesce(t.volume, t.budget), Float).label("waarde"),
                             first_day.label("eerste"))
                      .select_from(t)
                      .join(z, and_(z.gemeente == t.gemeente, z.toewijzingnummer == t.nummer))
                      .where(*_toewijzingen(gemeenten, aanbieder), verdeeld(t), t.einddatum.is_(None),
                             t.ingangsdatum <= tot, z.actief_sleutel.is_not(None))
                      .group_by(t.id, t.aanbieder, t.categorie, t.code, t.eenheid, t.volume, t.budget,
                                t.ingangsdatum)
                      .subquery("open_einde"))
    c = per_toewijzing.c
    open_einde = (select(c.aanbieder, c.categorie, c.code, c.eenheid, func.sum(c.waarde).label("waarde"))
                  .where(c.eerste >= van, c.eerste <= tot)
                  .group_by(c.aanbieder, c.categorie, c.code, c.eenheid))
    return perioden, open_einde


def _gedeclareerd_waarden(d: Dates, van, tot, vanaf):
    """Per accepted prestatie row its signed volume and amount inside [van, tot] (SQL
    expressions, as in `_toegewezen_waarden`), and the condition that it overlaps."""
    p = Prestatie
    share = d.dagen(d.greatest(p.begindatum, van), d.least(p.einddatum, tot)) / d.dagen(p.begindatum, p.einddatum)
    sign = case((p.debet_credit == CREDIT, -1.0), else_=1.0)
    # A ProductPeriode lies inside one calendar month (CS337): `vanaf` (van less 31 days) lets
    # the (gemeente, begindatum) index find the period's lines without a full scan.
    overlapt = and_(p.status == TOEGEKEND, p.begindatum <= tot, p.einddatum >= van, p.begindatum >= vanaf)
    return sign * func.abs(p.volume) * share, sign * func.abs(p.bedrag_eurocent) * share, overlapt


def scope(model, gemeenten: list[str] | None, aanbieder: str | None) -> list:
    """The conditions that keep `model`'s rows to the report's municipalities (None: all) and
    provider (None: all)."""
    conditions = []
    if gemeenten is not None:
        conditions.append(model.gemeente.in_(gemeenten))
    if aanbieder is not None:
        conditions.append(model.aanbieder == aanbieder)
    return conditions


def _gedeclareerd_sql(d: Dates, periode: Periode, gemeenten, aanbieder, delen: list[Periode]):
    """Per group the period's gedeclareerd volume and amount and, when `delen` holds months,
    the amount of each month, in the same scan."""
    p = Prestatie
    volume, bedrag, overlapt = _gedeclareerd_waarden(d, literal(periode.van, Date), literal(periode.tot, Date),
                                                     literal(periode.van - timedelta(days=31), Date))

    def per_maand(van, tot, vanaf):
        _, bedrag_, overlapt_ = _gedeclareerd_waarden(d, van, tot, vanaf)
        return bedrag_, overlapt_

    groep = (p.aanbieder, p.categorie, p.code, p.eenheid)
    return (select(*groep, func.sum(volume).label("volume"), func.sum(bedrag).label("bedrag"),
                   *_per_maand(delen, per_maand))
            .where(overlapt, *scope(Prestatie, gemeenten, aanbieder)).group_by(*groep))


def volumes(session: Session, periode: Periode, *, gemeenten: list[str] | None, aanbieder: str | None = None,
            producten: Mapping[tuple[str, str], Product] | None = None) -> list[Regel]:
    """The report rows for the period, ordered by aanbieder and product; `gemeenten` None
    means every gemeente in the database (a finance user of the region)."""
    return rapport(session, periode, gemeenten=gemeenten, aanbieder=aanbieder, producten=producten,
                   per_maand=False).regels


def maandreeks(session: Session, periode: Periode, *, gemeenten: list[str] | None, aanbieder: str | None = None,
               producten: Mapping[tuple[str, str], Product] | None = None) -> list[Maandbedrag]:
    """The month series of `rapport` on its own (the page asks `rapport` for both at once)."""
    reeks = rapport(session, periode, gemeenten=gemeenten, aanbieder=aanbieder, producten=producten,
                    per_maand=True).maandreeks
    assert reeks is not None  # per_maand asks for it
    return reeks


# --------------------------------------------------------------------------- month by month


MAX_MAANDEN = 36  # the month-by-month series of the /financien chart


@dataclass(frozen=True)
class Maandbedrag:
    """Allocated and declared money in one calendar month (the part inside the period)."""

    maand: date  # the first day of the calendar month
    periode: Periode  # that month clipped to [van, tot]
    toegewezen_eurocent: float  # rows with a catalogue tariff (or eenheid 83) only
    gedeclareerd_eurocent: float


def maanden(periode: Periode) -> list[Periode]:
    """The calendar months touched by the period, each clipped to it."""
    result, day = [], periode.van
    while day <= periode.tot:
        last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        result.append(Periode(day, min(last, periode.tot)))
        day = last + timedelta(days=1)
    return result


def _per_maand(delen: list[Periode], waarden) -> list:
    """One SUM column per month: `waarden(van, tot, vanaf)` gives a row's value over the month
    and the condition that the row counts in it (the per-period query's WHERE, with the
    month's bounds). Conditional sums, not a join against a list of months: the table is read
    once whatever the planner estimates (joined, PostgreSQL rescanned the toewijzingen or
    the prestatie index once per month), and the same text runs on SQLite."""
    kolommen = []
    for k, m in enumerate(delen):
        waarde, telt = waarden(literal(m.van, Date), literal(m.tot, Date),
                               literal(m.van - timedelta(days=31), Date))
        kolommen.append(func.sum(case((telt, waarde))).label(f"m{k}"))
    return kolommen


@dataclass(frozen=True)
class Rapport:
    regels: list[Regel]
    maandreeks: list[Maandbedrag] | None  # None: not asked for


def rapport(session: Session, periode: Periode, *, gemeenten: list[str] | None, aanbieder: str | None = None,
            producten: Mapping[tuple[str, str], Product] | None = None, per_maand: bool) -> Rapport:
    """The report rows (`volumes`) and, with `per_maand`, per calendar month in [van, tot] the
    toegewezen amount (the report's toegewezen × the catalogue tariff, as `Regel.as_json`
    prices it) and the gedeclareerd amount.

    The months come from the same queries as the rows: each source is read once, its grouped
    query summing every row over the period and, in one extra column per month, over that
    month's bounds with the same expressions. Geleverd has no month columns (the chart shows
    money only). Every definition is additive over days, so the months add up to the period
    (a test checks it). A month column costs every row one more test, so the caller keeps
    the series to MAX_MAANDEN months; without `per_maand` (the API) the queries carry none."""
    d = Dates(session.get_bind().dialect.name)
    if d.pg:
        # These are single-pass aggregates: PostgreSQL's JIT compilation, which the large row
        # estimates switch on, cost more than it saved (about 0.4 s per query, measured).
        session.execute(text("SET LOCAL jit = off"))
        # The grouped joins and sorts of geleverd spilled to disk at the default 4 MB (and the
        # planner then sorted instead of hashing); a report is one request at a time.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    delen = maanden(periode) if per_maand else []
    producten = producten or {}
    rows: dict[tuple, Regel] = {}
    toegewezen_ = [0.0] * len(delen)
    gedeclareerd_ = [0.0] * len(delen)

    def row(key) -> Regel:
        key = tuple(key)
        if key not in rows:
            rows[key] = Regel(*key)
        return rows[key]

    for found in session.execute(_toegewezen_sql(d, periode, gemeenten, aanbieder, delen)):
        regel = row(found[:4])
        regel.toegewezen += found.waarde or 0.0
        regel.benutbaar += found.benutbaar or 0.0
        prijs = tarief(producten, *found[1:4]) if delen else None
        if prijs is not None:
            for k in range(len(delen)):
                toegewezen_[k] += (found[6 + k] or 0.0) * prijs
    for query in _geleverd_sql(d, periode, gemeenten, aanbieder):
        for found in session.execute(query):
            row(found[:4]).geleverd += found.waarde or 0.0
    for found in session.execute(_gedeclareerd_sql(d, periode, gemeenten, aanbieder, delen)):
        regel = row(found[:4])
        regel.gedeclareerd += found.volume or 0.0
        regel.gedeclareerd_eurocent += found.bedrag or 0.0
        for k in range(len(delen)):
            gedeclareerd_[k] += found[6 + k] or 0.0
    regels = sorted(rows.values(), key=lambda r: (r.aanbieder, r.productcategorie or "", r.productcode or "",
                                                  r.eenheid or ""))
    for regel in regels:
        regel.tarief_eurocent = tarief(producten, regel.productcategorie, regel.productcode, regel.eenheid)
    reeks = None
    if per_maand:
        reeks = [Maandbedrag(date(m.van.year, m.van.month, 1), m, toegewezen_[k], gedeclareerd_[k])
                 for k, m in enumerate(delen)]
    return Rapport(regels, reeks)
