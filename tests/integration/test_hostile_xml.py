"""A body that names a resource outside itself never hangs the intake: through
POST /api/v1/berichten and /api/v1/validatie every such body gets the same 400 within a
second, nothing is opened or connected to, and no database lock or transaction is held while
untrusted bytes are parsed."""
from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, select, text

from gateway.db.models import Bericht
from gateway.intake import service
from tests.conftest import auth
from tests.hostile_xml import api_cases, hostile, run_child, targets, watched_port
from tests.support import example

REFUSED = "DOCTYPE en entiteiten zijn niet toegestaan"


def test_every_hostile_body_gets_one_answer_at_once_and_opens_nothing(database_url, engine, parties,
                                                                        sessions, tmp_path):
    fifo = tmp_path / "dtd"
    os.mkfifo(fifo)
    with watched_port() as (port, accepted):
        config = {"targets": targets(fifo, port), "database_url": database_url,
                  "token": parties["provider"]}
        results = run_child("api", config, timeout=60)
    expected = api_cases(config)
    assert len(results) == 2 * len(expected)
    assert accepted == []
    assert not {r["case"]: r["seconds"] for r in results if r["seconds"] >= 1}

    groups = defaultdict(list)  # route/encoding/vector -> the answers for every target
    for result in results:
        groups[result["case"].rsplit("/", 1)[0]].append(result)
    for group, answers in groups.items():
        # Same status, type and body for every path; only the id (Location) differs.
        assert len({(a["status"], a["type"], a["body"]) for a in answers}) == 1, group
        first = answers[0]
        assert (first["status"], first["type"]) == (400, "application/problem+json"), group
        problem = json.loads(first["body"])
        assert problem["detail"] == REFUSED and problem["errors"][0]["message"] == REFUSED, group

    # Every message that got past authentication and size is stored, with its answer.
    locations = [r["location"] for r in results if r["case"].startswith("berichten/")]
    assert all(locations) and len(set(locations)) == len(expected)
    with sessions() as session:
        rows = session.scalars(select(Bericht).where(Bericht.richting == "in")).all()
        assert len(rows) == len(expected)
        assert {(r.status, r.antwoord_status) for r in rows} == {("invalid", 400)}
    assert not [r for r in results if r["case"].startswith("validatie/") and r["location"]]


def _other_connection_can_write(database_url: str) -> bool:
    """True when another connection can take the write lock / finds no transaction left open."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0.2)
        try:
            connection.execute("BEGIN IMMEDIATE")  # the write lock, or 'database is locked'
            connection.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
    other = create_engine(database_url)
    try:
        with other.connect() as connection:
            open_transactions = connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
        return open_transactions == 0
    finally:
        other.dispose()


@pytest.mark.usefixtures("toewijzing_100001")
@pytest.mark.parametrize("route", ["/api/v1/berichten", "/api/v1/validatie"])
@pytest.mark.parametrize("kind", ["valid", "hostile"])
def test_no_lock_or_transaction_is_held_while_the_body_is_parsed(app, client, parties, database_url,
                                                                 monkeypatch, route, kind):
    body = example("JW305") if kind == "valid" else hostile("utf-16-le-bom", "doctype-system", "/etc/passwd")
    during_parse = []
    check_schema = service.check_schema

    def watched(*args, **kwargs):
        # The app's pool lends a connection to a session only while it is in a transaction.
        during_parse.append((app.state.engine.pool.checkedout(), _other_connection_can_write(database_url)))
        return check_schema(*args, **kwargs)

    monkeypatch.setattr(service, "check_schema", watched)
    response = client.post(route, content=body, headers=auth(parties["provider"]))
    assert response.status_code == (202 if kind == "valid" else 400), response.text
    assert during_parse == [(0, True)]
