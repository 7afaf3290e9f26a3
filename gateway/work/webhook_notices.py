"""The optional webhook that tells a provider "there is a new message in your postbus".

A delivery of one outbox row (taak "webhook") is run by gateway.work.webhooks in three steps,
so no transaction stays open while we wait for someone else's server; the two that touch the
database are here, each in the session it is given:

1. `claim`: count the attempt and lease the row (gateway.work.attempts), so a twin delivery
   of the same row (a redelivered task, the sweep) finds nothing to claim while this one
   posts; the party's URL and secret and the notice to send come with it;
2. POST a small JSON notice (never the message itself: the provider fetches that with its
   token), signed with HMAC-SHA256 when the party has a secret;
3. `record` the attempt (`WebhookPoging`) and finish the row: done on a 2xx answer, otherwise
   a retry after `attempts.backoff`, or `mislukt` after `attempts.MAX_POGINGEN` attempts.

A receiver checks `X-Gateway-Signature` by computing `sign(body, secret)` over the raw
request body and comparing in constant time; `X-Gateway-Delivery` is unique per attempt.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.db.models import Outbox, Partij, PostbusItem, WebhookPoging
from gateway.work import attempts
from gateway.work.attempts import DONE, PENDING

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


@dataclass(frozen=True)
class Notice:
    """A claimed delivery: where it goes and what it says."""

    outbox_id: int
    bericht_id: int
    url: str
    secret: str | None
    content: bytes
    delivery: int  # the message's attempt number, for X-Gateway-Delivery

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Gateway-Event": EVENT,
                   "X-Gateway-Delivery": f"{self.outbox_id}-{self.delivery}"}
        if self.secret:
            headers["X-Gateway-Signature"] = sign(self.content, self.secret)
        return headers


def claim(session: Session, outbox_id: int, now: datetime) -> Notice | None:
    """Claim one webhook row for a delivery; None when there is nothing to post: not pending,
    not due, no attempts left, or the party's webhook switched off since the row was written
    (then the row is finished, nothing sent and no attempt counted)."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status != PENDING:
        return None
    item = session.get(PostbusItem, row.bericht_id)
    party = session.get(Partij, item.partij_id) if item is not None else None
    if item is None or party is None or not party.webhook_url:
        attempts.finish_unattempted(session, outbox_id, now)
        return None
    if attempts.claim(session, outbox_id, now, LEASE) is None:
        return None
    return Notice(outbox_id, row.bericht_id, party.webhook_url, party.webhook_geheim,
                  body(row.bericht_id, item.berichttype), _earlier_attempts(session, row.bericht_id) + 1)


def _earlier_attempts(session: Session, bericht_id: int) -> int:
    return session.scalar(select(func.count()).select_from(WebhookPoging)
                          .where(WebhookPoging.bericht_id == bericht_id)) or 0


def record(session: Session, now: datetime, notice: Notice, http_status: int | None, fout: str | None) -> str:
    """The attempt as `WebhookPoging`, and the row's end: "done" on success, else "failed"
    (retried after its backoff, or `mislukt` after the last attempt)."""
    geslaagd = fout is None
    attempt = WebhookPoging(bericht_id=notice.bericht_id, poging=_earlier_attempts(session, notice.bericht_id) + 1,
                            tijdstip=now, url=notice.url, http_status=http_status, fout=fout,
                            geslaagd=geslaagd)
    session.add(attempt)
    row = session.get(Outbox, notice.outbox_id, with_for_update=True)
    if row is None or row.status != PENDING:
        # Finished elsewhere meanwhile (an operator): keep the attempt, leave the row be.
        return DONE if geslaagd else "failed"
    if fout is None:
        attempts.succeeded(row, now)
        return DONE
    attempts.failed(row, now, fout)
    attempt.volgende_poging = row.volgende_poging
    return "failed"
