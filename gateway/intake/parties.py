"""Parties (providers by AGB code, municipalities by CBS code) and their API tokens."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Partij, Token

GEMEENTE = "gemeente"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_party(session: Session, *, soort: str, code: str, naam: str) -> tuple[Partij, str]:
    """Register a party, or add a token to the existing one; returns the new token, which
    is shown once and stored only as its hash."""
    party = session.scalar(select(Partij).where(Partij.soort == soort, Partij.code == code))
    if party is None:
        party = Partij(soort=soort, code=code, naam=naam)
        session.add(party)
        session.flush()
    token = secrets.token_urlsafe(32)
    session.add(Token(partij_id=party.id, token_hash=hash_token(token)))
    session.flush()
    return party, token


def authenticate(session: Session, token: str | None) -> Partij | None:
    if not token:
        return None
    return session.scalar(
        select(Partij).join(Token).where(Token.token_hash == hash_token(token),
                                         Token.ingetrokken_op.is_(None))
    )


def served_municipality(session: Session, code: str | None) -> bool:
    """The gateway serves its registered municipality parties (one, or a region's)."""
    if not code:
        return False
    return session.scalar(
        select(Partij.id).where(Partij.soort == GEMEENTE, Partij.code == code)
    ) is not None
