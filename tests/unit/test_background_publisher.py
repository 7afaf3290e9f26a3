"""The background publisher: a caller never waits for the broker, a broker that is down is
tried once per back-off (not once per call), and kept ids go out when it is back."""
from __future__ import annotations

import contextvars
import threading
import time

from gateway.work.background_publisher import BackgroundPublisher
from tests.integration.worker import wait_for


class Broker:
    """A publish function whose broker can be made slow or down."""

    def __init__(self) -> None:
        self.down = False
        self.delay = 0.0
        self.attempts = 0
        self.published: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, ids) -> None:
        with self.lock:
            self.attempts += 1
        time.sleep(self.delay)
        if self.down:
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")
        with self.lock:
            self.published.extend(ids)


def test_a_slow_broker_never_delays_the_caller():
    broker = Broker()
    broker.delay = 0.5  # per publish: a caller that waited for even one would take this long
    publisher = BackgroundPublisher(broker)
    began = time.monotonic()
    for n in range(10):
        publisher([n])
    assert time.monotonic() - began < 0.3  # margin for a loaded machine, below one publish
    wait_for(lambda: len(broker.published) == 10, timeout=30)
    assert sorted(broker.published) == list(range(10))


def test_a_broker_that_is_down_is_tried_once_per_backoff_and_gets_everything_when_back():
    broker = Broker()
    broker.down = True
    publisher = BackgroundPublisher(broker, first_backoff=0.05, max_backoff=0.2)
    began = time.monotonic()
    for n in range(200):  # one second of calls while the broker is down
        publisher([n])
        time.sleep(0.005)
    elapsed = time.monotonic() - began
    assert elapsed < 3.0  # no call waited for the broker: 200 waits would take 200 x 5 ms more
    # once per back-off (at most 0.2 s) over the time the calls took, plus the growing first
    # steps: per call it would be 200 attempts
    assert broker.attempts <= 4 + elapsed / 0.2, (broker.attempts, elapsed)
    broker.down = False
    wait_for(lambda: len(broker.published) == 200, timeout=5)
    assert broker.published == list(range(200))  # each once, in order


def test_ids_beyond_the_capacity_are_left_to_the_sweep():
    broker = Broker()
    broker.down = True
    publisher = BackgroundPublisher(broker, capacity=5, first_backoff=0.05, max_backoff=0.05)
    for n in range(20):
        publisher([n])
    time.sleep(0.2)
    broker.down = False
    wait_for(lambda: broker.published, timeout=5)
    time.sleep(0.2)
    assert broker.published == [0, 1, 2, 3, 4]


def test_close_publishes_what_is_queued():
    broker = Broker()
    broker.delay = 0.01
    publisher = BackgroundPublisher(broker)
    for n in range(10):
        publisher([n])
    publisher.close(timeout=5)
    assert sorted(broker.published) == list(range(10))


def test_each_call_is_published_in_its_callers_context():
    # The Celery publisher reads the request's correlation id from a context variable.
    request_id = contextvars.ContextVar("request_id", default=None)
    seen: list[tuple[int, str | None]] = []
    publisher = BackgroundPublisher(lambda ids: seen.extend((n, request_id.get()) for n in ids))
    for n in range(5):
        token = request_id.set(f"req-{n}")
        publisher([n])
        request_id.reset(token)
    publisher.close(timeout=5)
    assert seen == [(n, f"req-{n}") for n in range(5)]
