"""The optional webhook that tells a provider "there is a new message in your postbus".

`deliver` runs one outbox row (taak "webhook") in three steps, so no transaction stays open
while we wait for someone else's server:

1. claim: one conditional UPDATE (the row is pending and due) moves `volgende_poging` a lease
   ahead, so a twin delivery of the same row (a redelivered task, the sweep) finds nothing
   to claim while this one posts; then read the party's URL and secret;
2. POST a small JSON notice (never the message itself: the provider fetches that with its
   token), signed with HMAC-SHA256 when the party has a secret;
3. record the attempt (`WebhookPoging`) and finish the row: done on a 2xx answer, otherwise
   a retry after `outbox.backoff`, or `mislukt` after `outbox.MAX_POGINGEN` attempts.

A receiver checks `X-Gateway-Signature` by computing `sign(body, secret)` over the raw
request body and comparing in constant time; `X-Gateway-Delivery` is unique per attempt.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway import metrics
from gateway.db.models import Outbox, Partij, PostbusItem, WebhookPoging
from gateway.db.session import unit_of_work
from gateway.domain.attempts import DONE, MAX_POGINGEN, MISLUKT, PENDING, backoff
from gateway.context import Context

_log = logging.getLogger("gateway.webhooks")

EVENT = "postbus.nieuw"
LEASE = timedelta(seconds=60)  # longer than TIMEOUT by far: a claimed row is never posted twice at once
TIMEOUT = 5.0  # seconds, for connect, read and write alike

# post(url, body, headers) -> HTTP status code; raises on a network error.
Post = Callable[[str, bytes, dict[str, str]], int]


def sign(body: bytes, secret: str) -> str:
    """The `X-Gateway-Signature` value: "sha256=" + hex HMAC-SHA256 of the exact body, keyed
    with the secret's UTF-8 bytes (the hex string as shown, not hex-decoded)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    return secrets.token_hex(32)


def body(bericht_id: int, berichttype: str) -> bytes:
    notice = {"event": EVENT, "id": bericht_id, "message": berichttype,
              "href": f"/api/v1/postbus/{bericht_id}"}
    return json.dumps(notice, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _httpx_post(url: str, content: bytes, headers: dict[str, str]) -> int:
    import httpx

    # Redirects are not followed: a 3xx counts as a failed attempt, the URL is the provider's.
    return httpx.post(url, content=content, headers=headers, timeout=TIMEOUT,
                      follow_redirects=False).status_code


def deliver(factory: sessionmaker[Session], ctx: Context, outbox_id: int,
            post: Post | None = None) -> str:
    """Notify the provider of one outbox row; returns "done", "skipped" or "failed".

    Never raises for HTTP or network errors: they are recorded and retried."""

    now = ctx.now()
    with unit_of_work(factory) as session:
        due = or_(Outbox.volgende_poging.is_(None), Outbox.volgende_poging <= now)
        claimed = session.execute(
            update(Outbox).where(Outbox.id == outbox_id, Outbox.status == PENDING, due)
            .values(volgende_poging=now + LEASE)).rowcount == 1
        if not claimed:
            return "skipped"
        row = session.get(Outbox, outbox_id)
        item = session.get(PostbusItem, row.bericht_id)
        party = session.get(Partij, item.partij_id) if item is not None else None
        if party is None or not party.webhook_url:
            # Switched off since the row was written (or nothing to announce): nothing to send.
            row.status, row.afgehandeld_op, row.volgende_poging = DONE, now, None
            return "skipped"
        bericht_id, url, secret = row.bericht_id, party.webhook_url, party.webhook_geheim
        poging = _earlier_attempts(session, bericht_id) + 1
        content = body(bericht_id, item.berichttype)

    headers = {"Content-Type": "application/json", "X-Gateway-Event": EVENT,
               "X-Gateway-Delivery": f"{outbox_id}-{poging}"}
    if secret:
        headers["X-Gateway-Signature"] = sign(content, secret)
    http_status: int | None = None
    fout: str | None = None
    try:
        http_status = int((post or _httpx_post)(url, content, headers))
        if not 200 <= http_status < 300:
            fout = f"HTTP {http_status}"
    except Exception as exc:  # any failure to post (network, TLS, a bad URL) is a failed attempt
        fout = f"{type(exc).__name__}: {exc}"[:4000]
    if fout is not None:
        _log.warning("webhook outbox %s naar %s mislukt: %s", outbox_id, url, fout)
        metrics.WEBHOOK_FAILURES.labels("http" if http_status is not None else "network").inc()
    return _record(factory, ctx, outbox_id, bericht_id, url, http_status, fout)


def _earlier_attempts(session: Session, bericht_id: int) -> int:
    return session.scalar(select(func.count()).select_from(WebhookPoging)
                          .where(WebhookPoging.bericht_id == bericht_id)) or 0


def _record(factory: sessionmaker[Session], ctx: Context, outbox_id: int, bericht_id: int,
            url: str, http_status: int | None, fout: str | None) -> str:

    now = ctx.now()
    geslaagd = fout is None
    with unit_of_work(factory) as session:
        attempt = WebhookPoging(bericht_id=bericht_id, poging=_earlier_attempts(session, bericht_id) + 1,
                                tijdstip=now, url=url, http_status=http_status, fout=fout,
                                geslaagd=geslaagd)
        session.add(attempt)
        row = session.get(Outbox, outbox_id, with_for_update=True)
        if row is None or row.status != PENDING:
            # Finished elsewhere meanwhile (an operator): keep the attempt, leave the row be.
            return DONE if geslaagd else "failed"
        row.pogingen += 1
        if geslaagd:
            row.status, row.afgehandeld_op, row.volgende_poging, row.fout = DONE, now, None, None
            return DONE
        row.fout = fout
        if row.pogingen >= MAX_POGINGEN:
            row.status, row.volgende_poging = MISLUKT, None
        else:
            row.volgende_poging = attempt.volgende_poging = now + backoff(row.pogingen)
        return "failed"
