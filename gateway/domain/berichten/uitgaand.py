"""Outbound messages: the one self-check of everything the gateway sends, and `send`, which
numbers, renders, checks, stores and puts a JW301, JW319 or JW325 in the provider's postbus.

`self_check` is the gate of every message the gateway writes: the JW301, JW319 and JW325 (in
`send`) and the retours the intake answers with (JW306, JW308, JW316, JW318, AGR, in
`gateway.intake.service`, also for `POST /api/v1/validatie`). It runs the code the intake
judges received messages with (`gateway.rules.check`) on the rendered tree: our XSD, the in-message
rules (level 2) and, for a heen-bericht, the level-4 rules. Level 3 reads the log of received
messages and does not apply to what we write. A retour is not judged at level 4: it copies
the Header and echoes the body of the message it answers unchanged (IV028), so the external
data it would be judged on are the ones its own codes report on (a Dagtekening in the
future, 8848; an unknown gemeente, S300).

A message that fails is a gateway bug and is never sent: `UitgaandOngeldig` (a 500). In
`send` it rolls the work back, so no decision is recorded with a message that could not be
sent; the intake stores the received message with a 500 problem instead of a retour.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Bericht, Kenmerk, Outbox, Partij, PostbusItem
from gateway.db.taken import WEBHOOK
from gateway.domain.berichten import envelop
from gateway.errors import GatewayError, NotFound
from gateway.reference import ReferenceData
from gateway.render.outbound import Kop
from gateway.rules.check import CheckResult, check_rules, check_tree_schema
from gateway.xml.build import serialise
from gateway.xml.schemas import SchemaSet
from gateway.xml.view import ParsedMessage

AANBIEDER = "aanbieder"
GGK = "ggk"
# The heenberichten whose way to the provider its channel decides (design.md §8). A JW325 goes
# back the way its JW323 came: the HTTP answer, or through the chain (gateway.ggk.ontvangst).
HEEN_DOOR_KANAAL = ("JW301", "JW319")
# The Identificatie of an outbound message: a letter per type plus the message id, so it is
# unique per type per sender (TR056) without a second counter, and fits LDT_IdentificatieBericht.
_PREFIX = {"JW301": "T", "JW319": "A", "JW325": "D"}


class UitgaandOngeldig(GatewayError):
    """A message the gateway built does not pass its own schema or rules: a gateway bug (500),
    and the message is not sent. `bevindingen` name the failing rule codes and XSD error kinds
    with their paths, never a value from the message, so the text may be logged."""

    status, slug, title = 500, "eigen-controle", "Niet uitgevoerd"

    def __init__(self, message: str, bevindingen: list[str]):
        super().__init__(f"{message} afgekeurd door de eigen controle: {'; '.join(bevindingen)}")
        self.message, self.bevindingen = message, bevindingen


@dataclass(frozen=True)
class Checked:
    """A message that passed the self-check: the bytes to send, and the tree read as the
    rules read it."""

    body: bytes
    parsed: ParsedMessage


def self_check(tree: etree._ElementTree, *, schemas: SchemaSet, reference: ReferenceData,
               today: date) -> Checked:
    """Judge a rendered message before it is stored or sent; raise `UitgaandOngeldig` when
    it fails. Reads the tree as rendered (no serialise-and-parse round), then serialises it."""
    result = check_tree_schema(tree, schemas)
    message = result.message
    max_level = 2 if message is not None and message.is_retour else 4
    check_rules(result, reference=reference, today=today, max_level=max_level)
    if not result.accepted:
        raise UitgaandOngeldig(message.name if message else "?", _bevindingen(result))
    return Checked(serialise(tree), result.parsed)


def _bevindingen(result: CheckResult) -> list[str]:
    if result.schema_errors:
        return [f"XSD {e.kind or 'onbekend'} {e.path}" for e in result.schema_errors]
    return [f"{f.code} {f.location}" for f in result.outcome.findings]


def send(session: Session, ctx: Context, *, message: str, gemeente: str, aanbieder: str,
         bsn: str | None, render: Callable[[Kop], etree._ElementTree],
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
    checked = self_check(render(Kop(gemeente, aanbieder, row.identificatie, row.dagtekening)),
                         schemas=ctx.schemas, reference=ctx.reference, today=ctx.today())
    body, parsed = checked.body, checked.parsed
    row.inhoud, row.inhoud_sha256 = body, hashlib.sha256(body).hexdigest()
    kenmerken = {("toewijzingnummer", v) for v in parsed.all_texts("ToewijzingNummer")}
    kenmerken |= {("referentie", v) for v in parsed.all_texts("ReferentieAanbieder")}
    kenmerken |= {("afgehandeld", v) for v in afgehandeld}
    session.add_all(Kenmerk(bericht_id=row.id, soort=s, waarde=v) for s, v in sorted(kenmerken))
    session.add(PostbusItem(bericht_id=row.id, partij_id=party.id, berichttype=message))
    if party.kanaal == GGK and message in HEEN_DOOR_KANAAL:
        # Out through the national chain as a Di01; the postbus keeps a copy for the log and
        # for a JW302 that arrives by the API after all.
        envelop.send_envelop(session, ctx, soort="Di01", bericht_id=row.id, gemeente=gemeente,
                             aanbieder=aanbieder, functie=message, payload=body)
    elif party.webhook_url:
        session.add(Outbox(bericht_id=row.id, taak=WEBHOOK))
    return row


def dry_run(session: Session, ctx: Context, *, message: str, gemeente: str, aanbieder: str,
            render: Callable[[Kop], etree._ElementTree]) -> Checked:
    """What `send` checks, with nothing written: the provider is looked up (NotFound) and
    the message rendered with an Identificatie of its format and self-checked (raises
    UitgaandOngeldig). The real Identificatie is the stored row's id, which a dry run has not."""
    _provider(session, aanbieder)
    kop = Kop(gemeente, aanbieder, f"{_PREFIX[message]}{0:011d}", ctx.today())
    return self_check(render(kop), schemas=ctx.schemas, reference=ctx.reference, today=ctx.today())


def _provider(session: Session, aanbieder: str) -> Partij:
    party = session.scalar(select(Partij).where(Partij.soort == AANBIEDER, Partij.code == aanbieder))
    if party is None:
        # Requests only arrive from registered providers, so this means the party was removed.
        raise NotFound(f"aanbieder {aanbieder} is niet (meer) geregistreerd")
    return party

