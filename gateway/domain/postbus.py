"""The provider's postbus: outbound messages and their life (design.md §5).

nieuw → opgehaald (fetched) → bevestigd (a JW302/JW320 without error codes), or afgekeurd
(the retour carries error codes: the provider rejected our message, and the CJG must look:
`aandacht_cjg`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.db.models import Bericht, Kenmerk, PostbusItem, Toewijzing
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
    # Conditional, so a fetch never turns an item that a retour just confirmed back.
    session.execute(update(PostbusItem).where(
        PostbusItem.bericht_id == bericht_id, PostbusItem.partij_id == partij_id,
        PostbusItem.status == "nieuw").values(status="opgehaald", opgehaald_op=now))
    item = session.get(PostbusItem, bericht_id)
    if item is None or item.partij_id != partij_id:
        return None
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
    if answered is None:
        return None
    codes = [e.text for e in view.root.iter(f"{{{retour.namespace}}}RetourCode")]
    rejected = any(code not in INFORMATIEF for code in codes)
    # One conditional update: of two retours at once only the first counts.
    counted = session.execute(update(PostbusItem).where(
        PostbusItem.bericht_id == answered.id, PostbusItem.status.in_(("nieuw", "opgehaald")))
        .values(status="afgekeurd" if rejected else "bevestigd", aandacht_cjg=rejected,
                retourcodes=list(dict.fromkeys(codes)), retour_bericht_id=retour_id, beantwoord_op=now,
                opgehaald_op=func.coalesce(PostbusItem.opgehaald_op, now))).rowcount
    if not counted:
        return None
    if rejected and answered.berichttype == "JW301":
        _send_again(session, answered)
    return session.get(PostbusItem, answered.id)


def _send_again(session: Session, rejected: Bericht) -> None:
    """A rejected JW301 counts as not sent (OP286): the versions it carried are marked changed
    again, so the next JW301 for the client carries them (OP087), deletions included."""
    numbers = select(Kenmerk.waarde).where(Kenmerk.bericht_id == rejected.id,
                                           Kenmerk.soort == "toewijzingnummer")
    session.execute(update(Toewijzing).where(
        Toewijzing.gemeente == rejected.afzender,
        Toewijzing.nummer.in_([int(n) for n in session.scalars(numbers)])).values(gewijzigd=True))


def for_aanvraag(session: Session, aanvraag) -> list[tuple[PostbusItem, Bericht]]:
    """The messages sent to the provider about this aanvraag: they carry one of its
    references (unique per provider, TR347), or for a JW317 the Verzoek's."""
    refs = [aanvraag.referentie] if aanvraag.soort == "JW317" else [
        p.referentie_aanbieder for p in aanvraag.producten]
    return list(session.execute(
        select(PostbusItem, Bericht).join(Bericht, Bericht.id == PostbusItem.bericht_id)
        .where(Bericht.richting == "uit", Bericht.afzender == aanvraag.gemeente,
               Bericht.ontvanger == aanvraag.aanbieder,
               Bericht.id.in_(select(Kenmerk.bericht_id).where(Kenmerk.soort == "referentie",
                                                                Kenmerk.waarde.in_(refs))))
        .order_by(Bericht.id)).all())


def item_json(item: PostbusItem, bericht: Bericht) -> dict:
    return {**as_json(item), "identificatie": bericht.identificatie, "retourcodes": item.retourcodes}


def as_json(item: PostbusItem) -> dict:
    return {"id": item.bericht_id, "message": item.berichttype, "status": item.status,
            "created_at": iso_utc(item.aangemaakt_op), "href": f"/api/v1/postbus/{item.bericht_id}"}
