"""Provider webhooks: claim, signed POST, attempts recorded, backoff, giving up."""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from gateway.context import Context
from gateway.db.models import Bericht, Outbox, Partij, PostbusItem, WebhookPoging
from gateway.db.session import unit_of_work
from gateway.work import outbox as outbox_work
from gateway.work import webhook_notices as webhooks
from gateway.work import webhooks as delivery
from gateway.work.attempts import MAX_POGINGEN, backoff
from tests.support import reference, schemas

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
GEHEIM = "a" * 64


@pytest.fixture(scope="module")
def loaded():
    return schemas(), reference()


@pytest.fixture
def clock():
    return [NOW]  # tests move time by assigning clock[0]


@pytest.fixture
def ctx(loaded, clock, read_clock):
    read_clock(lambda: clock[0])
    return Context(schemas=loaded[0], reference=loaded[1])


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        content = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), content))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1; set `.status` for its answer, read `.requests`."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    httpd.status, httpd.requests = 204, []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/gateway"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def make_row(sessions, url: str | None, geheim: str | None = GEHEIM) -> int:
    """A provider with a webhook, a JW301 in its postbus and the outbox row; returns its id."""
    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="12345678", naam="Zorg BV", webhook_url=url,
                       webhook_geheim=geheim)
        session.add(party)
        session.flush()
        bericht = Bericht(richting="uit", partij_id=party.id, berichttype="JW301", status="accepted",
                          niveau=0, retourcodes=[], inhoud=b"<x/>", inhoud_sha256="x")
        session.add(bericht)
        session.flush()
        session.add(PostbusItem(bericht_id=bericht.id, partij_id=party.id, berichttype="JW301"))
        row = Outbox(bericht_id=bericht.id, taak="webhook")
        session.add(row)
        session.flush()
        return row.id


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def state(sessions, outbox_id: int) -> tuple[Outbox, list[WebhookPoging]]:
    with sessions() as session:
        row = session.get(Outbox, outbox_id)
        attempts = session.scalars(select(WebhookPoging).where(WebhookPoging.bericht_id == row.bericht_id)
                                   .order_by(WebhookPoging.poging)).all()
        return row, list(attempts)


class Recorder:
    """An injected `post` that answers `status` (or raises `error`) and keeps the calls."""

    def __init__(self, status: int = 200, error: Exception | None = None):
        self.status, self.error, self.calls = status, error, []

    def __call__(self, url, content, headers):
        self.calls.append((url, content, headers))
        if self.error is not None:
            raise self.error
        return self.status


