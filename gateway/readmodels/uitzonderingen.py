"""The exceptions list for finance: toewijzingen, deliveries and declarations
that do not fit together. Five kinds, each one bounded query (`LIMIT` per kind, no N+1):

- boven_toewijzing: per toewijzing, the approved declared quantity (net of credits) over the
  period is more than its allocated quantity over that period. Both by the report's own
  definitions (gateway.domain.financien.rapportage: the same pro-rata share of a ProductPeriode and the
  same normalisation of the Omvang, as SQL), compared in the toewijzing's stored unit; for a
  Budget toewijzing the declared amounts (eurocent) are compared with the Budget.
- zonder_start: an approved debit prestatie (not credited) whose toewijzing has no current
  start (Zorglevering with actief_sleutel) whose delivery period (Begindatum up to the first
  current stop's Einddatum, or open) overlaps the ProductPeriode.
- na_einddatum: a current start whose care runs past the toewijzing's Einddatum: its
  definitive stop (reden other than 20) lies after it, or there is no definitive stop and
  today lies after it.
- geen_start: a current toewijzing without any current start, more than STARTTERMIJN werkdagen
  after its Ingangsdatum (or after it was first sent, when later): the same rule and term as
  the signal of gateway.domain.levering.signalen.
- buiten_norm: an aanvraag the CJG granted outside the product's norms (design.md §9), with
  the ways it lies outside them, the motivering and who approved it.
- tijdelijk_gestopt: a current temporary stop (reden 20) on a start without a definitive stop,
  with no later start of the same toewijzing, whose Einddatum lies more than 8 weeks before
  today.

The period [van, tot] selects by the date shown per kind: the report period itself for
boven_toewijzing, the ProductPeriode (overlap) for zonder_start, the toewijzing's Einddatum
for na_einddatum, its Ingangsdatum for geen_start, the stop's Einddatum for tijdelijk_gestopt, the day of the decision for buiten_norm.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, Float, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from gateway.clock import NL, local_date
from gateway.db.models import Aanvraag, Client, Prestatie, Toewijzing, Zorglevering, ZorgleveringStop
from gateway.domain.financien import rapportage
from gateway.domain.financien.rapportage import CREDIT, TOEGEKEND, VERWIJDERD, Periode
from gateway.domain.levering.signalen import STARTTERMIJN
from gateway.model.leveringen import TIJDELIJK
from gateway.model.werkdagen import add_werkdagen

LIMIET = 500  # rows per kind
TIJDELIJK_WEKEN = 8

SOORTEN = {
    "boven_toewijzing": "Meer gedeclareerd dan toegewezen",
    "zonder_start": "Gedeclareerd zonder start",
    "na_einddatum": "Geleverd na einddatum toewijzing",
    "geen_start": "Toegewezen, nooit gestart",
    "tijdelijk_gestopt": f"Langer dan {TIJDELIJK_WEKEN} weken tijdelijk gestopt",
    "buiten_norm": "Toegekend buiten de norm",
}


@dataclass
class Uitzondering:
    soort: str
    gemeente: str
    aanbieder: str
    toewijzingnummer: int | None
    categorie: str | None
    code: str | None
    bsn: str
    datum: date
    cijfers: dict[str, object]  # the figures that make it an exception (name -> value)
    client_id: int | None = None

    @property
    def soort_label(self) -> str:
        return SOORTEN[self.soort]


@dataclass
class Resultaat:
    per_soort: dict[str, list[Uitzondering]] = field(default_factory=dict)
    afgekapt: set[str] = field(default_factory=set)  # kinds with more than LIMIET rows

    @property
    def rijen(self) -> list[Uitzondering]:
        return [u for soort in SOORTEN for u in self.per_soort.get(soort, [])]


def _levend(t=Toewijzing):
    return or_(t.reden_wijziging.is_(None), t.reden_wijziging != VERWIJDERD)


def boven_toewijzing(session: Session, periode: Periode, aanbieder: str | None, limit: int,
                     gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    d = rapportage.Dates(session.get_bind().dialect.name)
    p, t = Prestatie, Toewijzing
    van, tot = literal(periode.van, Date), literal(periode.tot, Date)
    share = d.dagen(d.greatest(p.begindatum, van), d.least(p.einddatum, tot)) / d.dagen(p.begindatum, p.einddatum)
    sign = case((p.debet_credit == CREDIT, -1.0), else_=1.0)
    conditions = [p.status == TOEGEKEND, p.begindatum <= tot, p.einddatum >= van,
                  # a ProductPeriode lies in one calendar month: lets the period index work
                  p.begindatum >= literal(periode.van - timedelta(days=31), Date)]
    if aanbieder:
        conditions.append(p.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(p.gemeente.in_(sorted(gemeenten)))
    declared = (select(p.gemeente, p.toewijzingnummer,
                       func.sum(sign * func.abs(p.volume) * share).label("volume"),
                       func.sum(sign * func.abs(p.bedrag_eurocent) * share).label("bedrag"))
                .where(*conditions).group_by(p.gemeente, p.toewijzingnummer).subquery("gedeclareerd"))
    begin = d.greatest(t.ingangsdatum, van)
    eind = d.least(func.coalesce(t.einddatum, tot), tot)
    amount = cast(func.coalesce(t.volume, t.budget), Float)
    # What the toewijzing lets the provider deliver in the period (rapportage.benutbaar): a
    # TBGT or Budget may go whole in any month of its geldigheidsduur (TR321), so its pro rata
    # share would list a provider who used it in one month as declaring more than allocated.
    allocated = case(
        (~_levend(t), 0.0),
        (rapportage.verdeeld(t),
         case((and_(t.ingangsdatum <= tot, or_(t.einddatum.is_(None), t.einddatum >= van)), amount), else_=0.0)),
        (begin <= eind, rapportage.deel_sql(d, t, begin, eind)),
        else_=0.0)
    declared_q = case((t.volume.is_(None), declared.c.bedrag), else_=declared.c.volume)
    query = (select(t, declared_q.label("gedeclareerd"), allocated.label("toegewezen"))
             .join(declared, and_(declared.c.gemeente == t.gemeente, declared.c.toewijzingnummer == t.nummer))
             # a rounding margin: the shares are floats
             .where(declared_q > func.coalesce(allocated, 0.0) + 0.005)
             .order_by(t.aanbieder, t.nummer).limit(limit))
    result = []
    for row, gedeclareerd, toegewezen in session.execute(query):
        eenheid = rapportage.EURO if row.volume is None else row.eenheid
        result.append(Uitzondering(
            "boven_toewijzing", row.gemeente, row.aanbieder, row.nummer, row.categorie, row.code, row.bsn,
            periode.tot, {"eenheid": eenheid,
                          "toegewezen": round(rapportage.in_eenheid(toegewezen or 0.0, eenheid), 2),
                          "gedeclareerd": round(rapportage.in_eenheid(gedeclareerd, eenheid), 2)}))
    return result


def _eerste_stop_voor(z, day):
    """A current stop of start `z` ending before `day`: its delivery period ended before it."""
    return exists().where(ZorgleveringStop.zorglevering_id == z.id, ZorgleveringStop.actief_sleutel.is_not(None),
                          ZorgleveringStop.einddatum < day).correlate_except(ZorgleveringStop)


def zonder_start(session: Session, periode: Periode, aanbieder: str | None, limit: int,
                 gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    p, z = Prestatie, Zorglevering
    credit = aliased(Prestatie)
    conditions = [p.status == TOEGEKEND, p.debet_credit != CREDIT, p.begindatum <= periode.tot,
                  p.einddatum >= periode.van, p.begindatum >= periode.van - timedelta(days=31),
                  ~exists().where(credit.aanbieder == p.aanbieder, credit.vorige_referentie == p.referentie,
                                  credit.status == TOEGEKEND, credit.debet_credit == CREDIT),
                  ~exists().where(z.gemeente == p.gemeente, z.toewijzingnummer == p.toewijzingnummer,
                                  z.actief_sleutel.is_not(None), z.begindatum <= p.einddatum,
                                  ~_eerste_stop_voor(z, p.begindatum))]
    if aanbieder:
        conditions.append(p.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(p.gemeente.in_(sorted(gemeenten)))
    query = select(p).where(*conditions).order_by(p.aanbieder, p.begindatum, p.id).limit(limit)
    return [Uitzondering("zonder_start", r.gemeente, r.aanbieder, r.toewijzingnummer, r.categorie, r.code, r.bsn,
                         r.begindatum, {"productperiode_van": r.begindatum, "productperiode_tot": r.einddatum,
                                        "volume": r.volume, "eenheid": r.eenheid, "bedrag_eurocent": r.bedrag_eurocent})
            for r in session.scalars(query)]


def _definitief():
    """Per current start the Einddatum of its earliest current definitive stop."""
    s = ZorgleveringStop
    return (select(s.zorglevering_id, func.min(s.einddatum).label("einddatum"))
            .where(s.actief_sleutel.is_not(None), s.reden != TIJDELIJK).group_by(s.zorglevering_id)
            .subquery("definitief"))


def na_einddatum(session: Session, periode: Periode, aanbieder: str | None, today: date, limit: int,
                 gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    t, z = Toewijzing, Zorglevering
    stop = _definitief()
    conditions = [z.actief_sleutel.is_not(None), _levend(t), t.einddatum.is_not(None),
                  t.einddatum >= periode.van, t.einddatum <= periode.tot,
                  or_(stop.c.einddatum > t.einddatum, and_(stop.c.einddatum.is_(None), t.einddatum < today))]
    if aanbieder:
        conditions.append(t.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(t.gemeente.in_(sorted(gemeenten)))
    query = (select(t, z.begindatum, stop.c.einddatum)
             .select_from(z).join(t, and_(t.gemeente == z.gemeente, t.nummer == z.toewijzingnummer))
             .outerjoin(stop, stop.c.zorglevering_id == z.id)
             .where(*conditions).order_by(t.aanbieder, t.einddatum, t.nummer, z.id).limit(limit))
    return [Uitzondering("na_einddatum", r.gemeente, r.aanbieder, r.nummer, r.categorie, r.code, r.bsn, r.einddatum,
                         {"einddatum_toewijzing": r.einddatum, "start": begin, "einde_zorg": einde})
            for r, begin, einde in session.execute(query)]


def laatste_dag_zonder_start(today: date) -> date:
    """The latest day D with today > add_werkdagen(D, STARTTERMIJN): a toewijzing that went in
    (and was sent) on or before D and has no start is overdue (signalen.periodic's rule)."""
    day = today - timedelta(days=1)
    while add_werkdagen(day, STARTTERMIJN) >= today:
        day -= timedelta(days=1)
    return day


def geen_start(session: Session, periode: Periode, aanbieder: str | None, today: date, limit: int,
               gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    t, z = Toewijzing, Zorglevering
    cutoff = laatste_dag_zonder_start(today)
    # "first sent on or before cutoff" in Dutch time, as a UTC moment for the stored timestamp
    sent_before = datetime.combine(cutoff + timedelta(days=1), time(), NL)
    conditions = [_levend(t), t.ingangsdatum <= cutoff, t.aangemaakt_op < sent_before,
                  t.ingangsdatum >= periode.van, t.ingangsdatum <= periode.tot,
                  ~exists().where(z.gemeente == t.gemeente, z.toewijzingnummer == t.nummer,
                                  z.actief_sleutel.is_not(None))]
    if aanbieder:
        conditions.append(t.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(t.gemeente.in_(sorted(gemeenten)))
    query = select(t).where(*conditions).order_by(t.aanbieder, t.ingangsdatum, t.nummer).limit(limit)
    return [Uitzondering("geen_start", r.gemeente, r.aanbieder, r.nummer, r.categorie, r.code, r.bsn, r.ingangsdatum,
                         {"ingangsdatum": r.ingangsdatum, "start_uiterlijk": add_werkdagen(
                             max(r.ingangsdatum, local_date(r.aangemaakt_op)), STARTTERMIJN)})
            for r in session.scalars(query)]


def tijdelijk_gestopt(session: Session, periode: Periode, aanbieder: str | None, today: date, limit: int,
                      gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    z, s = Zorglevering, ZorgleveringStop
    later = aliased(Zorglevering)
    definitive = aliased(ZorgleveringStop)
    grens = today - timedelta(weeks=TIJDELIJK_WEKEN)
    conditions = [s.actief_sleutel.is_not(None), s.reden == TIJDELIJK, z.actief_sleutel.is_not(None),
                  s.einddatum < grens, s.einddatum >= periode.van, s.einddatum <= periode.tot,
                  ~exists().where(definitive.zorglevering_id == z.id, definitive.actief_sleutel.is_not(None),
                                  definitive.reden != TIJDELIJK),
                  ~exists().where(later.gemeente == z.gemeente, later.toewijzingnummer == z.toewijzingnummer,
                                  later.actief_sleutel.is_not(None), later.begindatum > s.einddatum)]
    if aanbieder:
        conditions.append(z.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(z.gemeente.in_(sorted(gemeenten)))
    query = (select(z, s.einddatum).select_from(s).join(z, z.id == s.zorglevering_id)
             .where(*conditions).order_by(z.aanbieder, s.einddatum, s.id).limit(limit))
    return [Uitzondering("tijdelijk_gestopt", r.gemeente, r.aanbieder, r.toewijzingnummer, r.categorie, r.code,
                         r.bsn, einde, {"start": r.begindatum, "gestopt_per": einde,
                                        "weken": (today - einde).days // 7})
            for r, einde in session.execute(query)]


def buiten_norm(session: Session, periode: Periode, aanbieder: str | None, limit: int,
                gemeenten: frozenset[str] | None = None) -> list[Uitzondering]:
    a = Aanvraag
    van = datetime.combine(periode.van, time.min, NL)
    tot = datetime.combine(periode.tot + timedelta(days=1), time.min, NL)
    conditions = [a.buiten_norm.is_(True), a.besloten_op >= van, a.besloten_op < tot]
    if aanbieder:
        conditions.append(a.aanbieder == aanbieder)
    if gemeenten is not None:
        conditions.append(a.gemeente.in_(sorted(gemeenten)))
    result = []
    for row in session.scalars(select(a).where(*conditions).order_by(a.besloten_op, a.id).limit(limit)):
        besluit = row.besluit or {}
        afwijkingen = besluit.get("afwijkingen", [])
        refs = {af.get("referentie") for af in afwijkingen if af.get("soort") == "buiten_norm"}
        product = next((p for p in row.producten if p.referentie_aanbieder in refs), None)
        result.append(Uitzondering(
            "buiten_norm", row.gemeente, row.aanbieder, None, product.categorie if product else None,
            product.code if product else None, row.bsn, local_date(row.besloten_op) if row.besloten_op else periode.tot,
            {"aanvraag_id": row.id, "afwijkingen": [af["message"] for af in afwijkingen],
             "motivering": besluit.get("motivering"), "besloten_door": row.besloten_door,
             "akkoord_door": besluit.get("akkoord_door")}))
    return result


def zoek(session: Session, periode: Periode, *, today: date, aanbieder: str | None = None,
         limit: int = LIMIET, gemeenten: frozenset[str] | None = None) -> Resultaat:
    """Every kind for the period (at most `limit` rows per kind), with the clients' internal
    ids looked up in one query. `gemeenten`: only the exceptions of these gemeenten (design.md
    §9, a user sees only their own); None: all."""
    result = Resultaat()
    found = {
        "boven_toewijzing": boven_toewijzing(session, periode, aanbieder, limit + 1, gemeenten),
        "zonder_start": zonder_start(session, periode, aanbieder, limit + 1, gemeenten),
        "na_einddatum": na_einddatum(session, periode, aanbieder, today, limit + 1, gemeenten),
        "geen_start": geen_start(session, periode, aanbieder, today, limit + 1, gemeenten),
        "tijdelijk_gestopt": tijdelijk_gestopt(session, periode, aanbieder, today, limit + 1, gemeenten),
        "buiten_norm": buiten_norm(session, periode, aanbieder, limit + 1, gemeenten),
    }
    for soort, rows in found.items():
        if len(rows) > limit:
            result.afgekapt.add(soort)
        result.per_soort[soort] = rows[:limit]
    rows = result.rijen
    keys = {(u.gemeente, u.bsn) for u in rows}
    if keys:
        bsns = {bsn for _, bsn in keys}
        ids = {(g, b): i for i, g, b in session.execute(
            select(Client.id, Client.gemeente, Client.bsn).where(Client.bsn.in_(bsns)))}
        for u in rows:
            u.client_id = ids.get((u.gemeente, u.bsn))
    return result
