"""The access log (NEN 7513-style): every view of a message, client page or beschikking and
every decision, with user, time, client (internal id), action and source address.

Written in the same transaction as what it records: a decision and its log entry are
committed together or not at all. The table is append-only (see gateway.db.append_only).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import clock
from gateway.clock import as_utc
from gateway.db.models import AuditRegel

BEKIJKEN = "bekijken"
ZOEKEN = "zoeken"  # a search of the message log (by BSN, number, reference, identificatie)
BESLUITEN = "besluiten"
AANVRAAG_INGEVOERD = "aanvraag_ingevoerd"
BEZWAAR_GEREGISTREERD = "bezwaar_geregistreerd"
BEZWAAR_AFGEHANDELD = "bezwaar_afgehandeld"  # gegrond, ongegrond or ingetrokken
INLOGGEN = "inloggen"
INLOGGEN_MISLUKT = "inloggen_mislukt"
UITLOGGEN = "uitloggen"
EXPORTEREN = "exporteren"
TOKEN_AANGEMAAKT = "token_aangemaakt"
TOKEN_INGETROKKEN = "token_ingetrokken"
BESTEDINGSRUIMTE_INGESTELD = "bestedingsruimte"  # an admin set a provider's annual cap
BLOKKADE_OPGEHEVEN = "blokkade_opgeheven"  # an admin lifted a log-in lock-out
# Four eyes on a grant outside the norms (design.md §9)
VOORGESTELD = "besluit_voorgesteld"
AKKOORD_GEGEVEN = "akkoord_gegeven"
VOORSTEL_INGETROKKEN = "voorstel_ingetrokken"
# The CJG took over a message's client data that differed from the stored client (design.md §9)
CLIENT_OVERGENOMEN = "client_overgenomen"

# An admin managing users on /gebruikers (design.md §9); object_id is the user's id.
GEBRUIKER_AANGEMAAKT = "gebruiker_aangemaakt"
GEBRUIKER_GEWIJZIGD = "gebruiker_gewijzigd"  # role and/or municipalities
GEBRUIKER_GEBLOKKEERD = "gebruiker_geblokkeerd"
GEBRUIKER_GEDEBLOKKEERD = "gebruiker_gedeblokkeerd"
WACHTWOORD_GERESET = "wachtwoord_gereset"
# An admin set or removed a provider's webhook on /partijen.
WEBHOOK_INGESTELD = "webhook_ingesteld"
WEBHOOK_VERWIJDERD = "webhook_verwijderd"

# Every action, with its name on the /audit page.
ACTIES = {
    BEKIJKEN: "Bekeken",
    ZOEKEN: "Gezocht",
    BESLUITEN: "Besluit genomen",
    AANVRAAG_INGEVOERD: "Aanvraag ingevoerd",
    BEZWAAR_GEREGISTREERD: "Bezwaar geregistreerd",
    BEZWAAR_AFGEHANDELD: "Bezwaar afgehandeld",
    INLOGGEN: "Ingelogd",
    INLOGGEN_MISLUKT: "Inloggen mislukt",
    UITLOGGEN: "Uitgelogd",
    EXPORTEREN: "Geëxporteerd",
    TOKEN_AANGEMAAKT: "Token aangemaakt",
    TOKEN_INGETROKKEN: "Token ingetrokken",
    BESTEDINGSRUIMTE_INGESTELD: "Bestedingsruimte ingesteld",
    BLOKKADE_OPGEHEVEN: "Blokkade opgeheven",
    VOORGESTELD: "Besluit voorgesteld (wacht op akkoord)",
    AKKOORD_GEGEVEN: "Akkoord gegeven (vier ogen)",
    VOORSTEL_INGETROKKEN: "Voorstel ingetrokken",
    CLIENT_OVERGENOMEN: "Cliëntgegevens uit bericht overgenomen",
    GEBRUIKER_AANGEMAAKT: "Gebruiker aangemaakt",
    GEBRUIKER_GEWIJZIGD: "Rol of gemeenten van gebruiker gewijzigd",
    GEBRUIKER_GEBLOKKEERD: "Gebruiker geblokkeerd",
    GEBRUIKER_GEDEBLOKKEERD: "Blokkering van gebruiker opgeheven",
    WACHTWOORD_GERESET: "Wachtwoord opnieuw ingesteld",
    WEBHOOK_INGESTELD: "Webhook ingesteld",
    WEBHOOK_VERWIJDERD: "Webhook verwijderd",
}

CSV_KOLOMMEN = ("id", "tijdstip", "gebruiker", "actie", "object_type", "object_id", "client_id", "adres")


def record(session: Session, *, gebruiker: str, actie: str, object_type: str | None = None,
           object_id: object = None, client_id: int | None = None, adres: str | None = None,
           now: datetime | None = None) -> AuditRegel:
    entry = AuditRegel(tijdstip=now or clock.now(), gebruiker=gebruiker[:64], actie=actie,
                       object_type=object_type, object_id=None if object_id is None else str(object_id)[:40],
                       client_id=client_id, adres=(adres or None) and adres[:45])
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, *, gebruiker: str | None = None, actie: str | None = None,
            client_id: int | None = None, van: datetime | None = None, tot: datetime | None = None,
            voor_id: int | None = None, limit: int | None = 100) -> list[AuditRegel]:
    """Newest first; `voor_id` pages on (entries older than that id)."""
    query = select(AuditRegel)
    if gebruiker:
        query = query.where(AuditRegel.gebruiker == gebruiker)
    if actie:
        query = query.where(AuditRegel.actie == actie)
    if client_id is not None:
        query = query.where(AuditRegel.client_id == client_id)
    if van is not None:
        query = query.where(AuditRegel.tijdstip >= van)
    if tot is not None:
        query = query.where(AuditRegel.tijdstip < tot)
    if voor_id is not None:
        query = query.where(AuditRegel.id < voor_id)
    query = query.order_by(AuditRegel.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def as_csv(rows: Iterable[AuditRegel]) -> str:
    """RFC 4180 CSV with a header row; times in UTC, ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_KOLOMMEN)
    for r in rows:
        writer.writerow((r.id, as_utc(r.tijdstip).isoformat(), _cell(r.gebruiker), r.actie, _cell(r.object_type),
                         _cell(r.object_id), "" if r.client_id is None else r.client_id, _cell(r.adres)))
    return out.getvalue()


def _cell(text: str | None) -> str:
    """Text a spreadsheet would run as a formula ('=', '+', '-', '@', tab, CR first) gets a
    leading apostrophe: the export is opened in Excel, and some fields came from outside."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
