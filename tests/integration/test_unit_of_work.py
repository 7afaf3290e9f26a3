"""The HTTP edge owns the unit of work (gateway/http/deps.py): what a handler adds is committed
when it returns, before the answer goes out, so a commit that fails is an error answer and never
a 2xx for work that was not stored. Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from gateway.db.models import Bericht, Outbox, Partij, PostbusItem
from gateway.http.deps import DbSession
from tests.conftest import auth
from tests.route import post, postbus, request, run_work

URL = "/api/v1/berichten"


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def _fail_after_the_first(session) -> None:
    """A before_commit listener: every commit of a session but its first (get_party's, which
    ends the token lookup) fails as if the database went away at that moment. A released
    savepoint is reported as a commit too: not counted."""
    if session.in_nested_transaction():
        return
    session.info["commits"] = session.info.get("commits", 0) + 1
    if session.info["commits"] > 1:
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))


@pytest.fixture
def failing_commits(app):
    def install() -> None:
        event.listen(app.state.sessions, "before_commit", _fail_after_the_first)

    yield install
    if event.contains(app.state.sessions, "before_commit", _fail_after_the_first):
        event.remove(app.state.sessions, "before_commit", _fail_after_the_first)


def test_a_message_whose_commit_fails_gets_no_2xx_and_is_not_stored(
        client, parties, sessions, published, failing_commits):
    failing_commits()
    response = post(client, parties["provider"], request("AGJ", "AGJ1"))
    assert response.status_code == 503  # the database's failure, answered as unavailable
    assert count(sessions, Bericht) == 0 and count(sessions, Outbox) == 0
    assert published == []


def test_a_fetch_whose_commit_fails_gets_no_2xx_and_stays_new(
        client, parties, sessions, app, published, failing_commits):
    assert post(client, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    failing_commits()
    response = client.get(item["href"], headers=auth(parties["provider"]))
    assert response.status_code == 503
    with sessions() as session:
        assert session.get(PostbusItem, item["id"]).status == "nieuw"


def _failing_commit(_session) -> None:
    raise RuntimeError("commit failed")


def test_the_session_dependency_commits_before_the_answer_is_sent(sessions):
    """Any route on DbSession, on a bare app: with FastAPI's default for a dependency with
    yield the commit would run after a 200 went out."""
    app = FastAPI()
    app.state.sessions = sessions

    @app.post("/write")
    def write(session: DbSession, fail: bool = False) -> dict:
        session.add(Partij(soort="aanbieder", code="12345678", naam="Zorg BV"))
        if fail:
            event.listen(session, "before_commit", _failing_commit)
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as bare:
        assert bare.post("/write?fail=true").status_code == 500
        assert count(sessions, Partij) == 0
        assert bare.post("/write").status_code == 200
        assert count(sessions, Partij) == 1
