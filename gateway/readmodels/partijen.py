"""The registered parties (aanbieders and gemeenten) and their API tokens."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Partij, Token
from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.intake.parties import GEMEENTE
from gateway.readmodels.scope import Gemeenten, binnen


def names(session: Session, soort: str, codes: set[str]) -> dict[str, str]:
    """code -> naam of the parties of `soort` among `codes`."""
    if not codes:
        return {}
    return dict(session.execute(select(Partij.code, Partij.naam).where(
        Partij.soort == soort, Partij.code.in_(sorted(codes)))).all())


def choices_by_name(session: Session, soort: str) -> list[tuple[str, str]]:
    """(code, naam) of every party of `soort`, by name, for a form's list."""
    return list(session.execute(select(Partij.code, Partij.naam).where(Partij.soort == soort)
                                .order_by(Partij.naam, Partij.code)).all())


def choices_by_code(session: Session, soort: str) -> list[tuple[str, str]]:
    """(code, naam) of every party of `soort`, by code."""
    return list(session.execute(select(Partij.code, Partij.naam).where(Partij.soort == soort)
                                .order_by(Partij.code)).all())


def municipalities_and_providers(session: Session, *, gemeenten: Gemeenten = None
                                  ) -> tuple[list[Partij], list[Partij]]:
    """The gemeenten (only those of `gemeenten`; None: all) and all aanbieders, each by name
    (one query)."""
    rows = session.scalars(select(Partij).where(
        (Partij.soort == AANBIEDER) | ((Partij.soort == GEMEENTE) & binnen(Partij.code, gemeenten)))
                           .order_by(Partij.naam, Partij.code)).all()
    return [p for p in rows if p.soort == GEMEENTE], [p for p in rows if p.soort == AANBIEDER]


def party(session: Session, partij_id: int) -> Partij | None:
    return session.get(Partij, partij_id)


def exists(session: Session, soort: str, code: str) -> bool:
    return session.scalar(select(Partij.id).where(Partij.soort == soort, Partij.code == code)) is not None


def token(session: Session, token_id: int) -> Token | None:
    return session.get(Token, token_id)


def with_active_tokens(session: Session) -> tuple[list[Partij], dict[int, list[Token]]]:
    """Every party (by soort and code) with its tokens that are not revoked: two queries,
    whatever the number of parties (there are tens of them, not thousands)."""
    partijen = list(session.scalars(select(Partij).order_by(Partij.soort, Partij.code)))
    tokens: dict[int, list[Token]] = defaultdict(list)
    for row in session.scalars(select(Token).where(Token.ingetrokken_op.is_(None)).order_by(Token.id)):
        tokens[row.partij_id].append(row)
    return partijen, tokens


@dataclass(frozen=True)
class Regel:
    """One registered party as `gateway partij list` shows it."""

    soort: str
    code: str
    naam: str
    kanaal: str | None  # a provider's; a gemeente has none
    actieve_tokens: int


def listing(session: Session) -> list[Regel]:
    """Every party, aanbieders first (by code), then gemeenten, with its count of active tokens."""
    partijen, tokens = with_active_tokens(session)
    return [Regel(p.soort, p.code, p.naam, p.kanaal if p.soort == AANBIEDER else None, len(tokens[p.id]))
            for p in sorted(partijen, key=lambda p: (p.soort != AANBIEDER, p.code))]
