"""The message log of the back office (/berichten): filters, one search box, a choice of order
and keyset pages.

Newest first by id (by receipt time when a period is chosen, see `page`), 50 per page, or
ordered by another column (`SORTERINGEN`); the next page continues after the last message
shown (`voor`), so no page skips rows or uses OFFSET. The total of the result is one COUNT
of its own (`count`), asked once per page view. The search box finds a message by BSN, ToewijzingNummer,
ReferentieAanbieder or BerichtIdentificatie: each of these is its own indexed lookup
(bericht.bsn, bericht.identificatie, kenmerk(soort, waarde)), combined with UNION ALL, each
branch already filtered and cut at one page. An OR across the two tables would make the
database read the whole log.

Only the columns the list shows are read: never the message bodies.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, String, and_, cast, false, func, literal, or_, select, union, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, true

from gateway.clock import start_of_day
from gateway.dateinput import HINT, parse_date
from gateway.db.models import Bericht, Client, Kenmerk, Partij
from gateway.messages import MESSAGE_TYPES, answered_by

PAGINA = 50
MAX_ZOEKTEKST = 36  # the longest key searched: ReferentieAanbieder (kenmerk.waarde)

STATUSSEN = {"accepted": "geaccepteerd", "rejected": "afgekeurd", "invalid": "ongeldig"}
INKOMEND, UITGAAND = "in", "uit"  # Bericht.richting: received from a party, sent by the gateway
RICHTINGEN = {INKOMEND: "ontvangen", UITGAAND: "verzonden"}
OMSCHRIJVING = {
    "AGJ": "aanvraagformulier", "JW301": "toewijzing", "JW302": "retour toewijzing",
    "JW305": "start zorg", "JW307": "stop zorg", "JW315": "verzoek om toewijzing",
    "JW317": "verzoek om wijziging", "JW319": "antwoord op verzoek", "JW320": "retour antwoord",
    "JW323": "declaratie", "JW325": "declaratie-antwoord",
    "AGR": "retour aanvraagformulier", "JW306": "retour start zorg", "JW308": "retour stop zorg",
    "JW316": "retour verzoek om toewijzing", "JW318": "retour verzoek om wijziging",
}


def _stored_types() -> tuple[str, ...]:
    """The message types that are rows of the log: everything received or sent, not the
    retours the gateway itself answers with (AGR, JW306, ...), which are stored as the
    answer of the message they answer."""
    names = [m.name for m in MESSAGE_TYPES if not (m.is_retour and answered_by(m).received)]
    return tuple(sorted(names, key=lambda name: (name != "AGJ", name)))  # the CJG's own message first


BERICHTTYPEN = _stored_types()

_BSN = re.compile(r"[0-9]{9}")  # ASCII digits only (\d also takes other scripts' digits)
_ID = re.compile(r"[0-9]{1,10}")
_RETOURCODE = re.compile(r"[0-9]{4}")  # COD954: four digits

# The orders the list can be sorted in (`sorteer`), with how the column headers name them.
NIEUWSTE, OUDSTE, TYPE, AFZENDER, ONTVANGER = "nieuwste", "oudste", "type", "afzender", "ontvanger"
SORTERINGEN = {NIEUWSTE: "nieuwste eerst", OUDSTE: "oudste eerst", TYPE: "op berichttype",
               AFZENDER: "op afzender", ONTVANGER: "op ontvanger"}
_SORT_COLUMNS = {TYPE: Bericht.berichttype, AFZENDER: Bericht.afzender, ONTVANGER: Bericht.ontvanger}


@dataclass(frozen=True)
class Filters:
    berichttype: str | None = None
    status: str | None = None
    aanbieder: str | None = None  # AGB code of the provider party
    richting: str | None = None
    van: date | None = None
    tot: date | None = None
    q: str | None = None
    retourcode: str | None = None
    sorteer: str = NIEUWSTE

    def as_params(self, *, sorteer: bool = True) -> dict[str, str]:
        """The filters as query parameters (for the paging links and the export), empty ones
        and the default order left out; without the order for the column headers' links."""
        values = {"q": self.q, "berichttype": self.berichttype, "status": self.status,
                  "retourcode": self.retourcode, "aanbieder": self.aanbieder, "richting": self.richting,
                  "van": self.van.isoformat() if self.van else None,
                  "tot": self.tot.isoformat() if self.tot else None,
                  "sorteer": self.sorteer if sorteer and self.sorteer != NIEUWSTE else None}
        return {k: v for k, v in values.items() if v}


@dataclass
class Gelezen:
    """What the query string asked for: the filters, the raw texts (to show the form
    again as typed) and one Dutch error per field that could not be read."""

    filters: Filters
    waarden: dict[str, str]
    fouten: dict[str, str] = field(default_factory=dict)
    voor: int | None = None


