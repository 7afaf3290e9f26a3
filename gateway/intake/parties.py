"""Parties (providers by AGB code, municipalities by CBS code) and their API tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gateway import clock
from gateway.clock import as_utc
from gateway.db.models import Partij, Token
from gateway.domain.berichten.uitgaand import AANBIEDER, GGK
from gateway.errors import Conflict, GatewayError, NotFound, Unprocessable
from gateway.work.webhook_notices import new_secret

GEMEENTE = "gemeente"
# How a provider's heenberichten from the gemeente reach it (design.md §8): its postbus, or a
# Di01 through the national chain.
API = "api"
KANALEN = (API, GGK)
# `laatst_gebruikt` is written at most this often per token: enough to see whether an old
# token is still in use after a rotation, without a database write on every API call.
LAATST_GEBRUIKT_RESOLUTIE = timedelta(minutes=5)


class OngeldigKanaal(Unprocessable):
    """A channel that does not exist, or one given to a party that is no provider."""

    slug = "ongeldig-kanaal"


def _check_kanaal(soort: str, kanaal: str) -> None:
    if soort != AANBIEDER:
        raise OngeldigKanaal("alleen een zorgaanbieder heeft een kanaal")
    if kanaal not in KANALEN:
        raise OngeldigKanaal(f"kanaal {kanaal[:20]!r} bestaat niet (wel: {', '.join(KANALEN)})")


def provider(session: Session, code: str | None) -> Partij | None:
    """The registered provider with this AGB code."""
    if not code:
        return None
    return session.scalar(select(Partij).where(Partij.soort == AANBIEDER, Partij.code == code))


def set_kanaal(session: Session, code: str, kanaal: str) -> Partij | None:
    """Set the channel of the provider with this AGB code; None when there is none. From the
    commit on, its new JW301/JW319 take that channel; what was sent before stays where it went."""
    _check_kanaal(AANBIEDER, kanaal)
    party = provider(session, code)
    if party is not None:
        party.kanaal = kanaal
    return party


MAX_WEBHOOK_URL = 500  # Partij.webhook_url


def webhook_url_fout(url: str) -> str | None:
    """Why `url` cannot be a provider's webhook, in Dutch; None when it can."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "een webhook-URL begint met http:// of https:// en noemt een host"
    if len(url) > MAX_WEBHOOK_URL:
        return f"een webhook-URL is hoogstens {MAX_WEBHOOK_URL} tekens"
    return None


def set_webhook(session: Session, party: Partij, url: str | None) -> str | None:
    """Notify the provider at `url` of new postbus messages (None: no longer); returns the new
    signing secret, to be shown once. Setting it again makes a new secret: whoever knew the
    old one cannot sign for the new address."""
    if party.soort != AANBIEDER:
        raise GeenWebhook("alleen een zorgaanbieder heeft een webhook")
    if url is not None and (fout := webhook_url_fout(url)) is not None:
        raise GeenWebhook(fout)
    secret = None if url is None else new_secret()
    party.webhook_url, party.webhook_geheim = url, secret
    session.flush()
    return secret


class GeenWebhook(Unprocessable):
    """A webhook that cannot be set: not a provider, or not an http(s) URL."""

    slug = "ongeldige-webhook"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_party(session: Session, *, soort: str, code: str, naam: str,
              kanaal: str | None = None) -> tuple[Partij, str]:
    """Register a party, or add a token to the existing one; returns the new token, which
    is shown once and stored only as its hash. `kanaal` (providers only) is set when given;
    a new provider without it gets "api", an existing one keeps its own."""
    if kanaal is not None:
        _check_kanaal(soort, kanaal)
    party = session.scalar(select(Partij).where(Partij.soort == soort, Partij.code == code))
    if party is None:
        party = Partij(soort=soort, code=code, naam=naam, kanaal=kanaal or API)
        session.add(party)
        session.flush()
    elif kanaal is not None:
        party.kanaal = kanaal
    token = secrets.token_urlsafe(32)
    session.add(Token(partij_id=party.id, token_hash=hash_token(token)))
    session.flush()
    return party, token


