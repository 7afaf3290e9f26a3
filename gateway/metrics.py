"""Prometheus metrics: counts and durations only, never a BSN, a name or message content.

Labels take values from small fixed sets (message types, outcomes, task names), never from
what a client sends or who it is about.

Several processes (the API, `gateway worker` and its pool children) each count for
themselves. prometheus-client's multiprocess mode adds them up: every process that has
`PROMETHEUS_MULTIPROC_DIR` in its environment *before it imports prometheus_client* writes
its values to files there, and `/metrics` reads them all. `gateway serve` makes a private
directory, new and empty, for itself and its children when none is set and it has any: the
embedded worker, or the API processes of `--workers N`; it removes it when it stops.
Processes started apart (`gateway worker` beside `gateway serve`) must be given the same
directory, emptied before they start (never while one of them runs: its counts would go on
into a file nobody reads). Without one a process reports only its own counts.

What is state rather than an event (work pending in the outbox, the age of the oldest,
deadlines overdue) is read from the database at each scrape, so it is right whichever
process did the work (`gateway.api.metrics`, which serves them).
"""
from __future__ import annotations

import logging
import os

from prometheus_client import Counter, Histogram

_log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES = Counter(
    "gateway_messages_received", "Messages received at the intake, by message type and outcome",
    ["message", "outcome"])
INTAKE_SECONDS = Histogram(
    "gateway_intake_duration_seconds", "Time from a message's intake to its committed answer",
    ["message"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TASK_SECONDS = Histogram(
    "gateway_task_duration_seconds", "Duration of a Celery task, by task and outcome",
    ["task", "outcome"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
TASK_FAILURES = Counter(
    "gateway_task_failures", "Tasks whose work failed (it is retried from the outbox)", ["task"])
WEBHOOK_FAILURES = Counter(
    "gateway_webhook_failures", "Webhook attempts that failed, by kind (http: a non-2xx answer, "
    "network: no answer)", ["kind"])

UNKNOWN = "onbekend"  # a message whose type could not be read


def message_received(message: str | None, outcome: str, seconds: float | None = None) -> None:
    """Counted after the message's commit: a metrics failure (say, the multiprocess directory
    removed under a running process) is logged and never turns a stored message into a 500."""
    label = message or UNKNOWN
    try:
        MESSAGES.labels(label, outcome).inc()
        if seconds is not None:
            INTAKE_SECONDS.labels(label).observe(seconds)
    except Exception:
        _log.exception("metrics for a received %s not recorded", label)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
