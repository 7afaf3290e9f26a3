"""A steady stream of aanvraagformulieren that are granted automatically, and what each got.

Every message is the AGJ example with a client (BSN) of its own, its own Identificatie and
its own ReferentieAanbieder: TR374 allows one open request per client, and a second grant of
the same product to the same client would go to the CJG, so a unique client per message is
what keeps every one of them an automatic grant."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from tests.support import example, valid_bsns

TIMEOUT = 15.0  # longer than any wait we look for (a publish blocking 6 s is an answer, a slow one)


@dataclass
class Answer:
    status: int
    content: bytes
    headers: dict[str, str]
    seconds: float  # from just before the request to the whole answer


@dataclass
class Sent:
    identificatie: str
    bsn: str
    body: bytes
    sent_at: float  # time.monotonic()
    answer: Answer | None = None
    error: str | None = None  # no answer: connection refused or reset, timeout
    retries: list[Answer | str] = field(default_factory=list)

    @property
    def final(self) -> Answer | None:
        """The answer that counts: the last retry's, else the first one."""
        for attempt in reversed(self.retries):
            if isinstance(attempt, Answer):
                return attempt
        return self.answer if not self.retries else None


class Messages:
    """Unique AGJ messages: identificatie `F<prefix><n>`, one client each."""

    def __init__(self, count: int = 5000) -> None:
        self._bsns: Iterator[str] = iter(valid_bsns(count))
        self._n = 0
        self._lock = threading.Lock()

    def next(self, prefix: str) -> tuple[str, str, bytes]:
        with self._lock:
            self._n += 1
            n, bsn = self._n, next(self._bsns)
        identificatie = f"F{prefix}{n:06d}"
        xml = example("AGJ").replace(b"999994323", bsn.encode())
        xml = re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>{identificatie}<".encode(), xml, count=1)
        xml = re.sub(rb"<agj:ReferentieAanbieder>[^<]+<", f"<agj:ReferentieAanbieder>REF-{identificatie}<".encode(),
                     xml)
        return identificatie, bsn, xml


def post(client: httpx.Client, body: bytes) -> Answer:
    started = time.monotonic()
    response = client.post("/api/v1/berichten", content=body, headers={"Content-Type": "application/xml"})
    return Answer(response.status_code, response.content, dict(response.headers), time.monotonic() - started)


class Load:
    """Posts `rate` messages a second from a pool of senders (so one slow answer does not
    slow the stream) until `stop`; at most `limit` messages, whatever happens."""

    def __init__(self, base_url: str, token: str, messages: Messages, prefix: str, *, rate: float = 5.0,
                 limit: int = 400) -> None:
        self.client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                                   timeout=TIMEOUT)
        self.messages, self.prefix, self.rate, self.limit = messages, prefix, rate, limit
        self.sent: list[Sent] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=12, thread_name_prefix=f"load-{prefix}")
        self._thread = threading.Thread(target=self._run, name=f"load-{prefix}", daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _run(self) -> None:
        started = time.monotonic()
        for n in range(self.limit):
            delay = started + n / self.rate - time.monotonic()
            if self._stop.wait(max(delay, 0)):
                return
            identificatie, bsn, body = self.messages.next(self.prefix)
            record = Sent(identificatie, bsn, body, time.monotonic())
            self.sent.append(record)
            self._pool.submit(self._send, record)

    def _send(self, record: Sent) -> None:
        try:
            record.answer = post(self.client, record.body)
        except httpx.HTTPError as exc:
            record.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        """Stops the stream and waits for every answer (each request has its own timeout)."""
        self._stop.set()
        self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def resend_unanswered(self, *, attempts: int = 5, pause: float = 1.0) -> None:
        """What a provider does with a message that got no answer or a 5xx: send the same
        bytes again, until it gets an answer that is not a 5xx (a few attempts at most)."""
        for record in self.sent:
            if record.answer is not None and record.answer.status < 500:
                continue
            for _ in range(attempts):
                try:
                    answer = post(self.client, record.body)
                    record.retries.append(answer)
                    if answer.status < 500:
                        break
                except httpx.HTTPError as exc:
                    record.retries.append(f"{type(exc).__name__}: {exc}")
                time.sleep(pause)

    def close(self) -> None:
        self.client.close()
