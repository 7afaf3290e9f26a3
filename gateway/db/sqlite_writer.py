"""One writer at a time per process on SQLite, waiting in line instead of in SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in its busy handler, which polls: it sleeps 1, 2, 5, 10 ... up to 100 ms between tries,
and whoever tries at the right moment wins, however long the others have waited. Under a
burst of messages (16 request threads on the embedded default) that made the slowest answers
take seconds while the median took tens of milliseconds (docs/performance.md).

So the threads of one process take a lock before their transaction's first write and give it
back when the transaction has ended: they queue and are woken the moment the writer before them
commits. Reads never take it (WAL lets them run beside the writer). Other processes (the
embedded worker, a second API process) still meet at SQLite's own lock, now with one
contender per process instead of one per thread.

The lock is a semaphore, not a re-entrant lock: a transaction ends on the thread that began
it, but a pool may reset a connection from another (garbage collection). A thread that opened a second writing
connection while its first held the lock would wait for itself; SQLite would refuse that
write anyway (the first holds its write lock), so after the same 30 seconds the write fails
as it always would.
"""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

WAIT_SECONDS = 30  # as long as SQLite's busy_timeout (gateway.db.session.sqlite_pragmas)
_HOLDS = "gateway_write_lock"
# A SAVEPOINT starts SQLite's transaction at once, so its first read fixes the snapshot and a
# later write after another's commit would fail at once: it waits for its turn too.
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT"})


def _no_turn() -> OperationalError:
    """What a write that got no turn within WAIT_SECONDS raises: the error SQLite gives when its
    own lock stays taken, so it is answered 503 with Retry-After as that is."""
    return OperationalError("waiting for the write lock", None,
                            Exception(f"database is locked (no turn to write within {WAIT_SECONDS} s)"))


def install(engine: Engine) -> None:
    """Make the engine's connections take the process's write lock before their first write."""
    turn = threading.BoundedSemaphore(1)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if conn.info.get(_HOLDS) or statement.lstrip()[:9].split(None, 1)[0].upper() not in _WRITES:
            return
        if not turn.acquire(timeout=WAIT_SECONDS):
            raise _no_turn()
        conn.info[_HOLDS] = True

    # Given back when the connection goes back to the pool (or is closed or invalidated),
    # which is after its COMMIT or ROLLBACK ran: the Connection's own commit and rollback
    # events come before them, and the next writer would find SQLite's lock still taken.
    def give_back(record) -> None:
        if record.info.pop(_HOLDS, False):
            turn.release()

    event.listen(engine, "reset", lambda _dbapi, record, _state: give_back(record))
    event.listen(engine, "close", lambda _dbapi, record: give_back(record))
    event.listen(engine, "invalidate", lambda _dbapi, record, _exception: give_back(record))
