"""Delivering one webhook row: claim, POST, record, with no transaction open during the POST
(gateway.work.webhook_notices says what each step does)."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from gateway import metrics
from gateway.context import Context
from gateway.db.session import unit_of_work
from gateway.work import attempts
from gateway.work import webhook_notices as webhooks
from gateway.work.webhook_notices import TIMEOUT, Post

_log = logging.getLogger("gateway.webhooks")


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
        notice = webhooks.claim(session, outbox_id, now)
        gave_up = notice is None and attempts.give_up_unfinished(session, outbox_id, now)
    if notice is None:
        if gave_up:
            _log.error("webhook outbox %s given up: %s", outbox_id, attempts.UNFINISHED)
            return "failed"
        return "skipped"

    http_status: int | None = None
    fout: str | None = None
    try:
        http_status = int((post or _httpx_post)(notice.url, notice.content, notice.headers()))
        if not 200 <= http_status < 300:
            fout = f"HTTP {http_status}"
    except Exception as exc:  # any failure to post (network, TLS, a bad URL) is a failed attempt
        fout = f"{type(exc).__name__}: {exc}"[:4000]
    if fout is not None:
        _log.warning("webhook outbox %s naar %s mislukt: %s", outbox_id, notice.url, fout)
        metrics.WEBHOOK_FAILURES.labels("http" if http_status is not None else "network").inc()
    with unit_of_work(factory) as session:
        return webhooks.record(session, ctx.now(), notice, http_status, fout)
