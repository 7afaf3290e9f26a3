"""The provider's postbus: outbound messages and their life (design.md §5).

nieuw → opgehaald (fetched) → bevestigd (a JW302/JW320 without error codes), or afgekeurd
(the retour carries error codes: the provider rejected our message, and the CJG must look:
`aandacht_cjg`). Only the first retour moves an item; every retour is kept, and one that
answers nothing we sent, or contradicts the first, is marked for the CJG (`apply_retour`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.clock import iso_utc
from gateway.db.models import Aanvraag, Bericht, Kenmerk, PostbusItem, Toewijzing
from gateway.db.rows import rowcount
from gateway.messages import BY_NAME, MessageType, answered_by
from gateway.xml.view import ParsedMessage, present

STATUSES = ("nieuw", "opgehaald", "bevestigd", "afgekeurd")
# WJ001: "no remark" and "not assessed" are informational; every other code rejects.
INFORMATIEF = {"0200", "0233"}


def items(session: Session, partij_id: int, status: str | None, limit: int) -> list[PostbusItem]:
    """The party's items with `status` (None: every status), oldest first."""
    query = select(PostbusItem).where(PostbusItem.partij_id == partij_id)
    if status is not None:
        query = query.where(PostbusItem.status == status)
    return list(session.scalars(query.order_by(PostbusItem.aangemaakt_op, PostbusItem.bericht_id).limit(limit)))


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


# What a received JW302/JW320 did, kept as its kenmerk ("retour", effect):
RECORDED = "recorded"  # the first retour on the message: it set the postbus status
REPEAT = "repeat"  # a later retour saying what the first said: nothing changes
CONFLICT = "conflict"  # a later retour saying something else: nothing changes, the CJG looks
UNMATCHED = "unmatched"  # it names no message the gateway sent to this party
EFFECTS = (RECORDED, REPEAT, CONFLICT, UNMATCHED)
NEEDS_ATTENTION = (CONFLICT, UNMATCHED)
OPEN = ("nieuw", "opgehaald")


class BeantwoordJson(TypedDict):
    """`Beantwoord` in the API's JSON (the `answers` of a retour)."""

    message: str
    identificatie: str | None
    matched: bool
    postbus_id: int | None
    postbus_status: str | None
    effect: str


@dataclass(frozen=True)
class Beantwoord:
    """The outbound message a retour answers and what the retour did to its postbus item."""

    message: str  # the message type it answers: "JW301" or "JW319"
    identificatie: str | None  # the Identificatie its copied Header names
    bericht_id: int | None  # that outbound message (its postbus id); None when unmatched
    postbus_status: str | None  # the item's status after this retour
    effect: str  # one of EFFECTS

    @property
    def matched(self) -> bool:
        return self.bericht_id is not None

    def as_json(self) -> BeantwoordJson:
        return {"message": self.message, "identificatie": self.identificatie, "matched": self.matched,
                "postbus_id": self.bericht_id, "postbus_status": self.postbus_status, "effect": self.effect}


def retour_codes(retour: MessageType, view: ParsedMessage) -> list[str]:
    """Every RetourCode the retour carries, Header and echoed classes, once each."""
    # Each is one of the schema's codes, never empty.
    return list(dict.fromkeys(present(e.text) for e in view.root.iter(f"{{{retour.namespace}}}RetourCode")))


def verdict(codes: list[str]) -> str:
    """`afgekeurd` when any code is not informational (facts §3.1: a Header 0001, another
    Header code, or a body code besides 0200/0233 means our message was not processed)."""
    return "afgekeurd" if any(code not in INFORMATIEF for code in codes) else "bevestigd"


def apply_retour(session: Session, retour: MessageType, view: ParsedMessage, retour_id: int,
                 now: datetime) -> Beantwoord:
    """Record a received JW302/JW320 on the message it answers, whatever its own rules said.

    A retour copies the Header of the message it answers (IV028): that message is found by
    sender, receiver and Identificatie. The first retour sets the postbus status (exactly one
    per message, OP090); a later one changes nothing there: a rejected JW301 already counts
    as not sent and its toewijzingen are marked for the next one, which a later confirmation
    cannot undo. A later retour that says something else than the first is marked `conflict`
    for the CJG; one that names nothing we sent is marked `unmatched`. The mark is the
    retour's kenmerk ("retour", effect); a matched one also gets ("beantwoordt", id)."""
    answers = answered_by(retour).name
    answered = _answered(session, retour, view)
    if answered is None:
        _mark(session, retour_id, UNMATCHED, None)
        return Beantwoord(answers, view.identificatie, None, None, UNMATCHED)
    codes = retour_codes(retour, view)
    status = verdict(codes)
    rejected = status == "afgekeurd"
    # One conditional update: of two retours at once only the first counts.
    counted = rowcount(session, update(PostbusItem).where(
        PostbusItem.bericht_id == answered.id, PostbusItem.status.in_(OPEN))
        .values(status=status, aandacht_cjg=rejected, retourcodes=codes, retour_bericht_id=retour_id,
                beantwoord_op=now, opgehaald_op=func.coalesce(PostbusItem.opgehaald_op, now)))
    item = session.get(PostbusItem, answered.id)
    assert item is not None  # `_answered` found the message through its postbus item
    if counted:
        effect = RECORDED
        if rejected and answered.berichttype == "JW301":
            _send_again(session, answered)
    else:
        effect = _later(item, status, codes)
    _mark(session, retour_id, effect, answered.id)
    return Beantwoord(answers, view.identificatie, answered.id, item.status, effect)