def test_success_posts_a_signed_notice(sessions, ctx, server):
    outbox_id = make_row(sessions, server.url)

    assert delivery.deliver(sessions, ctx, outbox_id) == "done"

    [(path, headers, content)] = server.requests
    row, [attempt] = state(sessions, outbox_id)
    assert path == "/hooks/gateway"
    bericht_id = row.bericht_id
    expected = {"event": "postbus.nieuw", "id": bericht_id, "message": "JW301",
                "href": f"/api/v1/postbus/{bericht_id}"}
    assert json.loads(content) == expected
    assert content == json.dumps(expected, separators=(",", ":")).encode("utf-8")  # compact
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Gateway-Event"] == "postbus.nieuw"
    assert headers["X-Gateway-Delivery"] == f"{outbox_id}-1"
    digest = hmac.new(GEHEIM.encode(), content, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Gateway-Signature"], f"sha256={digest}")
    assert webhooks.sign(content, GEHEIM) == f"sha256={digest}"

    assert (row.status, row.pogingen, row.fout, row.volgende_poging) == ("done", 1, None, None)
    assert utc(row.afgehandeld_op) == NOW
    assert (attempt.poging, attempt.url, attempt.http_status, attempt.fout, attempt.geslaagd) == (
        1, server.url, 204, None, True)
    assert utc(attempt.tijdstip) == NOW and attempt.volgende_poging is None


def test_server_error_is_recorded_and_retried_after_backoff(sessions, ctx, clock, server):
    outbox_id = make_row(sessions, server.url)
    server.status = 500

    assert delivery.deliver(sessions, ctx, outbox_id) == "failed"

    row, [attempt] = state(sessions, outbox_id)
    retry_at = NOW + backoff(1)
    assert (row.status, row.pogingen, row.fout) == ("pending", 1, "HTTP 500")
    assert utc(row.volgende_poging) == retry_at
    assert (attempt.poging, attempt.http_status, attempt.fout, attempt.geslaagd) == (1, 500, "HTTP 500", False)
    assert utc(attempt.volgende_poging) == retry_at

    # Not due yet: a second delivery (the sweep, a redelivered task) does nothing.
    clock[0] = retry_at - timedelta(seconds=1)
    assert delivery.deliver(sessions, ctx, outbox_id) == "skipped"
    assert len(server.requests) == 1

    # Due: the retry goes out as attempt 2 and succeeds.
    clock[0] = retry_at
    server.status = 200
    assert delivery.deliver(sessions, ctx, outbox_id) == "done"
    assert server.requests[-1][1]["X-Gateway-Delivery"] == f"{outbox_id}-2"
    row, attempts = state(sessions, outbox_id)
    assert [(a.poging, a.geslaagd) for a in attempts] == [(1, False), (2, True)]
    assert (row.status, row.pogingen, row.fout) == ("done", 2, None)
    assert utc(row.afgehandeld_op) == retry_at


def test_a_redirect_is_not_followed_and_counts_as_failure(sessions, ctx, server):
    outbox_id = make_row(sessions, server.url)
    server.status = 302
    assert delivery.deliver(sessions, ctx, outbox_id) == "failed"
    _, [attempt] = state(sessions, outbox_id)
    assert (attempt.http_status, attempt.geslaagd) == (302, False)


def test_connection_error_is_a_failed_attempt(sessions, ctx):
    url = closed_port_url()
    outbox_id = make_row(sessions, url)

    assert delivery.deliver(sessions, ctx, outbox_id) == "failed"

    row, [attempt] = state(sessions, outbox_id)
    assert row.status == "pending" and row.pogingen == 1
    assert "ConnectError" in row.fout
    assert (attempt.url, attempt.http_status, attempt.geslaagd) == (url, None, False)
    assert "ConnectError" in attempt.fout
    assert utc(row.volgende_poging) == NOW + backoff(1)


def test_any_exception_of_post_is_caught(sessions, ctx):
    outbox_id = make_row(sessions, "https://zorg.example/hook")
    post = Recorder(error=ValueError("kapot"))
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "failed"
    row, _ = state(sessions, outbox_id)
    assert row.fout == "ValueError: kapot"


def test_gives_up_after_max_attempts(sessions, ctx, clock):
    outbox_id = make_row(sessions, "https://zorg.example/hook")
    post = Recorder(status=503)

    for n in range(1, MAX_POGINGEN + 1):
        assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "failed"
        row, _ = state(sessions, outbox_id)
        if n < MAX_POGINGEN:
            assert utc(row.volgende_poging) == clock[0] + backoff(n)
            clock[0] = utc(row.volgende_poging)

    row, attempts = state(sessions, outbox_id)
    assert (row.status, row.pogingen, row.volgende_poging) == ("mislukt", MAX_POGINGEN, None)
    assert [a.poging for a in attempts] == list(range(1, MAX_POGINGEN + 1))
    assert attempts[-1].volgende_poging is None and not any(a.geslaagd for a in attempts)
    assert [h["X-Gateway-Delivery"] for _, _, h in post.calls] == [
        f"{outbox_id}-{n}" for n in range(1, MAX_POGINGEN + 1)]

    clock[0] += timedelta(days=1)
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "skipped"
    assert len(post.calls) == MAX_POGINGEN


def test_a_done_row_is_skipped(sessions, ctx):
    outbox_id = make_row(sessions, "https://zorg.example/hook")
    post = Recorder()
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "done"
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "skipped"
    assert len(post.calls) == 1
    _, attempts = state(sessions, outbox_id)
    assert len(attempts) == 1


def test_a_twin_delivery_during_the_post_is_skipped(sessions, ctx):
    """The claim leases the row: a twin that runs while the first one waits for the
    provider finds nothing to claim."""
    outbox_id = make_row(sessions, "https://zorg.example/hook")
    twins = []

    def post(url, content, headers):
        twins.append(delivery.deliver(sessions, ctx, outbox_id, post=Recorder()))
        return 200

    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "done"
    assert twins == ["skipped"]
    _, attempts = state(sessions, outbox_id)
    assert len(attempts) == 1


def test_no_database_connection_is_held_while_posting(sessions, engine, ctx):
    """The provider's server may take its time: no transaction, no lock, no pooled
    connection of ours waits with it."""
    outbox_id = make_row(sessions, "https://zorg.example/hook")
    held = []

    def post(url, content, headers):
        held.append(engine.pool.checkedout())
        return 204

    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "done"
    assert held == [0]


def test_webhook_switched_off_meanwhile_finishes_the_row(sessions, ctx):
    outbox_id = make_row(sessions, None, geheim=None)
    post = Recorder()
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "skipped"
    row, attempts = state(sessions, outbox_id)
    assert (row.status, attempts, post.calls) == ("done", [], [])


def test_without_a_secret_there_is_no_signature(sessions, ctx):
    outbox_id = make_row(sessions, "https://zorg.example/hook", geheim=None)
    post = Recorder(status=202)
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "done"
    [(url, _, headers)] = post.calls
    assert url == "https://zorg.example/hook"
    assert "X-Gateway-Signature" not in headers


def test_outbox_process_runs_the_webhook(sessions, ctx, server):
    outbox_id = make_row(sessions, server.url)
    assert outbox_work.process(sessions, ctx, outbox_id) == "done"
    assert len(server.requests) == 1
    assert outbox_work.process(sessions, ctx, outbox_id) == "skipped"


def test_new_secret_is_random_hex_that_fits_the_column():
    first, second = webhooks.new_secret(), webhooks.new_secret()
    assert first != second
    assert len(first) == 64 and int(first, 16) >= 0


def test_a_delivery_that_kills_its_worker_is_counted_and_given_up_after_max_attempts(sessions, ctx, clock):
    """The attempt is counted at the claim, before the POST: a delivery whose thread dies
    (the worker is killed while it waits for the provider) still counts, so a row cannot
    be tried for ever."""
    outbox_id = make_row(sessions, "https://zorg.example/hook")

    def killed(url, content, headers):
        raise SystemExit("worker killed")

    for n in range(1, MAX_POGINGEN + 1):
        with pytest.raises(SystemExit):
            delivery.deliver(sessions, ctx, outbox_id, post=killed)
        row, recorded = state(sessions, outbox_id)
        assert (row.status, row.pogingen, recorded) == ("pending", n, [])
        assert utc(row.volgende_poging) == clock[0] + webhooks.LEASE
        assert delivery.deliver(sessions, ctx, outbox_id, post=Recorder()) == "skipped"  # leased
        clock[0] = utc(row.volgende_poging)

    post = Recorder()
    assert delivery.deliver(sessions, ctx, outbox_id, post=post) == "failed"
    row, _ = state(sessions, outbox_id)
    assert (row.status, row.pogingen, row.volgende_poging, post.calls) == ("mislukt", MAX_POGINGEN, None, [])
    assert "never ended" in row.fout


def test_webhook_switched_off_counts_no_attempt(sessions, ctx):
    outbox_id = make_row(sessions, None, geheim=None)
    assert delivery.deliver(sessions, ctx, outbox_id, post=Recorder()) == "skipped"
    row, _ = state(sessions, outbox_id)
    assert (row.status, row.pogingen, row.volgende_poging) == ("done", 0, None)
