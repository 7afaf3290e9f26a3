"""Registering a party from the command line: its code checked, its name compared with the one
on record.

`add_party` adds a token to a party whose code is registered already (the way to rotate a
token, design.md §7). Given with another name, that is more often a typo in the code, or the
wrong database, than a new token for the same party: refused, naming the registered name,
unless the caller says the party is renamed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Partij
from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.errors import Conflict, Unprocessable
from gateway.intake.parties import add_party

# LDT_AgbCode is a string of exactly 8 digits (pattern [0-9]{8}, iJw basis-types). The facts
# give the AGB code no check digit (unlike the BSN's elfproef), and the AGB register itself
# (Vektis) is an outside source the gateway does not hold: the format is all there is to check.
AGB_CODE = re.compile(r"[0-9]{8}")
MAX_NAAM = 200  # Partij.naam


class OngeldigeAgb(Unprocessable):
    slug = "ongeldige-agb-code"


class OngeldigeNaam(Unprocessable):
    slug = "ongeldige-naam"


class AndereNaam(Conflict):
    """The code is registered under another name."""

    slug = "partij-andere-naam"

    def __init__(self, party: Partij, naam: str):
        super().__init__(f"{party.soort} {party.code} is geregistreerd als {party.naam!r}, niet als {naam!r}")
        self.registered = party.naam


def agb_fout(code: str) -> str | None:
    """Why `code` is no AGB code, in Dutch; None when it is one."""
    if AGB_CODE.fullmatch(code):
        return None
    return f"een AGB-code is precies 8 cijfers, niet {code[:20]!r}"


def check_agb(code: str) -> None:
    if (fout := agb_fout(code)) is not None:
        raise OngeldigeAgb(fout)


def clean_name(naam: str) -> str:
    """The name as stored: spaces at the ends dropped, runs of white space made one space."""
    cleaned = " ".join(naam.split())
    if not cleaned:
        raise OngeldigeNaam("een naam mag niet leeg zijn")
    if len(cleaned) > MAX_NAAM:
        raise OngeldigeNaam(f"een naam is hoogstens {MAX_NAAM} tekens")
    return cleaned


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name: white space and capitals do not count ("Zorg BV" is
    "zorg  bv"); anything else does."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass(frozen=True)
class Registratie:
    party: Partij
    token: str  # shown once, stored as its hash
    renamed_from: str | None  # the name it had before `rename`; None when it kept its name


def register(session: Session, *, soort: str, code: str, naam: str, kanaal: str | None = None,
             rename: bool = False) -> Registratie:
    """A new party with a token, or a new token for the registered party of that code when
    `naam` is its name; AndereNaam when the name differs, unless `rename`, which gives the
    party the new name first. A gemeentecode is the caller's to check against the CBS list
    (that needs the reference data)."""
    if soort == AANBIEDER:
        check_agb(code)
    naam = clean_name(naam)
    party = session.scalar(select(Partij).where(Partij.soort == soort, Partij.code == code))
    renamed_from = None
    if party is not None and not same_name(party.naam, naam):
        if not rename:
            raise AndereNaam(party, naam)
        renamed_from, party.naam = party.naam, naam
    party, token = add_party(session, soort=soort, code=code, naam=naam, kanaal=kanaal)
    return Registratie(party, token, renamed_from)
