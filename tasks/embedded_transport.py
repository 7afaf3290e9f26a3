"""The embedded broker: kombu's SQLAlchemy transport on the gateway's own database, polled
every 0.1 s instead of kombu's 1 s. With one task in flight per pool process (prefetch 1)
the worker fetches the next message only at the next poll, so kombu's default let the
embedded worker run about one task a second and a queue of sweeps and retries grew in front
of the next grant. An idle poll is one short query."""
from __future__ import annotations

from kombu.transport import sqlalchemy


class Transport(sqlalchemy.Transport):
    polling_interval = 0.1
