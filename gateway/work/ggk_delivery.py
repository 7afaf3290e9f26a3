"""Delivering one stored StUF-GGk envelope to the chain's adapter (design.md §8 "Delivery"):
claim, POST, record, with no transaction open during the POST.

1. claim: count the attempt and lease the row (gateway.work.attempts), so a twin (a
   redelivered task, the sweep) finds nothing to claim while this one posts;
2. POST the envelope in a SOAP 1.1 request to GATEWAY_GGK_URL with its SOAPAction, over TLS
   with the client certificate and CA bundle when configured;
3. record the attempt (`EnvelopPoging`): an HTTP 200 with a Bv03 is delivered (`afgeleverd`);
   anything else (a Fo03, another status, no answer) is a failed attempt, retried after
   `attempts.backoff`, and after `attempts.MAX_POGINGEN` attempts the row and the envelope
   are `mislukt`, for an operator (`gateway outbox list/retry`, the back office).

The envelope is sent as it was stored, with the same referentienummer on every attempt: the
chain sees a repeat, not a second message, when an earlier attempt did arrive after all.
"""
from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import stuf
from gateway.context import Context, GgkRoute
from gateway.db.models import Envelop, EnvelopPoging, Outbox
from gateway.db.session import unit_of_work
from gateway.domain.berichten.envelop import AFGELEVERD, MISLUKT, TE_VERZENDEN
from gateway.work import attempts
from gateway.work.attempts import DONE, PENDING

_log = logging.getLogger("gateway.ggk")

TIMEOUT = 30.0  # seconds per phase: an envelope may be 25 MB
LEASE = timedelta(seconds=4 * TIMEOUT + 30)  # longer than one POST can take: never posted twice at once
NO_ADAPTER = "GATEWAY_GGK_URL is niet ingesteld: er is geen adapter om de envelop aan te geven"

# post(url, body, headers, route) -> (HTTP status, body); raises on a network or TLS error.
Post = Callable[[str, bytes, dict[str, str], GgkRoute], tuple[int, bytes]]


def httpx_post(url: str, content: bytes, headers: dict[str, str], route: GgkRoute) -> tuple[int, bytes]:
    import httpx

    with httpx.Client(verify=tls_context(route), timeout=TIMEOUT, follow_redirects=False) as client:
        answer = client.post(url, content=content, headers=headers)
        return answer.status_code, answer.content


def tls_context(route: GgkRoute) -> ssl.SSLContext:
    """TLS to the adapter: its certificate checked against GATEWAY_GGK_CA_BUNDLE (else the
    system's CAs) and host name, and the gateway's client certificate shown when one is set
    (the key may sit in the certificate's file). Built per delivery, so a renewed certificate
    counts from the next attempt without a restart."""
    context = ssl.create_default_context(cafile=route.ca_bundle)
    if route.client_cert:
        context.load_cert_chain(route.client_cert, route.client_key)
    return context


@dataclass(frozen=True)
class Claimed:
    outbox_id: int
    envelop_id: int
    referentienummer: str
    soort: str
    request: bytes  # the SOAP request


