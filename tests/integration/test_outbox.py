"""The outbox (gateway.work.queue) and its relay (gateway.work.relay): each row is worked once in
effect, failed work is rolled back whole and retried with backoff until it is `mislukt`, the
sweep (`due`) re-sends only what is overdue, and ids are published only after a commit.

Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from gateway.db.models import (
    Aanvraag,
    AanvraagProduct,
    Bericht,
    Beschikking,
    Client,
    Nummerreeks,
    Outbox,
    Partij,
    PostbusItem,
    Toewijzing,
)
from gateway.db.session import unit_of_work
from gateway.work import outbox as outbox_work
from gateway.work import queue as outbox
from gateway.work import relay
from gateway.work.attempts import MAX_POGINGEN, backoff
from tests.route import post, postbus, request

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the fixed TODAY of the API tests
MIN_AGE = timedelta(seconds=60)


class Clock:
    """A clock for the application that only moves when told to."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(app, clock, read_clock):
    read_clock(clock)
    return app.state.ctx


def utc(moment: datetime | None) -> datetime | None:
    """A stored moment as aware UTC (SQLite hands back naive UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def outbox_row(sessions, outbox_id: int) -> Outbox:
    with sessions() as session:
        return session.get(Outbox, outbox_id)


def posted_agj(client, parties, published) -> int:
    """The AGJ example accepted through the API; returns its outbox id (verwerk_agj)."""
    assert post(client, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
    [outbox_id] = published
    published.clear()
    return outbox_id


def stored_message(sessions) -> int:
    """A bare received message for outbox rows to point at (no API needed)."""
    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="12345678", naam="Zorg BV")
        session.add(party)
        session.flush()
        bericht = Bericht(richting="in", partij_id=party.id, berichttype="AGJ", status="accepted",
                          inhoud=b"<x/>", inhoud_sha256="0" * 64)
        session.add(bericht)
        session.flush()
        return bericht.id


def boom(*_args, **_kwargs):
    raise RuntimeError("boom")


# -- process: claimed once ------------------------------------------------------------------

def test_a_row_is_processed_once_and_then_skipped(client, parties, published, app, sessions, ctx):
    outbox_id = posted_agj(client, parties, published)
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "done"
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "skipped"  # a redelivery
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen, row.fout) == ("done", 1, None)
    assert utc(row.afgehandeld_op) == START
    assert count(sessions, Aanvraag) == 1 and count(sessions, Beschikking) == 1
    assert [i["message"] for i in postbus(client, parties["provider"])] == ["JW301"]


def test_twins_processing_one_row_at_once_do_the_work_once(client, parties, published, app, sessions, ctx):
    outbox_id = posted_agj(client, parties, published)
    twins = 4
    barrier = threading.Barrier(twins)
    results: list[str] = []

    def work() -> None:
        barrier.wait()
        results.append(outbox_work.process(app.state.sessions, ctx, outbox_id))

    threads = [threading.Thread(target=work) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["done"] + ["skipped"] * (twins - 1)
    assert count(sessions, Aanvraag) == 1 and count(sessions, Toewijzing) == 1
    assert count(sessions, PostbusItem) == 1


# -- process: failure, backoff, giving up -----------------------------------------------------

def test_a_failing_handler_is_rolled_back_whole_and_recorded(
        client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    # Fails at the very end: the aanvraag, client, beschikking and toewijzing are made by then.
    monkeypatch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", boom)
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "failed"

    for model in (Aanvraag, AanvraagProduct, Beschikking, Toewijzing, Nummerreeks, PostbusItem):
        assert count(sessions, model) == 0, model.__name__
    with sessions() as session:  # the intake gave the client an id; the task's address data is gone
        assert session.scalars(select(Client.gegevens)).all() == [None]
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Bericht.richting == "uit")) == 0
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen) == ("pending", 1)
    assert row.fout == "RuntimeError: boom"
    assert utc(row.volgende_poging) == START + backoff(1)
    assert published == []  # nothing of the rolled-back work is published


def test_retries_wait_for_their_backoff_and_give_up_after_max_pogingen(
        client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    monkeypatch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", boom)
    for poging in range(1, MAX_POGINGEN + 1):
        assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "failed"
        row = outbox_row(sessions, outbox_id)
        assert row.pogingen == poging
        if poging < MAX_POGINGEN:
            assert row.status == "pending"
            assert utc(row.volgende_poging) == clock.now + backoff(poging)
            # Too early: not claimed, not counted.
            clock.advance(backoff(poging) - timedelta(seconds=1))
            assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "skipped"
            assert outbox_row(sessions, outbox_id).pogingen == poging
            clock.advance(timedelta(seconds=1))
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.volgende_poging, row.fout) == ("mislukt", None, "RuntimeError: boom")
    # Given up: waits for an operator, whatever the time.
    clock.advance(timedelta(days=1))
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "skipped"
    with unit_of_work(sessions) as session:
        assert outbox.due(session, clock.now, MIN_AGE) == []
    assert count(sessions, Aanvraag) == 0


def test_a_retry_after_a_failure_does_the_work(client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    with monkeypatch.context() as patch:
        patch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", boom)
        assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "failed"
    clock.advance(backoff(1))
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "done"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen, row.fout) == ("done", 2, None)
    assert count(sessions, Aanvraag) == 1
    assert [i["message"] for i in postbus(client, parties["provider"])] == ["JW301"]


def test_backoff_grows_and_then_repeats_its_last_step():
    waits = [backoff(n).total_seconds() for n in range(1, MAX_POGINGEN + 1)]
    assert waits == sorted(waits) and waits[0] == 10
    assert waits[-1] == waits[-2] == 3600


def test_a_taak_without_handler_is_left_alone(sessions, ctx):
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        row = Outbox(bericht_id=bericht_id, taak="verwerk_jw305")
        session.add(row)
        session.flush()
        outbox_id = row.id
    assert outbox_work.process(sessions, ctx, outbox_id) == "skipped"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen) == ("pending", 0)


# -- due: what the sweep re-sends ---------------------------------------------------------------

def test_due_returns_overdue_rows_once_per_min_age(sessions):
    bericht_id = stored_message(sessions)
    now = START
    rows = {
        "old": dict(aangemaakt_op=now - timedelta(minutes=5)),
        "fresh": dict(aangemaakt_op=now - timedelta(seconds=10)),
        "retry_later": dict(aangemaakt_op=now - timedelta(minutes=5), volgende_poging=now + timedelta(seconds=30)),
        "retry_now": dict(aangemaakt_op=now - timedelta(minutes=5), volgende_poging=now - timedelta(seconds=1)),
        "done": dict(aangemaakt_op=now - timedelta(minutes=5), status="done"),
        "mislukt": dict(aangemaakt_op=now - timedelta(minutes=5), status="mislukt"),
        "jw305": dict(aangemaakt_op=now - timedelta(minutes=5), taak="verwerk_jw305"),
        "webhook": dict(aangemaakt_op=now - timedelta(minutes=5), taak="webhook"),
    }
    ids = {}
    with unit_of_work(sessions) as session:
        for name, values in rows.items():
            row = Outbox(bericht_id=bericht_id, **{"taak": "verwerk_agj", **values})
            session.add(row)
            session.flush()
            ids[name] = row.id

    def due(at: datetime, **kw) -> set[str]:
        with unit_of_work(sessions) as session:
            found = outbox.due(session, at, MIN_AGE, **kw)
        assert found == sorted(found)
        return {name for name, i in ids.items() if i in found}

    assert due(now) == {"old", "retry_now", "webhook"}
    for name in ("old", "retry_now", "webhook"):
        assert utc(outbox_row(sessions, ids[name]).verzonden_op) == now
    assert utc(outbox_row(sessions, ids["fresh"]).verzonden_op) is None
    assert due(now) == set()  # just sent: not again at once
    assert due(now + timedelta(seconds=30)) == {"retry_later"}  # its time has come
    assert due(now + timedelta(seconds=50)) == {"fresh"}  # min_age after it was made
    assert due(now + MIN_AGE - timedelta(seconds=1)) == set()
    assert due(now + MIN_AGE) == {"old", "retry_now", "webhook"}  # sent a min_age ago: again
    everything = {"old", "retry_now", "webhook", "fresh", "retry_later"}
    assert due(now + timedelta(days=30)) == everything  # never the done, mislukt or jw305 ones


def test_due_honours_its_limit_and_marks_only_what_it_returns(sessions):
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        rows = [Outbox(bericht_id=bericht_id, taak="verwerk_agj", aangemaakt_op=START - timedelta(hours=1))
                for _ in range(3)]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    with unit_of_work(sessions) as session:
        assert outbox.due(session, START, MIN_AGE, limit=2) == ids[:2]
    with unit_of_work(sessions) as session:
        assert outbox.due(session, START, MIN_AGE) == ids[2:]


# -- the relay: published after commit, never after rollback ----------------------------------

@pytest.fixture
def relayed(sessions) -> list[int]:
    published: list[int] = []
    relay.install(sessions, published.extend)
    return published


def test_ids_are_published_after_commit(sessions, relayed):
    bericht_id = stored_message(sessions)
    assert relayed == []  # no outbox rows in that transaction
    with unit_of_work(sessions) as session:
        rows = [Outbox(bericht_id=bericht_id, taak="verwerk_agj") for _ in range(2)]
        session.add_all(rows)
        session.flush()
        assert relayed == []  # flushed, not committed
        session.add(Outbox(bericht_id=bericht_id, taak="verwerk_agj"))  # flushed by the commit
    assert len(relayed) == 3 and sorted(relayed) == sorted(_all_ids(sessions))


def _all_ids(sessions) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(Outbox.id)))


def test_ids_are_never_published_after_rollback(sessions, relayed):
    bericht_id = stored_message(sessions)
    with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
        session.add(Outbox(bericht_id=bericht_id, taak="verwerk_agj"))
        session.flush()
        raise RuntimeError("the work failed")
    assert relayed == [] and count(sessions, Outbox) == 0

    # A session that rolled back and then commits other work publishes only that work.
    with unit_of_work(sessions) as session:
        session.add(Outbox(bericht_id=bericht_id, taak="verwerk_agj"))
        session.flush()
        session.rollback()
        kept = Outbox(bericht_id=bericht_id, taak="verwerk_agj")
        session.add(kept)
    assert relayed == [kept.id] == _all_ids(sessions)


def test_a_rolled_back_savepoint_forgets_only_its_own_rows(sessions, relayed):
    # nummers.next_number rolls back a savepoint when another transaction created the counter
    # first; outbox rows the transaction flushed before it are still committed, so published.
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        before = Outbox(bericht_id=bericht_id, taak="verwerk_agj")
        session.add(before)
        session.flush()
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(Outbox(bericht_id=bericht_id, taak="verwerk_agj"))
            session.flush()
            raise RuntimeError("undone")
        assert relayed == []
    assert relayed == [before.id] == _all_ids(sessions)


def test_a_released_savepoint_publishes_nothing_before_the_enclosing_commit(sessions, relayed):
    # uitvoering runs inside a savepoint and writes the webhook's outbox row there: publishing
    # at the savepoint's release would wake a worker for a row not yet committed, and on the
    # embedded broker wait 30 s for the write lock this very transaction holds.
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        with session.begin_nested():
            inside = Outbox(bericht_id=bericht_id, taak="webhook")
            session.add(inside)
            session.flush()
        assert relayed == []
    assert relayed == [inside.id] == _all_ids(sessions)


def test_a_failing_publish_does_not_undo_the_commit(sessions):
    relay.install(sessions, boom)
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        session.add(Outbox(bericht_id=bericht_id, taak="verwerk_agj"))
    assert count(sessions, Outbox) == 1  # pending: the sweep sends it later


def test_work_published_by_a_handler_goes_out_only_when_the_handler_commits(
        sessions, relayed, ctx, monkeypatch):
    bericht_id = stored_message(sessions)
    with unit_of_work(sessions) as session:
        rows = [Outbox(bericht_id=bericht_id, taak="probe") for _ in range(2)]
        session.add_all(rows)
        session.flush()
        ok, failing = (row.id for row in rows)
    relayed.clear()
    follow_ups = []

    def handler(session, _ctx, row):
        follow_up = Outbox(bericht_id=row.bericht_id, taak="webhook")
        session.add(follow_up)
        session.flush()
        follow_ups.append(follow_up.id)
        assert relayed == []  # not before the commit
        if row.id == failing:
            raise RuntimeError("boom")

    monkeypatch.setitem(outbox.HANDLERS, "probe", handler)
    assert outbox_work.process(sessions, ctx, failing) == "failed"
    assert relayed == []
    assert outbox_work.process(sessions, ctx, ok) == "done"
    assert relayed == [follow_ups[-1]]
    assert set(_all_ids(sessions)) == {ok, failing, follow_ups[-1]}



# -- the attempt is counted before the work starts ----------------------------------------------

def killed(*_args, **_kwargs):
    """The work stops its worker (a kill, an out-of-memory): nothing after the claim runs."""
    raise SystemExit("worker killed")


def test_work_that_kills_its_worker_is_counted_and_leased(
        client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    with unit_of_work(sessions) as session:  # long enough ago for the sweep to send it
        session.get(Outbox, outbox_id).aangemaakt_op = START - timedelta(hours=1)
    with monkeypatch.context() as patch:
        patch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", killed)
        with pytest.raises(SystemExit):
            outbox_work.process(app.state.sessions, ctx, outbox_id)
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen) == ("pending", 1)
    assert utc(row.volgende_poging) == START + outbox.LEASE
    assert count(sessions, Aanvraag) == 0  # the work itself was rolled back
    # Leased: neither a redelivered task nor the sweep takes it up while the lease runs.
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "skipped"
    with unit_of_work(sessions) as session:
        assert outbox.due(session, START + outbox.LEASE - timedelta(seconds=1), MIN_AGE) == []
    clock.advance(outbox.LEASE)
    with unit_of_work(sessions) as session:  # a worker died with it: sent again
        assert outbox.due(session, clock.now, MIN_AGE) == [outbox_id]
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "done"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen, row.volgende_poging) == ("done", 2, None)
    assert count(sessions, Aanvraag) == 1


def test_a_row_that_kills_every_worker_is_given_up_after_max_pogingen(
        client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    monkeypatch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", killed)
    for poging in range(1, MAX_POGINGEN + 1):
        with pytest.raises(SystemExit):
            outbox_work.process(app.state.sessions, ctx, outbox_id)
        assert outbox_row(sessions, outbox_id).pogingen == poging
        clock.advance(outbox.LEASE)
    # No attempt left: the next run gives it up instead of starting the work again.
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "failed"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen, row.volgende_poging) == ("mislukt", MAX_POGINGEN, None)
    assert "never ended" in row.fout
    clock.advance(timedelta(days=1))
    with unit_of_work(sessions) as session:
        assert outbox.due(session, clock.now, MIN_AGE) == []
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "skipped"


def test_a_failure_after_a_killed_attempt_counts_once(
        client, parties, published, app, sessions, ctx, clock, monkeypatch):
    outbox_id = posted_agj(client, parties, published)
    with monkeypatch.context() as patch:
        patch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", killed)
        with pytest.raises(SystemExit):
            outbox_work.process(app.state.sessions, ctx, outbox_id)
    clock.advance(outbox.LEASE)
    monkeypatch.setattr("gateway.domain.aanvraag.toewijzingen.send_jw301", boom)
    assert outbox_work.process(app.state.sessions, ctx, outbox_id) == "failed"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.pogingen, row.fout) == ("pending", 2, "RuntimeError: boom")
    assert utc(row.volgende_poging) == clock.now + backoff(2)