@dataclass(frozen=True)
class Regel:
    id: int
    ontvangen_op: datetime
    richting: str
    berichttype: str | None
    afzender: str | None
    ontvanger: str | None
    bsn: str | None
    status: str
    retourcodes: list


@dataclass(frozen=True)
class Pagina:
    regels: list[Regel]
    ouder: int | None  # the `voor` of the next (older) page, None on the last page


@dataclass(frozen=True)
class Aanbieder:
    code: str
    naam: str
    partij_id: int


# Which municipality a message belongs to (design.md §9: a user sees only their gemeenten'
# messages): the gemeente in its Header, which is the Afzender of a message a gemeente sends
# (JW301, JW319, JW325, outbound) and of the provider's retours on them (JW302, JW320 copy that
# Header, IV028), and the Ontvanger of every message a provider sends (AGJ, JW315, JW317,
# JW305, JW307, JW323). So "incoming: Ontvanger, outgoing: Afzender" is not enough: an incoming
# JW302 names the provider as Ontvanger. A message arriving over StUF-GGk is stored as the same
# row (its envelope only points at it), so the rule holds for it too. A message the gateway
# could not read (no berichttype, no Header) belongs to no known gemeente: only users of all
# municipalities and admins see it.
GEMEENTE_IS_AFZENDER = tuple(m.name for m in MESSAGE_TYPES if m.sender == "gemeente")
GEMEENTE_IS_ONTVANGER = tuple(m.name for m in MESSAGE_TYPES if m.sender == "aanbieder")


def van_gemeenten(gemeenten: frozenset[str] | None) -> ColumnElement[bool]:
    """The messages of these gemeenten (None: every message), as a condition on Bericht."""
    if gemeenten is None:
        return true()
    codes = sorted(gemeenten)
    return or_(and_(Bericht.berichttype.in_(GEMEENTE_IS_AFZENDER), Bericht.afzender.in_(codes)),
               and_(Bericht.berichttype.in_(GEMEENTE_IS_ONTVANGER), Bericht.ontvanger.in_(codes)))


def gemeente_van(berichttype: str | None, afzender: str | None, ontvanger: str | None) -> str | None:
    """The gemeente of one message, by the same rule as `van_gemeenten`; None: unknown."""
    if berichttype in GEMEENTE_IS_AFZENDER:
        return afzender
    if berichttype in GEMEENTE_IS_ONTVANGER:
        return ontvanger
    return None


def aanbieders(session: Session) -> list[Aanbieder]:
    """The provider parties, for the filter's select (a region has tens, not thousands)."""
    return [Aanbieder(code, naam, pid) for pid, code, naam in session.execute(
        select(Partij.id, Partij.code, Partij.naam).where(Partij.soort == "aanbieder").order_by(Partij.code))]


def partijnamen(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of the parties with these codes (providers and gemeenten), for one page."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(session.execute(
        select(Partij.code, Partij.naam).where(Partij.code.in_(sorted(codes)))).all())


def read(params: Mapping[str, str], known_providers: list[Aanbieder]) -> Gelezen:
    """Read the query string. Unknown parameters are ignored; a value that cannot be read
    gives an error for its field (the page then answers 400 and shows the form again)."""
    raw = {k: (params.get(k) or "").strip() for k in
           ("q", "berichttype", "status", "retourcode", "aanbieder", "richting", "van", "tot", "sorteer", "voor")}
    fouten: dict[str, str] = {}
    q = raw["q"] or None
    if q is not None and (len(q) > MAX_ZOEKTEKST or not q.isprintable()):
        fouten["q"] = (f"Zoek op een BSN, ToewijzingNummer, ReferentieAanbieder of BerichtIdentificatie "
                       f"(hoogstens {MAX_ZOEKTEKST} tekens).")
    berichttype = raw["berichttype"] or None
    if berichttype is not None and berichttype not in BERICHTTYPEN:
        fouten["berichttype"] = "Kies een berichttype uit de lijst."
    status = raw["status"] or None
    if status is not None and status not in STATUSSEN:
        fouten["status"] = "Kies een status uit de lijst."
    retourcode = raw["retourcode"] or None
    if retourcode is not None and not _RETOURCODE.fullmatch(retourcode):
        fouten["retourcode"] = "Een retourcode bestaat uit 4 cijfers, zoals 8001."
    sorteer = raw["sorteer"] or NIEUWSTE
    if sorteer not in SORTERINGEN:
        fouten["sorteer"] = "Deze sortering bestaat niet; kies een kolom om op te sorteren."
    richting = raw["richting"] or None
    if richting is not None and richting not in RICHTINGEN:
        fouten["richting"] = "Kies ontvangen of verzonden."
    aanbieder = raw["aanbieder"] or None
    if aanbieder is not None and aanbieder not in {a.code for a in known_providers}:
        fouten["aanbieder"] = "Kies een aanbieder uit de lijst."
    van, tot = _date(raw["van"], "van", fouten), _date(raw["tot"], "tot", fouten)
    if van and tot and van > tot:
        fouten["tot"] = "De einddatum ligt vóór de begindatum."
    voor = None
    if raw["voor"]:
        if _ID.fullmatch(raw["voor"]):
            voor = int(raw["voor"])
        else:
            fouten["voor"] = "De paginering klopt niet; begin opnieuw bij de nieuwste berichten."
    filters = Filters(berichttype=berichttype, status=status, aanbieder=aanbieder, richting=richting,
                      van=van, tot=tot, q=q, retourcode=retourcode,
                      sorteer=sorteer if sorteer in SORTERINGEN else NIEUWSTE)
    return Gelezen(filters, {k: v for k, v in raw.items() if k != "voor"}, fouten, voor)


