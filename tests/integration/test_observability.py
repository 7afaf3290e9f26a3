"""The correlation id on every answer and on the outbox row; /metrics: parseable, moving,
counts only, and only for the addresses allowed."""
from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from gateway import clock, logs, metrics
from gateway.db.models import Aanvraag, Bericht, Outbox
from gateway.db.session import unit_of_work
from gateway.main import create_app
from gateway.settings import Settings
from gateway.work import webhooks as delivery
from tests.conftest import auth
from tests.route import run_work
from tests.support import TODAY, edit, example

LOOPBACK = ("127.0.0.1", 40000)
BAD_BSN = ("<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")


@pytest.fixture
def local(app):
    """A client calling from the machine itself, which may read /metrics by default."""
    with TestClient(app, client=LOOPBACK) as client:
        yield client


def samples(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_request_id_is_made_kept_and_returned_everywhere(client, parties):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "prov-42"}).headers["X-Request-ID"] == "prov-42"
    # problem+json (401), the back office (a redirect, a 404 page), an XML answer
    assert client.post("/api/v1/berichten", content=b"<x/>", headers={
        "X-Request-ID": "p-401", "Content-Type": "application/xml"}).headers["X-Request-ID"] == "p-401"
    assert client.get("/berichten", headers={"X-Request-ID": "bo-1"}, follow_redirects=False
                      ).headers["X-Request-ID"] == "bo-1"
    assert client.get("/bestaat-niet", headers={"X-Request-ID": "bo-2"}).headers["X-Request-ID"] == "bo-2"
    answer = client.post("/api/v1/berichten", content=example("JW305"),
                         headers={**auth(parties["provider"]), "X-Request-ID": "xml-1"})
    assert answer.headers["X-Request-ID"] == "xml-1"


def test_an_unexpected_error_still_carries_the_id(database_url, engine, parties, monkeypatch):
    from gateway.api import berichten

    def broken(*_a, **_k):
        raise RuntimeError("kapot")

    monkeypatch.setattr(berichten, "receive", broken)
    app = create_app(Settings(database_url=database_url), publish=lambda ids: None)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/api/v1/berichten", content=example("JW305"),
                             headers={**auth(parties["provider"]), "X-Request-ID": "err-1"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["X-Request-ID"] == "err-1"


def test_the_id_is_in_the_api_log_line_and_on_the_outbox_row(client, parties, sessions, published):
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        answer = client.post("/api/v1/berichten", content=example("AGJ"),
                             headers={**auth(parties["provider"]), "X-Request-ID": "agj-intake-1"})
    finally:
        root.removeHandler(handler)
    assert answer.status_code == 202, answer.text
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [access] = [line for line in lines if line["logger"] == "gateway.access"]
    assert (access["request_id"], access["method"], access["path"], access["status"]) == (
        "agj-intake-1", "POST", "/api/v1/berichten", 202)
    with unit_of_work(sessions) as session:
        assert session.scalars(select(Outbox.request_id)).all() == ["agj-intake-1"]


def test_metrics_move_with_accepted_and_rejected_messages(local, parties, toewijzing_100001):
    before = samples(local)
    assert local.post("/api/v1/berichten", content=example("JW305"),
                      headers=auth(parties["provider"])).status_code == 202
    assert local.post("/api/v1/berichten", content=edit(example("JW305"), *BAD_BSN),
                      headers=auth(parties["provider"])).status_code == 422
    assert local.post("/api/v1/berichten", content=example("JW305"),
                      headers=auth(parties["provider"])).status_code == 202  # a replay
    after = samples(local)
    name = "gateway_messages_received_total"
    for outcome in ("accepted", "rejected", "replay"):
        assert value(after, name, message="JW305", outcome=outcome) == \
            value(before, name, message="JW305", outcome=outcome) + 1, outcome
    histogram = "gateway_intake_duration_seconds_count"
    assert value(after, histogram, message="JW305") == value(before, histogram, message="JW305") + 3
    assert value(after, "gateway_intake_duration_seconds_bucket", message="JW305", le="+Inf") == \
        value(after, histogram, message="JW305")


def test_no_personal_data_or_content_in_metrics(local, parties, toewijzing_100001):
    for xml in (example("JW305"), edit(example("JW305"), *BAD_BSN), example("AGJ")):
        local.post("/api/v1/berichten", content=xml, headers=auth(parties["provider"]))
    text = local.get("/metrics").text
    for secret in ("999994323", "123456789", "12345678", "Zorg BV", "Hulpvraag", "ReferentieAanbieder",
                   parties["provider"]):
        assert secret not in text, secret


def test_outbox_pending_and_the_age_of_the_oldest(local, app, parties, published, move_clock):
    assert value(samples(local), "gateway_outbox_rows", status="pending") == 0
    assert value(samples(local), "gateway_outbox_oldest_pending_age_seconds") == 0
    assert local.post("/api/v1/berichten", content=example("AGJ"),
                      headers=auth(parties["provider"])).status_code == 202
    posted_at = clock.now()
    move_clock(TODAY + timedelta(days=1))  # noon of the next day
    found = samples(local)
    assert value(found, "gateway_outbox_rows", status="pending") == 1
    assert value(found, "gateway_outbox_oldest_pending_age_seconds") == pytest.approx(
        (clock.now() - posted_at).total_seconds(), abs=5)
    move_clock(TODAY)
    run_work(app, published)
    assert value(samples(local), "gateway_outbox_rows", status="pending") == 0


def test_deadlines_overdue(local, app, parties, sessions, published, move_clock):
    assert local.post("/api/v1/berichten", content=example("AGJ"),
                      headers=auth(parties["provider"])).status_code == 202
    with unit_of_work(sessions) as session:  # an AGJ that cannot be granted goes to the CJG
        session.scalar(select(Bericht)).ontvangen_op = datetime(2026, 11, 23, 9, tzinfo=UTC)
    run_work(app, published)
    with unit_of_work(sessions) as session:
        aanvraag = session.scalar(select(Aanvraag))
        if aanvraag.afgehandeld_op is not None:  # granted at once: make it an open one
            aanvraag.afgehandeld_op = None
        uiterlijk = aanvraag.antwoord_uiterlijk
    assert value(samples(local), "gateway_deadlines_overdue", kind="antwoord") == 0
    move_clock(uiterlijk)  # the last day itself: not yet overdue
    assert value(samples(local), "gateway_deadlines_overdue", kind="antwoord") == 0
    move_clock(uiterlijk + timedelta(days=1))
    assert value(samples(local), "gateway_deadlines_overdue", kind="antwoord") == 1


def test_webhook_failures_are_counted(local, app, sessions):
    from gateway.db.models import Partij, PostbusItem

    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="11112222", naam="Hook BV", webhook_url="http://127.0.0.1:9/x")
        session.add(party)
        session.flush()
        bericht = Bericht(richting="uit", partij_id=party.id, inhoud=b"<x/>", inhoud_sha256="0" * 64,
                          status="accepted", niveau=0, retourcodes=[], berichttype="JW301")
        session.add(bericht)
        session.flush()
        session.add(PostbusItem(bericht_id=bericht.id, partij_id=party.id, berichttype="JW301", status="nieuw"))
        row = Outbox(bericht_id=bericht.id, taak="webhook")
        session.add(row)
        session.flush()
        outbox_id = row.id
    before = samples(local)

    def refused(*_args):
        raise ConnectionRefusedError("refused")

    assert delivery.deliver(app.state.sessions, app.state.ctx, outbox_id, post=refused) == "failed"
    after = samples(local)
    name = "gateway_webhook_failures_total"
    assert value(after, name, kind="network") == value(before, name, kind="network") + 1


