"""The retry policy shared by all outbox work (tasks and webhook deliveries)."""
from __future__ import annotations

from datetime import timedelta

PENDING, DONE, MISLUKT = "pending", "done", "mislukt"
MAX_POGINGEN = 10
_BACKOFF = (10, 30, 60, 300, 900, 1800, 3600)  # seconds; the last one repeats


def backoff(poging: int) -> timedelta:
    """Wait after failed attempt number `poging` (1-based)."""
    return timedelta(seconds=_BACKOFF[min(poging, len(_BACKOFF)) - 1])
