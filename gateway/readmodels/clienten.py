"""Clients as pages link to them: by the internal id, never by the BSN; and the client search
of the back office (/clienten?q=).

The search takes one text and finds a client by
- the BSN, with or without spaces or dots ("1234 56 782"; 8 digits get their leading zero);
- a key of one of the client's messages or decisions, case-insensitive: ToewijzingNummer,
  ReferentieAanbieder, BerichtIdentificatie (the keys of the message log's search box) and
  the beschikkingnummer;
- (part of) the name, accent- and case-insensitive ("mee" finds "van der Meer", "zoe" finds
  "Zoë"), on the folded name column (`Client.zoeknaam`): folded in Python on both sides, so a
  plain LIKE gives the same answer on SQLite and PostgreSQL. A LIKE '%…%' reads the whole
  client table, which for tens of thousands of short rows is a few milliseconds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.orm import Session

from gateway.db.models import Bericht, Beschikking, Client, Kenmerk
from gateway.domain.aanvraag.clientgegevens import zoektekst
from gateway.readmodels.scope import Gemeenten, binnen

ZOEK_LIMIET = 50
MAX_ZOEKTEKST = 100
MIN_NAAM = 2  # one letter would match most of the region
_BSN = re.compile(r"[0-9]{8,9}")  # ASCII digits only


def client(session: Session, client_id: int, *, gemeenten: Gemeenten = None) -> Client | None:
    """The client, if of one of `gemeenten` (None: any); another municipality's client is
    as unknown as an id that does not exist."""
    return session.scalar(select(Client).where(Client.id == client_id, binnen(Client.gemeente, gemeenten)))


def client_id(session: Session, gemeente: str | None, bsn: str | None) -> int | None:
    """The internal id of the gemeente's client with this BSN, if the gemeente knows one."""
    if not gemeente or not bsn:
        return None
    return session.scalar(select(Client.id).where(Client.gemeente == gemeente, Client.bsn == bsn))


def namen(session: Session, pairs: set[tuple[str | None, str | None]]) -> dict[tuple[str, str], str]:
    """The names of the clients with these (gemeente, BSN) pairs, for one page of a list;
    clients without a known name are left out."""
    wanted = {(g, b) for g, b in pairs if g and b}
    if not wanted:
        return {}
    rows = session.execute(select(Client.gemeente, Client.bsn, Client.naam).where(
        Client.bsn.in_(sorted({b for _, b in wanted})), Client.naam.is_not(None)))
    return {(g, b): naam for g, b, naam in rows if (g, b) in wanted and naam}


@dataclass(frozen=True)
class Gevonden:
    id: int
    gemeente: str
    bsn: str
    naam: str | None


@dataclass(frozen=True)
class Zoekresultaat:
    clienten: list[Gevonden]
    meer: bool  # more than ZOEK_LIMIET matched: the user should type more


def bsn_uit(text: str) -> str | None:
    """The BSN in a search text written with spaces or dots, or None."""
    digits = re.sub(r"[\s.]", "", text)
    if not _BSN.fullmatch(digits):
        return None
    return digits.rjust(9, "0")


def zoek(session: Session, q: str, *, limit: int = ZOEK_LIMIET, gemeenten: Gemeenten = None) -> Zoekresultaat:
    """The clients of `gemeenten` (None: all) that `q` names, by name (A-Z), at most `limit`."""
    text = q.strip()
    branches: list[Select] = []
    bsn = bsn_uit(text)
    if bsn:
        branches.append(select(Client.id).where(Client.bsn == bsn))
    if len(text) <= 36 and not any(c.isspace() for c in text):
        branches.extend(_by_key(text.lower()))
    folded = zoektekst(text)
    if len(folded) >= MIN_NAAM and any(c.isalpha() for c in folded):
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", folded) + "%"
        branches.append(select(Client.id).where(Client.zoeknaam.like(pattern, escape="\\")))
    if not branches:
        return Zoekresultaat([], False)
    ids = union(*branches).subquery()
    rows = session.execute(select(Client.id, Client.gemeente, Client.bsn, Client.naam)
                           .where(Client.id.in_(select(ids.c.id)), binnen(Client.gemeente, gemeenten))
                           .order_by(Client.zoeknaam.is_(None), Client.zoeknaam, Client.id).limit(limit + 1))
    found = [Gevonden(*row) for row in rows]
    return Zoekresultaat(found[:limit], len(found) > limit)


def _by_key(key: str) -> list[Select]:
    """The clients of the messages and beschikkingen with this key, compared in lower case
    (a provider's ReferentieAanbieder or BerichtIdentificatie may mix cases). The client is
    the gemeente's: the message's sender or receiver with the message's BSN."""
    def of_messages(condition) -> Select:
        return (select(Client.id).join(Bericht, and_(Bericht.bsn == Client.bsn,
                                                     or_(Bericht.afzender == Client.gemeente,
                                                         Bericht.ontvanger == Client.gemeente)))
                .where(condition))

    branches = [of_messages(Bericht.id.in_(select(Kenmerk.bericht_id).where(
        Kenmerk.soort.in_(("toewijzingnummer", "referentie")), func.lower(Kenmerk.waarde) == key)))]
    if len(key) <= 12:
        branches.append(of_messages(func.lower(Bericht.identificatie) == key))
    if len(key) <= 20:
        branches.append(select(Client.id).join(Beschikking, and_(Beschikking.gemeente == Client.gemeente,
                                                                 Beschikking.bsn == Client.bsn))
                        .where(func.lower(Beschikking.nummer) == key))
    return branches
