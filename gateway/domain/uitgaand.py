"""Outbound messages (JW301, JW319): numbered, rendered, checked, stored, put in the postbus.

Every outbound message passes our XSD and the level-2 and level-4 rules before it is stored
(level 3 reads the log of received messages and does not apply to what we write). One that
fails is a gateway bug: `UitgaandOngeldig` rolls the whole transaction back, so no decision
is ever recorded with a message that could not be sent.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.check import check_message
from gateway.db.models import Bericht, Kenmerk, Outbox, Partij, PostbusItem
from gateway.domain.context import DomainContext
from gateway.xml.outbound import Kop
from gateway.xml.view import ParsedMessage

AANBIEDER = "aanbieder"
# The Identificatie of an outbound message: a letter per type plus the message id, so it is
# unique per type per sender (TR056) without a second counter, and fits LDT_IdentificatieBericht.
_PREFIX = {"JW301": "T", "JW319": "A", "JW325": "D"}
WEBHOOK = "webhook"


class UitgaandOngeldig(RuntimeError):
    """A message the gateway built does not pass its own schema or rules (a bug)."""


def send(session: Session, ctx: DomainContext, *, message: str, gemeente: str, aanbieder: str,
         bsn: str | None, render: Callable[[Kop], bytes],
         afgehandeld: list[str] = ()) -> Bericht:
    """Store an outbound message for `aanbieder` and put it in its postbus.

    `afgehandeld` are the ReferentieAanbieder values this message answers finally (a JW301,
    or a rejecting JW319); they are kept as kenmerken for the log."""
    party = _provider(session, aanbieder)
    row = Bericht(richting="uit", partij_id=party.id, berichttype=message, afzender=gemeente,
                  ontvanger=aanbieder, bsn=bsn, dagtekening=ctx.today(), status="accepted",
                  niveau=0, retourcodes=[], inhoud=b"", inhoud_sha256="")
    session.add(row)
    session.flush()
    row.identificatie = f"{_PREFIX[message]}{row.id:011d}"
    body = render(Kop(gemeente, aanbieder, row.identificatie, row.dagtekening))
    parsed = _checked(body, ctx)
    row.inhoud, row.inhoud_sha256 = body, hashlib.sha256(body).hexdigest()
    kenmerken = {("toewijzingnummer", v) for v in parsed.all_texts("ToewijzingNummer")}
    kenmerken |= {("referentie", v) for v in parsed.all_texts("ReferentieAanbieder")}
    kenmerken |= {("afgehandeld", v) for v in afgehandeld}
    session.add_all(Kenmerk(bericht_id=row.id, soort=s, waarde=v) for s, v in sorted(kenmerken))
    session.add(PostbusItem(bericht_id=row.id, partij_id=party.id, berichttype=message))
    if party.webhook_url:
        session.add(Outbox(bericht_id=row.id, taak=WEBHOOK))
    return row


def _checked(body: bytes, ctx: DomainContext) -> ParsedMessage:
    result = check_message(body, schemas=ctx.schemas, reference=ctx.reference, today=ctx.today(),
                           limits=ctx.limits)
    if not result.accepted:
        details = [f"{e.path}: {e.message}" for e in result.schema_errors] or [
            f"{f.code} {f.location}" for f in result.outcome.findings]
        raise UitgaandOngeldig(f"{result.message.name if result.message else '?'} afgekeurd door de "
                               f"eigen controle: {'; '.join(details)}")
    return result.parsed


def _provider(session: Session, aanbieder: str) -> Partij:
    party = session.scalar(select(Partij).where(Partij.soort == AANBIEDER, Partij.code == aanbieder))
    if party is None:
        # Requests only arrive from registered providers, so this means the party was removed.
        raise LookupError(f"aanbieder {aanbieder} is niet (meer) geregistreerd")
    return party