# The statements every message runs, built once: building a statement costs several times
# what running it on an index costs (docs/performance.md); the parameters are bound per call.
_BY_TOKEN = select(Partij, Token.id, Token.laatst_gebruikt).join(Token).where(
    Token.token_hash == bindparam("token_hash"), Token.ingetrokken_op.is_(None))
_MUNICIPALITY = select(Partij.id).where(Partij.soort == GEMEENTE, Partij.code == bindparam("code"))


def authenticate(session: Session, token: str | None) -> Partij | None:
    if not token:
        return None
    found = session.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if found is None:
        return None
    party, token_id, laatst_gebruikt = found
    now = clock.now()
    if laatst_gebruikt is None or as_utc(laatst_gebruikt) <= now - LAATST_GEBRUIKT_RESOLUTIE:
        _mark_used(session, token_id, now)
    return party


def _mark_used(session: Session, token_id: int, now: datetime) -> None:
    """Record the use in the caller's transaction (the API's token lookup commits it at once),
    inside a savepoint: bookkeeping only, so when the database is busy the request goes on
    without it. The same session and connection: a second pooled connection per request
    would let a burst of requests wait on each other for the pool."""
    cutoff = now - LAATST_GEBRUIKT_RESOLUTIE
    try:
        with session.begin_nested():
            session.execute(update(Token).where(
                Token.id == token_id,
                or_(Token.laatst_gebruikt.is_(None), Token.laatst_gebruikt <= cutoff)).values(laatst_gebruikt=now))
    except OperationalError:
        pass


@dataclass(frozen=True)
class TokenRegel:
    """One token as `gateway token list` shows it: never the token, never its hash."""

    id: int
    soort: str
    code: str
    naam: str
    aangemaakt_op: datetime
    laatst_gebruikt: datetime | None
    ingetrokken_op: datetime | None


def tokens(session: Session, code: str | None = None) -> list[TokenRegel]:
    """Every token (of the party with this AGB code or gemeentecode, when given), by party
    and then oldest first."""
    query = (select(Token.id, Partij.soort, Partij.code, Partij.naam, Token.aangemaakt_op,
                    Token.laatst_gebruikt, Token.ingetrokken_op)
             .join(Partij, Partij.id == Token.partij_id).order_by(Partij.soort, Partij.code, Token.id))
    if code is not None:
        query = query.where(Partij.code == code)
    return [TokenRegel(*row) for row in session.execute(query)]


class TokenFout(GatewayError):
    """A token that cannot be revoked: unknown, or revoked before."""


class OnbekendToken(TokenFout, NotFound):
    def __init__(self, token_id: int):
        super().__init__(f"geen token {token_id}")


class AlIngetrokken(TokenFout, Conflict):
    slug = "al-ingetrokken"

    def __init__(self, token_id: int):
        super().__init__(f"token {token_id} is al ingetrokken")


def revoke(session: Session, token_id: int, *, partij_id: int | None = None,
           now: datetime | None = None) -> Token:
    """Revoke a token (of that party, when given): the API refuses it from the commit on.
    Raises OnbekendToken, or AlIngetrokken when it was revoked before (nothing changes)."""
    query = select(Token).where(Token.id == token_id).with_for_update()
    if partij_id is not None:
        query = query.where(Token.partij_id == partij_id)
    token = session.scalar(query)
    if token is None:
        raise OnbekendToken(token_id)
    if token.ingetrokken_op is not None:
        raise AlIngetrokken(token_id)
    token.ingetrokken_op = now or clock.now()
    session.flush()
    return token


def active_tokens(session: Session, partij_id: int) -> int:
    return len(session.scalars(select(Token.id).where(Token.partij_id == partij_id,
                                                      Token.ingetrokken_op.is_(None))).all())


def served_municipality(session: Session, code: str | None) -> bool:
    """The gateway serves its registered municipality parties (one, or a region's)."""
    if not code:
        return False
    return session.scalar(_MUNICIPALITY, {"code": code}) is not None
