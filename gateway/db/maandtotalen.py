"""The finance report's month totals (design §7 "Finance report"), kept in the transaction of
every write that changes them.

What a toewijzing allocates, its starts deliver and an accepted prestatie declares is, by the
report's definitions (gateway.domain.financien.rapportage), a daily rate over a span of days,
or an amount on one day:
- per dag: volume a day; per week: volume / 7 a day; per maand: volume / days of the month
  a day; TBGT and Budget with an Einddatum: the amount / days of the toewijzing a day; a
  prestatie: its GeleverdVolume (and amount) / days of its ProductPeriode a day, negative for
  a credit;
- a TBGT or Budget without Einddatum: its whole amount on its Ingangsdatum (allocated) and
  on its first day of care (delivered).
Split at calendar months, each span becomes per month a piece (its days in that month, at
that month's daily rate) stored in `financien_maanddeel`, and the month's total in
`financien_maand`. A span without end (per dag/week/maand, no Einddatum, care not stopped)
gives pieces up to its first whole month and from there a running rate (`*_dag`, `*_maand`)
that the reader carries into every later month. Two counts per span (`aantal_begin` on its
first day, `aantal_eind` on its last) tell the reader whether anything of a group overlaps a
period (the report lists a group whenever a row overlaps, even at zero), and `benut_begin` /
`benut_eind` do the same with the amount of a TBGT or Budget, which a period may use whole
(`rapportage.benutbaar`): what overlaps [van, tot] is what began by tot less what ended
before van.

Kept by the ORM's flush (every write of these rows goes through it): before a flush the
contribution of every toewijzing it touches (directly, or through a start or stop) is read
from the database with the toewijzing's row locked, after the flush again, and the difference
is added to the totals with upserts (x = x + delta), in the same transaction. So the totals
are never stale: they commit or roll back with the write. The lock makes two transactions
that change the same toewijzing take turns (a start's delivery depends on its toewijzing).
A prestatie's contribution depends on its own row only. On PostgreSQL each such flush first
takes a transaction lock per (gemeente, aanbieder) it touches: a transaction flushes many
times (a JW305 once per start), each flush locking toewijzingen and month rows in its own
order, so two messages of one provider would otherwise hold each other's rows (deadlock);
with the lock they take turns, as they already did on their shared month rows. Writes that bypass the ORM must call
`herbouw` (the benchmark's generator does, and so does the migration that made the tables).
"""
from __future__ import annotations

import calendar
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, case, delete, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from gateway.db.models import (
    FinancienMaand,
    FinancienMaanddeel,
    Prestatie,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)

PER_DAG, PER_WEEK, PER_MAAND, TBGT = "1", "2", "4", "6"  # WMO757 Frequentie
EURO = "83"
VERWIJDERD = "13"
TOEGEKEND = "toegekend"
CREDIT = "C"

DEEL = ("toegewezen", "toegewezen_vast", "geleverd", "gedeclareerd", "gedeclareerd_eurocent",
        "benut_begin", "benut_eind", "aantal_begin", "aantal_eind")
LOPEND = ("toegewezen_dag", "toegewezen_maand", "geleverd_dag", "geleverd_maand")
MAAND = DEEL + LOPEND
GROEP = ("gemeente", "aanbieder", "categorie", "code", "eenheid")
_I = {name: k for k, name in enumerate(MAAND)}

Groep = tuple[str, str, str, str, str]