def _date(text: str, name: str, fouten: dict[str, str]) -> date | None:
    """A date as the browser's date field sends it (2026-11-23) or as typed (23-11-2026)."""
    if not text:
        return None
    day = parse_date(text)  # 1900-2100: also keeps `tot + 1 day` in range
    if day is None:
        fouten[name] = HINT
    return day


_COLUMNS = (Bericht.id, Bericht.ontvangen_op, Bericht.richting, Bericht.berichttype, Bericht.afzender,
            Bericht.ontvanger, Bericht.bsn, Bericht.status, Bericht.retourcodes)


def page(session: Session, filters: Filters, *, voor: int | None = None,
         providers: Sequence[Aanbieder] = (), size: int = PAGINA,
         gemeenten: frozenset[str] | None = None) -> Pagina:
    """One page of the log in the chosen order, after message `voor` (the last one shown)
    when given.

    Newest first is by id, the order of arrival. With a period it is by ontvangen_op (then
    id), which is the same order for everything the gateway stores (ids and receipt times
    rise together) but lets the database start at the period's end on the time index: by id
    it would walk back from the newest message to a period a year ago, row by row. Oldest
    first is the same backwards. By a column: that column A-Z, newest first within a value.
    `gemeenten`: only these gemeenten' messages (`van_gemeenten`); None: all."""
    by_time = filters.van is not None or filters.tot is not None
    order = _order(session, filters.sorteer, by_time)
    after = _after(session, voor, filters.sorteer, by_time, gemeenten)
    filtered = _filtered(filters, providers, after, gemeenten)
    if filters.q:
        ids = _search_ids(session, filters.q, filtered, order, size + 1)
        if not ids:
            return Pagina([], None)
        query = select(*_COLUMNS).where(Bericht.id.in_(ids))
    else:
        query = filtered(select(*_COLUMNS))
    rows = [Regel(*row) for row in session.execute(query.order_by(*order).limit(size + 1))]
    ouder = rows[size - 1].id if len(rows) > size else None
    return Pagina(rows[:size], ouder)


def count(session: Session, filters: Filters, *, providers: Sequence[Aanbieder] = (),
          gemeenten: frozenset[str] | None = None) -> int:
    """How many messages the filters (and the search text) find in all, of `gemeenten`."""
    filtered = _filtered(filters, providers, (), gemeenten)
    if filters.q:
        # UNION, not UNION ALL: a message found two ways counts once.
        matches = union(*_search_branches(filters.q, filtered)).subquery()
        return session.scalar(select(func.count()).select_from(matches)) or 0
    return session.scalar(filtered(select(func.count()).select_from(Bericht))) or 0


def _filtered(filters: Filters, providers: Sequence[Aanbieder], after: tuple, gemeenten: frozenset[str] | None):
    partij_id = None
    if filters.aanbieder:
        partij_id = next((a.partij_id for a in providers if a.code == filters.aanbieder), -1)

    def filtered(query: Select) -> Select:
        query = _where(query, filters, partij_id).where(*after)
        return query if gemeenten is None else query.where(van_gemeenten(gemeenten))

    return filtered


def _sort_key(session: Session, sorteer: str):
    """The column of a column order; an empty text for none, so a message without a type
    sorts first on both databases (which put NULLs at opposite ends), compared byte by byte
    (PostgreSQL's default collation would order otherwise than SQLite)."""
    key = func.coalesce(_SORT_COLUMNS[sorteer], literal(""))
    return key.collate("C") if session.get_bind().dialect.name == "postgresql" else key


