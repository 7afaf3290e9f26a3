"""The intake's table of message types (gateway.intake.handlers): every type the gateway takes
in has a handler, and every follow-up task a handler leaves is one the outbox can run."""
from __future__ import annotations

from gateway.db import taken
from gateway.intake.handlers import ANSWERED, HANDLERS
from gateway.messages import BY_NAME, RECEIVABLE
from gateway.work import queue as outbox


def test_every_receivable_message_type_has_a_handler_and_no_other():
    assert sorted(HANDLERS) == sorted(RECEIVABLE)


def test_every_follow_up_task_has_a_handler_in_the_outbox():
    tasks = {name: h.follow_up for name, h in HANDLERS.items() if h.follow_up is not None}
    assert tasks  # the requests leave one
    assert {name: task for name, task in tasks.items() if task not in outbox.HANDLERS} == {}


def test_a_heen_bericht_is_recorded_at_once_or_left_to_a_task_never_both():
    for name, handler in HANDLERS.items():
        if handler.flow is ANSWERED:
            assert (handler.record is None) != (handler.follow_up is None), name
            assert BY_NAME[name].retour is not None, name  # answered by its retour
        else:
            assert handler.record is None and handler.follow_up is None, name


def test_the_stored_task_names_stay_as_they_were():
    # Rows in existing databases carry these strings.
    assert [HANDLERS[name].follow_up for name in ("AGJ", "JW315", "JW317")] == [
        "verwerk_agj", "verwerk_jw315", "verwerk_jw317"]
    assert (taken.UITVOEREN, taken.ONDERZOEK_MELDEN) == ("uitvoeren_besluit", "uitvoeren_onderzoek")