def maandlengte(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def eerste(day: date) -> date:
    return day.replace(day=1)


def volgende(maand: date) -> date:
    return (maand.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass
class Bijdrage:
    """Contributions to the totals: per (groep, maand) the month's values (MAAND), per
    (groep, maand, van_dag, tot_dag) the pieces' daily rates (DEEL)."""

    maanden: dict[tuple, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0] * len(MAAND)))
    delen: dict[tuple, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0] * len(DEEL)))

    def span(self, groep: Groep, kolommen: tuple[str, ...], begin: date, eind: date | None, *,
             per_dag: float = 0.0, per_maand: float = 0.0, lopend: str | None = None) -> None:
        """A daily rate of `per_dag` + `per_maand` / days of the month over [begin, eind]
        (eind None: without end, carried on as the running rate `lopend`_dag/_maand)."""
        maand = eerste(begin)
        while eind is None or maand <= eind:
            lengte = maandlengte(maand)
            if eind is None and begin <= maand:
                # from this whole month on, for ever: the reader carries the rate forward
                assert lopend is not None  # only allocated and delivered care runs on
                self.maanden[(groep, maand)][_I[lopend + "_dag"]] += per_dag
                self.maanden[(groep, maand)][_I[lopend + "_maand"]] += per_maand
                return
            van = max(begin, maand)
            tot = maand.replace(day=lengte) if eind is None else min(eind, maand.replace(day=lengte))
            rate = per_dag + per_maand / lengte
            deel = self.delen[(groep, maand, van.day, tot.day)]
            totaal = self.maanden[(groep, maand)]
            for kolom in kolommen:
                deel[_I[kolom]] += rate
                totaal[_I[kolom]] += rate * (tot.day - van.day + 1)
            maand = volgende(maand)

    def punt(self, groep: Groep, kolom: str, dag: date, waarde: float) -> None:
        self.span(groep, (kolom,), dag, dag, per_dag=waarde)

    def overlapt(self, groep: Groep, begin: date, eind: date | None) -> None:
        """The span counts as overlapping any period that touches [begin, eind]."""
        self.punt(groep, "aantal_begin", begin, 1.0)
        if eind is not None:
            self.punt(groep, "aantal_eind", eind, 1.0)

    def add(self, other: Bijdrage, sign: float = 1.0) -> None:
        for key, values in other.maanden.items():
            mine = self.maanden[key]
            for k, v in enumerate(values):
                mine[k] += sign * v
        for key, values in other.delen.items():
            mine = self.delen[key]
            for k, v in enumerate(values):
                mine[k] += sign * v


# --------------------------------------------------------------------------- contributions


def _dagen(begin: date, eind: date) -> int:
    return (eind - begin).days + 1


def toewijzing(b: Bijdrage, t: Any, leveringen: Iterable[tuple[date, date | None]]) -> None:
    """What one toewijzing row (with Toewijzing's columns) and its current starts
    ((Begindatum, Einddatum of the first current stop)) contribute."""
    if t.reden_wijziging == VERWIJDERD or (t.volume is None and t.budget is None):
        return
    if t.einddatum is not None and t.einddatum < t.ingangsdatum:
        return  # an empty period overlaps nothing (rapportage.overlap)
    groep = (t.gemeente, t.aanbieder, t.categorie or "", t.code or "",
             EURO if t.volume is None else (t.eenheid or ""))
    hoeveelheid = t.volume if t.volume is not None else t.budget
    verdeeld = t.volume is None or t.frequentie == TBGT
    ingang, eind = t.ingangsdatum, t.einddatum
    leveringen = list(leveringen)
    b.overlapt(groep, ingang, eind)
    if verdeeld:
        b.punt(groep, "benut_begin", ingang, float(hoeveelheid))
        if eind is None:
            b.punt(groep, "toegewezen", ingang, float(hoeveelheid))
            if leveringen:
                first = max(min(begin for begin, _ in leveringen), ingang)
                b.overlapt(groep, first, first)
                b.punt(groep, "geleverd", first, float(hoeveelheid))
            return
        b.punt(groep, "benut_eind", eind, float(hoeveelheid))
        rate = {"per_dag": hoeveelheid / _dagen(ingang, eind)}
    elif t.frequentie == PER_DAG:
        rate = {"per_dag": float(hoeveelheid)}
    elif t.frequentie == PER_WEEK:
        rate = {"per_dag": hoeveelheid / 7}
    elif t.frequentie == PER_MAAND:
        rate = {"per_maand": float(hoeveelheid)}
    else:
        rate = {}  # no or an unknown Frequentie: nothing to normalise, still a row
    toegewezen = ("toegewezen",) if verdeeld else ("toegewezen", "toegewezen_vast")
    if rate:
        b.span(groep, toegewezen, ingang, eind, lopend="toegewezen", **rate)
    for begin, stop in leveringen:
        start = max(begin, ingang)
        ends = [d for d in (stop, eind) if d is not None]
        end = min(ends) if ends else None
        if end is not None and end < start:
            continue
        b.overlapt(groep, start, end)
        if rate:
            b.span(groep, ("geleverd",), start, end, lopend="geleverd", **rate)