def deliver(factory: sessionmaker[Session], ctx: Context, outbox_id: int, post: Post | None = None) -> str:
    """Hand one envelope to the adapter; returns "done", "skipped" or "failed". Never raises
    for HTTP, TLS or network errors: they are recorded and retried."""
    now = ctx.now()
    with unit_of_work(factory) as session:
        claimed = _claim(session, outbox_id, now)
        gave_up = claimed is None and attempts.give_up_unfinished(session, outbox_id, now)
        if gave_up:
            _envelope_of(session, outbox_id, MISLUKT)
    if claimed is None:
        if gave_up:
            _log.error("ggk outbox %s given up: %s", outbox_id, attempts.UNFINISHED)
            return "failed"
        return "skipped"

    route = ctx.ggk or GgkRoute()
    http_status: int | None = None
    fout: str | None = None
    if not route.url:
        fout = NO_ADAPTER
    else:
        headers = {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": f'"{stuf.SOAP_ACTIONS[claimed.soort]}"'}
        try:
            http_status, answer = (post or httpx_post)(route.url, claimed.request, headers, route)
            fout = _refusal(claimed, http_status, answer)
        except Exception as exc:  # any failure to post (network, TLS, a bad URL) is a failed attempt
            fout = f"{type(exc).__name__}: {exc}"[:4000]
    if fout is not None:
        _log.warning("ggk envelope %s (%s) to %s not delivered: %s", claimed.referentienummer, claimed.soort,
                     route.url, fout)
    with unit_of_work(factory) as session:
        return _record(session, ctx.now(), claimed, http_status, fout)


def _claim(session: Session, outbox_id: int, now: datetime) -> Claimed | None:
    row = session.get(Outbox, outbox_id)
    if row is None or row.status != PENDING or row.envelop_id is None:
        return None
    envelope = session.get(Envelop, row.envelop_id)
    if envelope is None or envelope.status != TE_VERZENDEN:
        attempts.finish_unattempted(session, outbox_id, now)  # refused or delivered meanwhile
        return None
    if attempts.claim(session, outbox_id, now, LEASE) is None:
        return None
    element = etree.fromstring(envelope.inhoud, etree.XMLParser(resolve_entities=False, no_network=True))
    return Claimed(outbox_id, envelope.id, envelope.referentienummer, envelope.soort, stuf.soap_request(element))


def _refusal(claimed: Claimed, http_status: int, body: bytes) -> str | None:
    """None when the chain took the envelope (HTTP 200 with a Bv03), else why not."""
    try:
        answer = stuf.parse_response(http_status, body)
    except stuf.EnvelopFout as exc:
        return f"HTTP {http_status}: {exc.omschrijving}"
    if isinstance(answer, stuf.Fout):
        return f"HTTP {http_status}: {answer.stuurgegevens.berichtcode} {answer.code}: {answer.omschrijving}"
    if http_status != 200:
        return f"HTTP {http_status} met een Bv03"
    if answer.cross_refnummer != claimed.referentienummer:
        # Taken all the same: the adapter acknowledged this request; its numbering is its own.
        _log.warning("Bv03 for envelope %s names crossRefnummer %s", claimed.referentienummer,
                     answer.cross_refnummer)
    return None


def _attempts_so_far(session: Session, envelop_id: int) -> int:
    return session.scalar(select(func.count()).select_from(EnvelopPoging)
                          .where(EnvelopPoging.envelop_id == envelop_id)) or 0


def _envelope_of(session: Session, outbox_id: int, status: str) -> None:
    row = session.get(Outbox, outbox_id)
    envelope = session.get(Envelop, row.envelop_id) if row is not None and row.envelop_id else None
    if envelope is not None and envelope.status == TE_VERZENDEN:
        envelope.status = status


def _record(session: Session, now: datetime, claimed: Claimed, http_status: int | None, fout: str | None) -> str:
    geslaagd = fout is None
    session.add(EnvelopPoging(envelop_id=claimed.envelop_id, poging=_attempts_so_far(session, claimed.envelop_id) + 1,
                              tijdstip=now, http_status=http_status, fout=fout, geslaagd=geslaagd))
    row = session.get(Outbox, claimed.outbox_id, with_for_update=True)
    envelope = session.get_one(Envelop, claimed.envelop_id)
    if geslaagd and envelope.status == TE_VERZENDEN:
        envelope.status, envelope.afgeleverd_op = AFGELEVERD, now
    if row is None or row.status != PENDING:
        return DONE if geslaagd else "failed"  # finished elsewhere meanwhile: keep the attempt
    if fout is None:
        attempts.succeeded(row, now)
        return DONE
    attempts.failed(row, now, fout)
    if row.status == attempts.MISLUKT and envelope.status == TE_VERZENDEN:
        envelope.status = MISLUKT
    return "failed"