def preview_retour(session: Session, retour: MessageType, view: ParsedMessage) -> Beantwoord:
    """What `apply_retour` would do now, nothing written (`POST /api/v1/validatie`)."""
    answers = answered_by(retour).name
    answered = _answered(session, retour, view)
    if answered is None:
        return Beantwoord(answers, view.identificatie, None, None, UNMATCHED)
    codes = retour_codes(retour, view)
    item = session.get(PostbusItem, answered.id)
    assert item is not None  # `_answered` found the message through its postbus item
    if item.status in OPEN:
        return Beantwoord(answers, view.identificatie, answered.id, verdict(codes), RECORDED)
    return Beantwoord(answers, view.identificatie, answered.id, item.status,
                      _later(item, verdict(codes), codes))


def _answered(session: Session, retour: MessageType, view: ParsedMessage) -> Bericht | None:
    """The outbound message (with its postbus item) whose Header the retour copies: the
    gateway sent it, of this type, from this gemeente to this provider, with this
    Identificatie. A message sent to another provider is not found."""
    return session.scalar(select(Bericht).join(PostbusItem, PostbusItem.bericht_id == Bericht.id).where(
        Bericht.richting == "uit", Bericht.berichttype == retour.answers,
        Bericht.afzender == view.afzender, Bericht.ontvanger == view.ontvanger,
        Bericht.identificatie == view.identificatie))


def _later(item: PostbusItem, status: str, codes: list[str]) -> str:
    """A retour after the first: the same verdict with the same codes repeats it."""
    same = item.status == status and sorted(item.retourcodes or []) == sorted(codes)
    return REPEAT if same else CONFLICT


def _mark(session: Session, retour_id: int, effect: str, answered_id: int | None) -> None:
    session.add(Kenmerk(bericht_id=retour_id, soort="retour", waarde=effect))
    if answered_id is not None:
        session.add(Kenmerk(bericht_id=retour_id, soort="beantwoordt", waarde=str(answered_id)))


def recorded(session: Session, retour: Bericht) -> Beantwoord | None:
    """What a stored JW302/JW320 answers, as recorded when it came in, with the postbus
    status as it stands now; None for a retour that never reached the rules."""
    marks = dict(session.execute(select(Kenmerk.soort, Kenmerk.waarde).where(
        Kenmerk.bericht_id == retour.id, Kenmerk.soort.in_(("retour", "beantwoordt")))).all())
    if "retour" not in marks:
        return None
    answered_id = int(marks["beantwoordt"]) if "beantwoordt" in marks else None
    item = session.get(PostbusItem, answered_id) if answered_id is not None else None
    assert retour.berichttype is not None  # it reached the rules (it has the mark): its type is known
    return Beantwoord(answered_by(BY_NAME[retour.berichttype]).name, retour.identificatie, answered_id,
                      item.status if item else None, marks["retour"])


def _send_again(session: Session, rejected: Bericht) -> None:
    """A rejected JW301 counts as not sent (OP286): the versions it carried are marked changed
    again, so the next JW301 for the client carries them (OP087), deletions included."""
    numbers = select(Kenmerk.waarde).where(Kenmerk.bericht_id == rejected.id,
                                           Kenmerk.soort == "toewijzingnummer")
    session.execute(update(Toewijzing).where(
        Toewijzing.gemeente == rejected.afzender,
        Toewijzing.nummer.in_([int(n) for n in session.scalars(numbers)])).values(gewijzigd=True))


def for_aanvraag(session: Session, aanvraag: Aanvraag) -> list[tuple[PostbusItem, Bericht]]:
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


def item_json(item: PostbusItem, bericht: Bericht) -> dict[str, Any]:
    return {**as_json(item), "identificatie": bericht.identificatie, "retourcodes": item.retourcodes}


def as_json(item: PostbusItem) -> dict[str, Any]:
    return {"id": item.bericht_id, "message": item.berichttype, "status": item.status,
            "created_at": iso_utc(item.aangemaakt_op), "href": f"/api/v1/postbus/{item.bericht_id}"}