def prestatie(b: Bijdrage, p: Any) -> None:
    """What one prestatie row contributes: accepted lines, pro rata by their days."""
    if p.status != TOEGEKEND:
        return
    sign = -1.0 if p.debet_credit == CREDIT else 1.0
    prestaties(b, (p.gemeente, p.aanbieder, p.categorie or "", p.code or "", p.eenheid or ""), p.begindatum,
               p.einddatum, volume=sign * abs(p.volume), bedrag=sign * abs(p.bedrag_eurocent), aantal=1)


def prestaties(b: Bijdrage, groep: Groep, begin: date, eind: date, *, volume: float, bedrag: float,
               aantal: int) -> None:
    """`aantal` accepted prestaties of one group and ProductPeriode, their signed volumes and
    amounts summed (the contribution is linear in both)."""
    if eind < begin:
        return  # an empty ProductPeriode overlaps nothing (rapportage.overlap)
    dagen = _dagen(begin, eind)
    b.punt(groep, "aantal_begin", begin, float(aantal))
    b.punt(groep, "aantal_eind", eind, float(aantal))
    b.span(groep, ("gedeclareerd",), begin, eind, per_dag=volume / dagen)
    b.span(groep, ("gedeclareerd_eurocent",), begin, eind, per_dag=bedrag / dagen)


# --------------------------------------------------------------------------- reading the sources

_T = Toewijzing.__table__.c
_Z = Zorglevering.__table__.c
_S = ZorgleveringStop.__table__.c
_P = Prestatie.__table__.c
_TOEWIJZING = (_T.gemeente, _T.nummer, _T.aanbieder, _T.categorie, _T.code, _T.ingangsdatum, _T.einddatum,
               _T.volume, _T.eenheid, _T.frequentie, _T.budget, _T.reden_wijziging)
_PRESTATIE = (_P.gemeente, _P.aanbieder, _P.categorie, _P.code, _P.eenheid, _P.begindatum, _P.einddatum,
              _P.volume, _P.bedrag_eurocent, _P.debet_credit, _P.status)


def _eerste_stop():
    return (select(func.min(_S.einddatum)).where(_S.zorglevering_id == _Z.id, _S.actief_sleutel.is_not(None))
            .correlate_except(ZorgleveringStop.__table__).scalar_subquery())


def _stand(conn: Connection, sleutels: Iterable[tuple[str, int]], *, lock: bool) -> Bijdrage:
    """The contribution of these toewijzingen as the database holds them now."""
    b = Bijdrage()
    for gemeente, nummer in sorted(sleutels):
        query = select(*_TOEWIJZING).where(_T.gemeente == gemeente, _T.nummer == nummer)
        t = conn.execute(query.with_for_update() if lock else query).first()
        if t is None:
            continue
        leveringen = conn.execute(select(_Z.begindatum, _eerste_stop()).where(
            _Z.gemeente == gemeente, _Z.toewijzingnummer == nummer, _Z.actief_sleutel.is_not(None))).all()
        toewijzing(b, t, [(begin, stop) for begin, stop in leveringen])
    return b


# --------------------------------------------------------------------------- writing the totals


