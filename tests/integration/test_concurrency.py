"""Concurrent twins: the database's unique constraints decide, not the process.

Several API processes may run side by side; these tests send the same message (or messages
sharing one BerichtIdentificatie) from many threads at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from gateway.db.models import Bericht
from tests.conftest import auth
from tests.support import edit, example

# The JW305/JW307 examples name toewijzing 100001: it must exist (TR019).
pytestmark = pytest.mark.usefixtures("toewijzing_100001")

URL = "/api/v1/berichten"
THREADS = 8


def post_all(client, bodies, token):
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda body: client.post(URL, content=body, headers=auth(token)), bodies))


def test_same_bytes_at_once_are_stored_once(client, parties, sessions):
    answers = post_all(client, [example("JW305")] * THREADS, parties["provider"])
    assert {a.status_code for a in answers} == {202}
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["location"] for a in answers}) == 1
    assert sum("idempotent-replay" not in a.headers for a in answers) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Bericht)) == 1


def test_one_identificatie_at_once_is_accepted_once(client, parties, sessions):
    bodies = [edit(example("JW305"), "<jw305:Begindatum>2026-09-21", f"<jw305:Begindatum>2026-09-{10 + n}")
              for n in range(THREADS)]
    answers = post_all(client, bodies, parties["provider"])
    assert sorted(a.status_code for a in answers) == [202] + [422] * (THREADS - 1)
    assert all(b"9056" in a.content for a in answers if a.status_code == 422)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Bericht.status == "accepted")) == 1
        assert session.scalar(select(func.count()).select_from(Bericht)) == THREADS


def test_concurrent_starts_for_one_toewijzing_one_runs(client, parties, sessions):
    """Different keys, so no unique constraint decides: the client lock makes the rules see
    each other's starts (TR326), on PostgreSQL as on SQLite."""
    from gateway.db.models import Zorglevering
    from tests.regie import Start, message

    bodies = [message(Start(begindatum=f"2026-10-{10 + n:02d}")) for n in range(THREADS)]
    answers = post_all(client, bodies, parties["provider"])
    assert sorted(a.status_code for a in answers) == [202] + [422] * (THREADS - 1)
    assert all(b"9326" in a.content for a in answers if a.status_code == 422)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Zorglevering)) == 1


def test_concurrent_stops_for_one_start_one_counts(client, parties, sessions):
    from gateway.db.models import ZorgleveringStop
    from tests.regie import Start, Stop, message

    assert client.post(URL, content=message(Start()), headers=auth(parties["provider"])).status_code == 202
    bodies = [message(Stop(reden="31" if n % 2 else "20", einddatum=f"2026-10-{10 + n:02d}"))
              for n in range(THREADS)]
    answers = post_all(client, bodies, parties["provider"])
    accepted = [a for a in answers if a.status_code == 202]
    assert len(accepted) >= 1
    with sessions() as session:
        stops = list(session.scalars(select(ZorgleveringStop)))
    # whatever the order, at most one temporary and one definitive stop, never an earlier end
    assert sum(s.reden == "20" for s in stops) <= 1 and sum(s.reden != "20" for s in stops) <= 1
    assert len(stops) == len(accepted)
