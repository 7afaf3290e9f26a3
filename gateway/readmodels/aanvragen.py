"""The CJG's aanvragen: the decision queue, keyset-paged, and what one aanvraag's page shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Bericht, Beschikking, PostbusItem, Voorstel
from gateway.domain.aanvraag import beschikkingen
from gateway.domain.aanvraag import clienten as client_records
from gateway.domain.aanvraag.aanvragen import CLIENT_WIJKT_AF, OPEN
from gateway.domain.berichten import postbus
from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.readmodels import clienten, partijen
from gateway.readmodels.scope import Gemeenten, binnen
from gateway.work import queue as outbox

# The keyset position after which a next page starts: (antwoord_uiterlijk, ontvangen_op, id)
# for open aanvragen, (id,) for decided ones.
Key = tuple[date, date, int] | tuple[int]


@dataclass(frozen=True)
class Section:
    """One status's part of the queue: at most `limit` aanvragen, and whether more follow."""

    status: str
    aanvragen: list[Aanvraag]
    more: bool


def aanvraag(session: Session, aanvraag_id: int, *, gemeenten: Gemeenten = None) -> Aanvraag | None:
    """The aanvraag, if it belongs to one of `gemeenten` (None: any): another municipality's
    aanvraag is as unknown as an id that does not exist."""
    return session.scalar(select(Aanvraag).where(Aanvraag.id == aanvraag_id, binnen(Aanvraag.gemeente, gemeenten)))


def section(session: Session, status: str, soort: str | None, key: Key | None, *, limit: int,
            gemeenten: Gemeenten = None) -> Section:
    """Open aanvragen by deadline (most overdue first), then by receipt and id; decided ones
    newest first, only those of `gemeenten` (None: all). Bounded and keyset-paged
    (ix_aanvraag_status), never by OFFSET; the products come with one selectin query."""
    query = select(Aanvraag).where(Aanvraag.status == status, binnen(Aanvraag.gemeente, gemeenten))
    if soort:
        query = query.where(Aanvraag.soort == soort)
    if status in OPEN:
        order = (Aanvraag.antwoord_uiterlijk, Aanvraag.ontvangen_op, Aanvraag.id)
        if key is not None:
            query = query.where(tuple_(*order) > tuple_(*key))
        query = query.order_by(*order)
    else:
        if key is not None:
            query = query.where(Aanvraag.id < key[0])
        query = query.order_by(Aanvraag.id.desc())
    found = list(session.scalars(query.limit(limit + 1)))
    return Section(status, found[:limit], len(found) > limit)


def provider_names(session: Session, codes: set[str]) -> dict[str, str]:
    return partijen.names(session, AANBIEDER, codes)


def client_id(session: Session, aanvraag: Aanvraag) -> int | None:
    return clienten.client_id(session, aanvraag.gemeente, aanvraag.bsn)


@dataclass(frozen=True)
class Detail:
    """What the page of one aanvraag shows besides the aanvraag itself."""

    bericht: Bericht | None
    beschikking: Beschikking | None
    verwerking: dict | None
    verzonden: list[tuple[PostbusItem, Bericht]]
    aanbieder_naam: str | None
    voorstellen: list[Voorstel]  # grants outside the norms proposed for a second approval, oldest first


def detail(session: Session, aanvraag: Aanvraag) -> Detail:
    return Detail(bericht=session.get(Bericht, aanvraag.bericht_id),
                  beschikking=beschikkingen.for_aanvraag(session, aanvraag.id),
                  verwerking=outbox.state_of(session, aanvraag.bericht_id),
                  verzonden=postbus.for_aanvraag(session, aanvraag),
                  aanbieder_naam=provider_names(session, {aanvraag.aanbieder}).get(aanvraag.aanbieder),
                  voorstellen=list(session.scalars(select(Voorstel).where(Voorstel.aanvraag_id == aanvraag.id)
                                                   .order_by(Voorstel.id))))


@dataclass(frozen=True)
class Queue:
    sections: list[Section]
    provider_names: dict[str, str]  # code -> naam of the aanbieders in the sections
    client_names: dict[tuple[str, str], str]  # (gemeente, bsn) -> naam of the clients in the sections


def queue(session: Session, statuses: tuple[str, ...], soort: str | None, key: Key | None, *,
          limit: int, gemeenten: Gemeenten = None) -> Queue:
    """The decision queue of `gemeenten` (None: all): one bounded section per status, and the
    names of their providers and clients (one query each for all sections)."""
    found = [section(session, status, soort, key, limit=limit, gemeenten=gemeenten) for status in statuses]
    return Queue(found, provider_names(session, {a.aanbieder for s in found for a in s.aanvragen}),
                 clienten.namen(session, {(a.gemeente, a.bsn) for s in found for a in s.aanvragen}))


def stored_client(session: Session, aanvraag: Aanvraag) -> etree._Element | None:
    """The client the gemeente knows by the aanvraag's BSN, for an aanvraag whose message gave
    another identity (`CLIENT_WIJKT_AF`): the page sets both side by side. None otherwise."""
    if not any(r.get("code") == CLIENT_WIJKT_AF for r in aanvraag.beoordeling or []):
        return None
    return client_records.known(session, aanvraag.gemeente, aanvraag.bsn)