def _upsert(conn: Connection, model, sleutel: tuple[str, ...], kolommen: tuple[str, ...], rows: list[dict]) -> None:
    if not rows:
        return
    table = model.__table__
    # INSERT … ON CONFLICT DO UPDATE, the same on both (SQLite since 3.24)
    stmt: Any = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(sleutel),
                                      set_={k: table.c[k] + stmt.excluded[k] for k in kolommen})
    conn.execute(stmt, rows)


def apply(conn: Connection, b: Bijdrage) -> None:
    """Add the contributions to the stored totals, in key order (two transactions touching the
    same rows lock them in the same order)."""
    maanden = [dict(zip(GROEP, groep, strict=True), maand=maand, **dict(zip(MAAND, values, strict=True)))
               for (groep, maand), values in sorted(b.maanden.items()) if any(values)]
    delen = [dict(zip(GROEP, groep, strict=True), maand=maand, van_dag=van, tot_dag=tot,
                  **dict(zip(DEEL, values, strict=True)))
             for (groep, maand, van, tot), values in sorted(b.delen.items()) if any(values)]
    _upsert(conn, FinancienMaand, (*GROEP, "maand"), MAAND, maanden)
    _upsert(conn, FinancienMaanddeel, (*GROEP, "maand", "van_dag", "tot_dag"), DEEL, delen)


def herbouw(conn: Connection) -> None:
    """Recompute every total from the sources (after writes that bypassed the ORM)."""
    conn.execute(delete(FinancienMaand))
    conn.execute(delete(FinancienMaanddeel))
    b = Bijdrage()
    leveringen: dict[tuple[str, int], list[tuple[date, date | None]]] = defaultdict(list)
    for gemeente, nummer, begin, stop in conn.execute(select(
            _Z.gemeente, _Z.toewijzingnummer, _Z.begindatum, _eerste_stop()).where(_Z.actief_sleutel.is_not(None))):
        leveringen[(gemeente, nummer)].append((begin, stop))
    for t in conn.execute(select(*_TOEWIJZING).execution_options(yield_per=20_000)):
        toewijzing(b, t, leveringen.get((t.gemeente, t.nummer), ()))
    del leveringen
    # Prestaties summed per group and ProductPeriode in the database: millions of lines, a
    # few per group and day.
    sign = case((_P.debet_credit == CREDIT, -1), else_=1)
    groep = (_P.gemeente, _P.aanbieder, _P.categorie, _P.code, _P.eenheid, _P.begindatum, _P.einddatum)
    for row in conn.execute(select(*groep, func.sum(sign * func.abs(_P.volume)), func.sum(sign * func.abs(_P.bedrag_eurocent)),
                                   func.count()).where(_P.status == TOEGEKEND).group_by(*groep)):
        g = (row[0], row[1], row[2] or "", row[3] or "", row[4] or "")
        prestaties(b, g, row[5], row[6], volume=float(row[7]), bedrag=float(row[8]), aantal=row[9])
    for part in (b.maanden, b.delen):
        items = list(part.items())
        for start in range(0, len(items), 5000):
            chunk = Bijdrage()
            (chunk.maanden if part is b.maanden else chunk.delen).update(items[start:start + 5000])
            apply(conn, chunk)


# --------------------------------------------------------------------------- the flush


_KEY = "gateway.maandtotalen"
_RELEVANT = {
    Toewijzing: ("gemeente", "nummer", "aanbieder", "categorie", "code", "ingangsdatum", "einddatum", "volume",
                 "eenheid", "frequentie", "budget", "reden_wijziging"),
    Zorglevering: ("gemeente", "toewijzingnummer", "begindatum", "actief_sleutel"),
    ZorgleveringStop: ("zorglevering_id", "einddatum", "actief_sleutel"),
    Prestatie: tuple(c.name for c in _PRESTATIE),
}


