"""The provider's postbus: outbound messages and their life (design.md §5).

nieuw → opgehaald (fetched) → bevestigd (a JW302/JW320 without error codes), or afgekeurd
(the retour carries error codes: the provider rejected our message, and the CJG must look:
`aandacht_cjg`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Bericht, PostbusItem
from gateway.domain.context import iso_utc
from gateway.messages import MessageType
from gateway.xml.view import ParsedMessage

STATUSES = ("nieuw", "opgehaald", "bevestigd", "afgekeurd")
# WJ001: "no remark" and "not assessed" are informational; every other code rejects.
INFORMATIEF = {"0200", "0233"}


def items(session: Session, partij_id: int, status: str, limit: int) -> list[PostbusItem]:
    return list(session.scalars(select(PostbusItem).where(
        PostbusItem.partij_id == partij_id, PostbusItem.status == status)
        .order_by(PostbusItem.aangemaakt_op, PostbusItem.bericht_id).limit(limit)))


def fetch(session: Session, partij_id: int, bericht_id: int, now: datetime) -> Bericht | None:
    """The outbound message for its provider; the first fetch marks it `opgehaald`."""
    item = session.get(PostbusItem, bericht_id)
    if item is None or item.partij_id != partij_id:
        return None
    if item.status == "nieuw":
        item.status, item.opgehaald_op = "opgehaald", now
    return session.get(Bericht, bericht_id)


def apply_retour(session: Session, retour: MessageType, view: ParsedMessage, retour_id: int,
                 now: datetime) -> PostbusItem | None:
    """A JW302/JW320 copies the Header of the message it answers (IV028): find that message
    by sender, receiver and Identificatie, and record the answer on its postbus item. Only the
    first retour counts (exactly one per message, OP090); a retour for a message we never
    sent changes nothing."""
    answered = session.scalar(select(Bericht).where(
        Bericht.richting == "uit", Bericht.berichttype == retour.answers,
        Bericht.afzender == view.afzender, Bericht.ontvanger == view.ontvanger,
        Bericht.identificatie == view.identificatie))
    item = session.get(PostbusItem, answered.id) if answered is not None else None
    if item is None or item.status not in ("nieuw", "opgehaald"):
        return None
    codes = [e.text for e in view.root.iter(f"{{{retour.namespace}}}RetourCode")]
    rejected = any(code not in INFORMATIEF for code in codes)
    item.status = "afgekeurd" if rejected else "bevestigd"
    item.aandacht_cjg = rejected
    item.retourcodes = list(dict.fromkeys(codes))
    item.retour_bericht_id, item.beantwoord_op = retour_id, now
    if item.opgehaald_op is None:
        item.opgehaald_op = now
    return item


def as_json(item: PostbusItem) -> dict:
    return {"id": item.bericht_id, "message": item.berichttype, "status": item.status,
            "created_at": iso_utc(item.aangemaakt_op), "href": f"/api/v1/postbus/{item.bericht_id}"}
