"""The task names and how committed outbox ids reach the workers: shared by the Celery app
(tasks.celery_app), the tasks (tasks.verwerking) and the API's publisher (gateway.main)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from celery import Celery

from gateway import correlation

QUEUE = "gateway"
OUTBOX_TASK = "gateway.outbox"
SWEEP_TASK = "gateway.sweep"
SIGNALEN_TASK = "gateway.signalen"
BEWAARTERMIJN_TASK = "gateway.bewaartermijn"
HEADER = "request_id"  # the task header that carries the correlation id


def publisher(app: Celery) -> Callable[[Iterable[int]], None]:
    """A `gateway.work.relay` publish function: one task per outbox id, carrying the correlation id
    bound now (the request's, or the running task's) as a task header."""
    def publish(ids: Iterable[int]) -> None:
        headers = {HEADER: request_id} if (request_id := correlation.current()) else None
        for outbox_id in ids:
            app.send_task(OUTBOX_TASK, args=[outbox_id], queue=QUEUE, headers=headers)
    return publish