def _oud(obj: Any, names: tuple[str, ...]) -> Any:
    """A row's values before this flush (the attribute history's old value where changed)."""
    values = {}
    for name in names:
        history = attributes.get_history(obj, name)
        values[name] = history.deleted[0] if history.deleted else getattr(obj, name)
    return SimpleNamespace(**values)


def _changed(obj: Any) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in _RELEVANT[type(obj)])


def _start_of(conn: Connection, stop: Any) -> list[tuple[str, int, str]]:
    """(gemeente, toewijzingnummer, aanbieder) of the start a stop belongs to."""
    start = stop.__dict__.get("zorglevering")
    if start is not None:
        return [(start.gemeente, start.toewijzingnummer, start.aanbieder)]
    ids = {v for v in (stop.zorglevering_id, _oud(stop, ("zorglevering_id",)).zorglevering_id) if v is not None}
    return [tuple(r) for r in conn.execute(
        select(_Z.gemeente, _Z.toewijzingnummer, _Z.aanbieder).where(_Z.id.in_(ids)))]


_LOCK_CLASS = 7_513_021  # the first key of the totals' advisory locks (arbitrary but fixed)


def _take_turns(conn: Connection, paren: set[tuple[str, str]]) -> None:
    """Hold the (gemeente, aanbieder) locks until the transaction ends, in one order. SQLite
    has one writer at a time already. A transaction that touches several pairs in different
    flushes can still meet another in the opposite order: a message concerns one of each."""
    if conn.dialect.name != "postgresql":
        return
    for gemeente, aanbieder in sorted(paren):
        # the second key is int4: the pair's CRC-32, shifted into its signed range
        sleutel = zlib.crc32(f"{gemeente}|{aanbieder}".encode()) - 2**31
        conn.execute(text("SELECT pg_advisory_xact_lock(:klasse, :sleutel)"),
                     {"klasse": _LOCK_CLASS, "sleutel": sleutel})


def _before_flush(session: Session, _context, _instances) -> None:
    session.info.pop(_KEY, None)
    sleutels: set[tuple[str, int]] = set()
    paren: set[tuple[str, str]] = set()  # (gemeente, aanbieder): whose totals this flush changes
    prestaties = Bijdrage()
    conn = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = type(obj)
        if kind not in _RELEVANT:
            continue
        new, deleted = obj in session.new, obj in session.deleted
        if not (new or deleted or _changed(obj)):
            continue
        if kind is ZorgleveringStop:
            conn = conn or session.connection()
            for gemeente, nummer, aanbieder in _start_of(conn, obj):
                sleutels.add((gemeente, nummer))
                paren.add((gemeente, aanbieder))
            continue
        for source in (obj, _oud(obj, ("gemeente", "aanbieder"))):
            if source.gemeente is not None and source.aanbieder is not None:
                paren.add((source.gemeente, source.aanbieder))
        if kind is Prestatie:
            if not new:
                oud_ = Bijdrage()
                prestatie(oud_, _oud(obj, _RELEVANT[Prestatie]))
                prestaties.add(oud_, -1.0)
            if not deleted:
                prestatie(prestaties, obj)
            continue
        names = ("gemeente", "nummer") if kind is Toewijzing else ("gemeente", "toewijzingnummer")
        oud = _oud(obj, names)
        for source in (obj, oud):
            gemeente, nummer = (getattr(source, n) for n in names)
            if gemeente is not None and nummer is not None:
                sleutels.add((gemeente, nummer))
    if not sleutels and not prestaties.maanden:
        return
    conn = conn or session.connection()
    _take_turns(conn, paren)
    session.info[_KEY] = (sleutels, _stand(conn, sleutels, lock=True), prestaties)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop(_KEY, None)
    if pending is None:
        return
    sleutels, voor, delta = pending
    conn = session.connection()
    delta.add(_stand(conn, sleutels, lock=False))
    delta.add(voor, -1.0)
    apply(conn, delta)


def install() -> None:
    """Keep the totals in every ORM session of the process (gateway.db does, on import)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)

