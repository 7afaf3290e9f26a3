"""What a unit of work needs from outside the database: the schemas, the reference data and
the limits on untrusted XML, built once per process (API lifespan, Celery worker) and passed
in, with the application's one clock.

The clock is `gateway.clock`, read where the work needs it: a Context has no clock of its
own, so a request, a task and the back office read the same time, and a test moves it for
all of them with `gateway.clock.install`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gateway import clock
from gateway.reference import ReferenceData
from gateway.xml.safe import Limits
from gateway.xml.schemas import SchemaSet


@dataclass(frozen=True)
class Context:
    schemas: SchemaSet
    reference: ReferenceData
    limits: Limits = field(default_factory=Limits)

    now = staticmethod(clock.now)  # UTC, aware: for stored timestamps
    local_now = staticmethod(clock.local_now)  # Dutch wall-clock time, for what messages say
    today = staticmethod(clock.today)  # the Dutch calendar date
