"""With a real worker: the request's id is in the worker's log lines of the task that processed
the message and of the task that task caused (a webhook), and the worker's task metrics reach
the API's /metrics through the shared PROMETHEUS_MULTIPROC_DIR (set for the suite by conftest
and inherited by the worker subprocess)."""
from __future__ import annotations

import json
import os

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from gateway.db.models import Outbox, Partij
from gateway.db.session import unit_of_work
from gateway.main import create_app
from gateway.settings import Settings
from tests.conftest import AGB, auth
from tests.integration.test_observability import LOOPBACK, value
from tests.integration.worker import Worker, broker_for, flush_broker, wait_for
from tests.route import request

REQUEST_ID = "corr-agj-0001"


@pytest.fixture
def broker_url(database_url):
    url = broker_for(database_url)
    flush_broker(url)
    return url


def metrics(client) -> dict:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def test_the_request_id_follows_the_message_into_the_workers_tasks(database_url, broker_url, engine, sessions,
                                                                    parties, tmp_path):
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    with unit_of_work(sessions) as session:  # a webhook nobody answers: the task the grant causes fails
        session.scalar(select(Partij).where(Partij.code == AGB)).webhook_url = "http://127.0.0.1:9/hook"
    app = create_app(Settings(database_url=database_url, broker_url=broker_url))
    worker = Worker(database_url, broker_url, tmp_path)
    worker.env["GATEWAY_LOG_FORMAT"] = "json"
    with TestClient(app, client=LOOPBACK) as client:
        before = metrics(client)
        worker.start()
        try:
            answer = client.post("/api/v1/berichten", content=request("AGJ", "CORR-AGJ1"),
                                 headers={**auth(parties["provider"]), "X-Request-ID": REQUEST_ID})
            assert answer.status_code == 202, answer.text
            assert answer.headers["X-Request-ID"] == REQUEST_ID

            def webhook_failed() -> list[dict]:
                return [line for line in _json_lines(worker.log())
                        if line.get("logger") == "gateway.webhooks" and line["level"] == "WARNING"]

            [failure, *_] = wait_for(webhook_failed, timeout=60)
            # the task's own failure is recorded last, after the webhook's attempt
            after = wait_for(lambda: (found := metrics(client)) and
                             value(found, "gateway_task_failures_total", task="gateway.webhook") >
                             value(before, "gateway_task_failures_total", task="gateway.webhook") and found,
                             timeout=30)
        finally:
            worker.stop()
    with unit_of_work(sessions) as session:
        rows = dict(session.execute(select(Outbox.taak, Outbox.request_id)).all())
    # the intake's row and the webhook row the grant wrote both carry the request's id
    assert rows == {"verwerk_agj": REQUEST_ID, "webhook": REQUEST_ID}
    # the caused task's log line
    assert failure["request_id"] == REQUEST_ID
    # the processing task's own lines, Celery's "succeeded" line included
    lines = _json_lines(worker.log())
    mine = [line for line in lines if line.get("request_id") == REQUEST_ID]
    succeeded = [line for line in mine if "succeeded in" in line["message"]]
    assert len(succeeded) >= 2, mine  # the aanvraag's task and the webhook's
    assert all(line.get("request_id") in (None, REQUEST_ID) for line in lines)
    # the worker's task metrics, seen at the API's /metrics
    duration = "gateway_task_duration_seconds_count"
    assert value(after, duration, task="gateway.outbox", outcome="done") > \
        value(before, duration, task="gateway.outbox", outcome="done")
    assert value(after, "gateway_webhook_failures_total", kind="network") > \
        value(before, "gateway_webhook_failures_total", kind="network")


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines
