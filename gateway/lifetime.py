"""Child processes that do not outlive the command that started them."""
from __future__ import annotations

import signal


def die_with_parent() -> None:
    """Linux: this process gets SIGTERM when its parent dies, even by SIGKILL, so a killed
    `gateway serve` leaves no worker behind and no API process answering on its port. Called
    in the child (a `preexec_fn`, or first thing in an API process); elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the child then outlives a killed serve
