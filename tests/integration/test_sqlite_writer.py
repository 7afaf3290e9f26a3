"""SQLite writers of one process take turns on a lock instead of polling in SQLite's busy
handler (gateway.db.sqlite_writer): the turn is taken at the first write, given back when the
connection goes back to the pool, also after a failure, and reads never wait for it."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from gateway.db.session import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _held_write(engine, started: threading.Event, release: threading.Event) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        started.set()
        release.wait(10)


def test_a_second_writer_waits_for_the_first_to_finish_and_then_writes(engine, monkeypatch):
    # SQLite's own busy handler would give up at once: only the turn makes the second wait.
    monkeypatch.setattr("gateway.db.sqlite_writer.WAIT_SECONDS", 10)
    started, release, done = threading.Event(), threading.Event(), []
    first = threading.Thread(target=_held_write, args=(engine, started, release))
    first.start()
    assert started.wait(10)

    def second() -> None:
        with engine.begin() as connection:
            connection.execute(text("PRAGMA busy_timeout=0"))
            connection.execute(text("INSERT INTO t VALUES (2)"))
        done.append(time.monotonic())

    waiting = threading.Thread(target=second)
    waiting.start()
    time.sleep(0.3)
    assert done == []  # still in line behind the first writer
    released_at = time.monotonic()
    release.set()
    first.join(10)
    waiting.join(10)
    assert done and done[0] >= released_at
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_a_reader_does_not_wait_for_a_writer(engine):
    started, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_held_write, args=(engine, started, release))
    writer.start()
    try:
        assert started.wait(10)
        began = time.monotonic()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0  # not committed yet
        assert time.monotonic() - began < 1
    finally:
        release.set()
        writer.join(10)


def test_a_failed_transaction_gives_its_turn_back(engine, monkeypatch):
    monkeypatch.setattr("gateway.db.sqlite_writer.WAIT_SECONDS", 1)
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("the message failed")
    with engine.begin() as connection:  # would wait a second and fail if the turn were still held
        connection.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [2]


def test_no_turn_within_the_wait_is_an_unavailable_database(engine, monkeypatch):
    from gateway.db.session import UNAVAILABLE

    monkeypatch.setattr("gateway.db.sqlite_writer.WAIT_SECONDS", 0.2)
    started, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_held_write, args=(engine, started, release))
    writer.start()
    try:
        assert started.wait(10)
        with pytest.raises(UNAVAILABLE, match="database is locked"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        release.set()
        writer.join(10)