def _order(session: Session, sorteer: str, by_time: bool) -> tuple:
    if sorteer == NIEUWSTE:
        return (Bericht.ontvangen_op.desc(), Bericht.id.desc()) if by_time else (Bericht.id.desc(),)
    if sorteer == OUDSTE:
        return (Bericht.ontvangen_op.asc(), Bericht.id.asc()) if by_time else (Bericht.id.asc(),)
    return (_sort_key(session, sorteer).asc(), Bericht.id.desc())


def _after(session: Session, voor: int | None, sorteer: str, by_time: bool,
           gemeenten: frozenset[str] | None) -> tuple:
    """The keyset condition: the messages after `voor` in the page order. `voor` is read only
    within the user's gemeenten: another gemeente's message has no place in this order, so its
    type or parties never show through where a page is cut."""
    if voor is None:
        return ()
    visible = (Bericht.id == voor, van_gemeenten(gemeenten))
    if sorteer in _SORT_COLUMNS:
        key = _sort_key(session, sorteer)
        value = session.scalar(select(func.coalesce(_SORT_COLUMNS[sorteer], literal(""))).where(*visible))
        if value is None:  # an id that names no message: no place in this order
            return (false(),)
        return (or_(key > value, and_(key == value, Bericht.id < voor)),)
    newest = sorteer == NIEUWSTE
    moment = session.scalar(select(Bericht.ontvangen_op).where(*visible)) if by_time else None
    if moment is None:  # by id (or an id that names no message: then simply the lower/higher ids)
        return (Bericht.id < voor,) if newest else (Bericht.id > voor,)
    # (ontvangen_op, id) < (moment, voor), written so the time index bounds the scan.
    if newest:
        return (Bericht.ontvangen_op <= moment,
                or_(Bericht.ontvangen_op < moment, Bericht.id < voor))
    return (Bericht.ontvangen_op >= moment,
            or_(Bericht.ontvangen_op > moment, Bericht.id > voor))


def _where(query: Select, filters: Filters, partij_id: int | None) -> Select:
    if filters.berichttype:
        query = query.where(Bericht.berichttype == filters.berichttype)
    if filters.status:
        query = query.where(Bericht.status == filters.status)
    if partij_id is not None:
        query = query.where(Bericht.partij_id == partij_id)
    if filters.richting:
        query = query.where(Bericht.richting == filters.richting)
    if filters.retourcode:
        # The JSON list as text, on both databases as written ('["0001", "8001"]'); the code
        # is four digits, so it holds nothing LIKE would read as a wildcard.
        query = query.where(cast(Bericht.retourcodes, String).like(f'%"{filters.retourcode}"%'))
    if filters.van:
        query = query.where(Bericht.ontvangen_op >= start_of_day(filters.van))
    if filters.tot:  # inclusive: before the start of the next day
        query = query.where(Bericht.ontvangen_op < start_of_day(filters.tot + timedelta(days=1)))
    return query


def _search_ids(session: Session, q: str, filtered, order: tuple, limit: int) -> list[int]:
    """The ids of the first `limit` messages (in page order) of each way `q` can match, by a
    UNION ALL of indexed lookups, each with the filters applied and cut at `limit`: at most
    four pages of ids, however many messages a client has. The caller orders and cuts them."""
    # Each branch ordered and cut inside its own subquery (SQLite allows no ORDER BY/LIMIT
    # directly in a compound select).
    parts = [select(b.order_by(*order).limit(limit).subquery().c.id) for b in _search_branches(q, filtered)]
    return sorted(set(session.scalars(union_all(*parts))))


def _search_branches(q: str, filtered) -> list[Select]:
    """One select of message ids per way `q` can match, each with the filters applied."""
    branches = []
    if _BSN.fullmatch(q):
        branches.append(filtered(select(Bericht.id).where(Bericht.bsn == q)))
    if len(q) <= 12:
        branches.append(filtered(select(Bericht.id).where(Bericht.identificatie == q)))
    for soort in ("toewijzingnummer", "referentie"):  # two equalities on the (soort, waarde) index
        branches.append(filtered(select(Bericht.id).join(Kenmerk, Kenmerk.bericht_id == Bericht.id)
                                 .where(Kenmerk.soort == soort, Kenmerk.waarde == q)))
    return branches


def clients_with_bsn(session: Session, bsn: str, scope: frozenset[str] | None = None) -> list[int]:
    """The internal ids of the clients with this BSN, in any gemeente the gateway serves that
    is in `scope` (None: all; one per gemeente). Looked up per gemeente so the (gemeente, bsn)
    index is used."""
    if not _BSN.fullmatch(bsn):
        return []
    gemeenten = [g for g in session.scalars(select(Partij.code).where(Partij.soort == "gemeente"))
                 if scope is None or g in scope]
    if not gemeenten:
        return []
    return list(session.scalars(select(Client.id).where(Client.gemeente.in_(gemeenten), Client.bsn == bsn)
                                .order_by(Client.id)))