def test_metrics_only_for_allowed_addresses(database_url, engine):
    app = create_app(Settings(database_url=database_url), publish=lambda ids: None)
    with TestClient(app, client=("192.0.2.7", 40000)) as outside:
        refused = outside.get("/metrics")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    with TestClient(app, client=LOOPBACK) as inside:
        assert inside.get("/metrics").status_code == 200
    opened = create_app(Settings(database_url=database_url, metrics_allow_from="192.0.2.0/24"),
                        publish=lambda ids: None)
    with TestClient(opened, client=("192.0.2.7", 40000)) as scraper:
        assert scraper.get("/metrics").status_code == 200
    with pytest.raises(ValueError, match="GATEWAY_METRICS_ALLOW_FROM"):
        create_app(Settings(database_url=database_url, metrics_allow_from="192.0.2.0/33"))


def test_retours_overdue(local, sessions, move_clock):
    from gateway.db.models import Partij, PostbusItem
    from gateway.model.werkdagen import add_werkdagen

    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="33334444", naam="Retour BV")
        session.add(party)
        session.flush()
        bericht = Bericht(richting="uit", partij_id=party.id, inhoud=b"<x/>", inhoud_sha256="1" * 64,
                          status="accepted", niveau=0, retourcodes=[], berichttype="JW301")
        session.add(bericht)
        session.flush()
        session.add(PostbusItem(bericht_id=bericht.id, partij_id=party.id, berichttype="JW301", status="nieuw",
                                aangemaakt_op=datetime(2026, 11, 23, 10, tzinfo=UTC)))
    uiterlijk = add_werkdagen(TODAY, 3)
    move_clock(uiterlijk)
    assert value(samples(local), "gateway_deadlines_overdue", kind="retour") == 0
    move_clock(uiterlijk + timedelta(days=1))
    assert value(samples(local), "gateway_deadlines_overdue", kind="retour") == 1


def test_a_metrics_failure_never_fails_a_stored_message(client, parties, sessions, monkeypatch):
    def broken(*_args):
        raise OSError("multiprocess directory gone")

    monkeypatch.setattr(metrics.MESSAGES, "labels", broken)
    answer = client.post("/api/v1/berichten", content=example("JW315"), headers=auth(parties["provider"]))
    assert answer.status_code == 202, answer.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Bericht)) == 1
