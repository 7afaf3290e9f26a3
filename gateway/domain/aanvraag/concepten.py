"""Drafts (concepten) of the aanvraagformulier: the fields as the CJG typed them, per user and
form key, in the database so that any API process can restore them. A draft is written by
"Concept opslaan" and by a submit that arrives after the session expired (the values would
otherwise be lost at the log-in); it is removed once the aanvraag is registered. A draft holds
a client's personal data, so drafts not touched for `BEWAARTERMIJN` are removed on the next
save of any draft."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db.models import AanvraagConcept

BEWAARTERMIJN = timedelta(days=14)
MAX_WAARDE = 12_000  # longer than any field the form offers (resultaten: 10 010)
MAX_VELDEN = 400  # 20 product rows of 8 fields and the rest of the form, with room to spare


def bewaar(session: Session, gebruiker_id: int, sleutel: str, waarden: Mapping[str, str],
           now: datetime) -> None:
    """Store (or replace) the user's draft of the form `sleutel`."""
    schoon = {k[:64]: v[:MAX_WAARDE] for k, v in list(waarden.items())[:MAX_VELDEN]
              if k not in ("csrf_token", "actie")}
    session.execute(delete(AanvraagConcept).where(AanvraagConcept.bijgewerkt_op < now - BEWAARTERMIJN))
    row = session.scalar(select(AanvraagConcept).where(AanvraagConcept.gebruiker_id == gebruiker_id,
                                                       AanvraagConcept.sleutel == sleutel))
    if row is None:
        session.add(AanvraagConcept(gebruiker_id=gebruiker_id, sleutel=sleutel, waarden=schoon, bijgewerkt_op=now))
    else:
        row.waarden, row.bijgewerkt_op = schoon, now
    session.flush()


def verwijder(session: Session, gebruiker_id: int, sleutel: str) -> None:
    """The aanvraag of this form is registered: its draft has served."""
    session.execute(delete(AanvraagConcept).where(AanvraagConcept.gebruiker_id == gebruiker_id,
                                                  AanvraagConcept.sleutel == sleutel))
