"""One message as its page shows it: the message with its findings, the client's internal id,
its chain, its postbus item (outbound) or what a retour answers (inbound), and its StUF-GGk
envelopes with their answers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.db.models import Bericht, Bevinding, PostbusItem
from gateway.domain.berichten import postbus
from gateway.readmodels import berichtenlog, clienten, enveloppen, keten
from gateway.readmodels.berichtenlog import INKOMEND, UITGAAND


@dataclass(frozen=True)
class MessagePage:
    bericht: Bericht
    client_id: int | None
    keten: keten.Keten
    namen: dict[str, str]  # code -> naam of sender and receiver
    postbus_item: PostbusItem | None  # an outbound message's place in the provider's postbus
    beantwoord: postbus.Beantwoord | None  # a provider's JW302/JW320: what it answers and did
    enveloppen: enveloppen.Enveloppen  # its StUF-GGk envelopes (none: it went by the API)


def message_page(session: Session, bericht_id: int, gemeenten: frozenset[str] | None = None) -> MessagePage | None:
    """The page of one message; None for an unknown id and for a message outside `gemeenten`
    (None: all), so that a message of another gemeente is as absent as an unknown one."""
    row = session.scalar(select(Bericht).options(selectinload(Bericht.bevindingen))
                         .where(Bericht.id == bericht_id, berichtenlog.van_gemeenten(gemeenten)))
    if row is None:
        return None
    chain = keten.of(session, row, gemeenten)
    item = session.get(PostbusItem, row.id) if row.richting == UITGAAND else None
    # Also when the retour answers nothing: then it says so.
    beantwoord = postbus.recorded(session, row) \
        if row.richting == INKOMEND and row.berichttype in keten.RETOUREN else None
    return MessagePage(bericht=row, client_id=clienten.client_id(session, keten.gemeente_of(row), row.bsn),
                       keten=chain, namen=berichtenlog.partijnamen(session, {c for c in (row.afzender, row.ontvanger) if c}),
                       postbus_item=item, beantwoord=beantwoord,
                       enveloppen=enveloppen.of_message(session, row.id))


def findings(session: Session, bericht_id: int) -> list[Bevinding]:
    """The stored findings of a message, in the order they were found."""
    return list(session.scalars(select(Bevinding).where(Bevinding.bericht_id == bericht_id)
                                .order_by(Bevinding.id)))
