"""Faults under load: a steady stream of automatically granted aanvraagformulieren (5 a second)
while Redis restarts, PostgreSQL stops, the worker or the API is killed with -9, or a
provider's webhook hangs and answers 500. After each, read from the database: every answer
about a stored message is stored byte for byte, every accepted aanvraag has exactly one
beschikking, toewijzing and JW301, nothing happened twice, and how long recovery took.

Bounded: each scenario sends at most a few hundred messages, every wait has a deadline.
Runs with GATEWAY_FAULT_SUITE=1 only (see conftest.py); loopback only, own PostgreSQL and Redis."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, select

from gateway.db.models import WebhookPoging
from tests.fault import checks
from tests.fault.conftest import AGB, FIGURES, Figures
from tests.fault.load import Load, Sent
from tests.fault.receiver import ERROR, HANG, OK, Receiver

pytestmark = pytest.mark.fault

RECOVERY_DEADLINE = 90.0  # seconds from the fault's end until every grant must be complete


@dataclass
class Run:
    sent: list[Sent]
    fault_start: float  # monotonic
    fault_end: float  # monotonic: when the test started undoing the fault
    fault_end_at: datetime  # the same moment on the application's clock

    def during_fault(self) -> list[Sent]:
        return [r for r in self.sent if self.fault_start <= r.sent_at <= self.fault_end]


def under_load(stack, messages, prefix: str, fault: Callable[[], None], undo: Callable[[], None], *,
               before: float = 3.0, down: float = 3.0, after: float = 3.0, rate: float = 5.0) -> Run:
    """Stream messages; `before` s in, cause the fault; `down` s later undo it; stream `after`
    s more; then send again what got no answer or a 5xx, as a provider would."""
    load = Load(stack.api.base_url, stack.provider_token, messages, prefix, rate=rate)
    try:
        with load:
            time.sleep(before)
            fault_start = time.monotonic()
            fault()
            time.sleep(down)
            fault_end, fault_end_at = time.monotonic(), checks.now()
            undo()
            time.sleep(after)
        load.resend_unanswered()
    finally:
        load.close()
    return Run(load.sent, fault_start, fault_end, fault_end_at)


def verify(database, run: Run) -> tuple[dict[str, checks.Grant], list[str], float]:
    """The guarantees for one run; returns the grants, the problems found and the recovery
    time: from the fault's end until the API accepted again and every message received
    before that had its JW301."""
    problems = checks.answer_problems(run.sent) + checks.stored_problems(database, run.sent)
    found = checks.wait_for_grants(database, run.sent, timeout=RECOVERY_DEADLINE)
    checks.wait_for_outbox_done(database, timeout=30)
    problems += checks.duplicate_problems(database)
    work = max([checks.seconds_after(run.fault_end_at, g.jw301_at) for g in found.values()
                if g.ontvangen_op <= run.fault_end_at] + [0.0])
    answered_again = [r.sent_at + r.answer.seconds - run.fault_end for r in run.sent
                      if r.sent_at >= run.fault_end and r.answer is not None and r.answer.status == 202]
    if not answered_again:
        problems.append("no message sent after the fault was accepted")
    return found, problems, max(work, min(answered_again, default=0.0))


def record(scenario: str, run: Run, recovery: float, note: str = "") -> None:
    FIGURES.append(Figures(scenario, len(run.sent), sum(1 for r in run.sent if r.answer is not None),
                           sum(1 for r in run.sent if r.final is not None and r.final.status == 202),
                           recovery, note))


def summary(problems: list[str], shown: int = 12) -> str:
    more = f"\n... and {len(problems) - shown} more" if len(problems) > shown else ""
    return f"{len(problems)} problems:\n" + "\n".join(problems[:shown]) + more


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def slowest_answers(run: Run) -> str:
    seconds = [r.answer.seconds for r in run.during_fault() if r.answer is not None]
    return f"answers during fault p95 {p95(seconds):.2f} s, max {max(seconds, default=0):.2f} s"


def test_a_redis_restart(up, database, messages):
    # Down for a few seconds, then back empty (no persistence): every queued wake-up call is
    # lost, the sweep must find the work in the database. The answers never wait for it.
    run = under_load(up, messages, "A", up.redis.kill, up.redis.start)
    _found, problems, recovery = verify(database, run)
    during = [r.answer.seconds for r in run.during_fault() if r.answer is not None]
    record("(a) Redis restart (3 s down)", run, recovery, slowest_answers(run))
    if p95(during) >= 0.5:
        problems.append(f"answers wait for the broker while it is down: p95 {p95(during):.2f} s")
    assert not problems, summary(problems)


def test_b_postgres_stop(up, database, messages):
    # A hard stop (connections cut, no checkpoint) for a few seconds: answers in between are
    # 503 with Retry-After, nothing half-written, the same bytes sent again are accepted once.
    run = under_load(up, messages, "B", lambda: up.postgres.stop("immediate"), up.postgres.start, down=4.0)
    _found, problems, recovery = verify(database, run)
    statuses = Counter(r.answer.status if r.answer else "none" for r in run.sent)
    record("(b) PostgreSQL stop (4 s, immediate)", run, recovery, f"first answers {dict(statuses)}")
    assert not problems, summary(problems)


def test_c_worker_kill(up, database, messages):
    # kill -9 of the worker's whole process group, mid-work: what it had claimed is rolled
    # back by the database, what it had taken from Redis comes back through the sweep.
    run = under_load(up, messages, "C", up.worker.kill, up.worker.start, down=2.0)
    _found, problems, recovery = verify(database, run)
    record("(c) worker kill -9 (2 s down)", run, recovery, "recovery includes the worker's start")
    assert not problems, summary(problems)


def test_d_api_kill(up, database, messages):
    # kill -9 of `gateway serve`: requests in flight get no answer (those may or may not be
    # stored); sent again, each is accepted once or answered with its stored first answer.
    run = under_load(up, messages, "D", up.api.kill, up.api.start, down=1.0)
    _found, problems, recovery = verify(database, run)
    unanswered = sum(1 for r in run.sent if r.answer is None)
    replays = sum(1 for r in run.sent for a in r.retries
                  if not isinstance(a, str) and a.headers.get("idempotent-replay") == "true")
    record("(d) API kill -9 (1 s down)", run, recovery,
           f"{unanswered} without answer, {replays} of them stored already (replayed)")
    assert not problems, summary(problems)


def test_e_webhook_hangs_then_500(up, database, messages):
    # A provider's webhook that first hangs (longer than the gateway's timeout), then answers
    # 500, then 200. Grants go on at their normal pace; every attempt is recorded and retried,
    # and once the endpoint answers 200 every postbus item is announced.
    with Receiver() as receiver:
        receiver.secret = up.gateway("provider", "webhook", "--agb", AGB, "--url", receiver.url)
        try:
            def fault():
                receiver.mode = HANG

            def undo():
                receiver.mode = OK

            def hang_then_500():
                fault()
                time.sleep(10.0)
                receiver.mode = ERROR

            # 3 a second: below what one worker grants on a busy 2-core machine, so that what
            # slows the grants down is the webhook, not the stream itself.
            run = under_load(up, messages, "E", hang_then_500, undo, before=4.0, down=4.0, after=3.0, rate=3.0)
            found, problems, _ = verify_grants_only(database, run)
            delivered = wait_for_deliveries(receiver, database, found, timeout=RECOVERY_DEADLINE)
            checks.wait_for_outbox_done(database, timeout=30)
            problems += checks.duplicate_problems(database)
        finally:
            up.gateway("provider", "webhook", "--agb", AGB, "--off")
    problems += webhook_problems(receiver, database, delivered)
    # Compared with the same stream just before the fault, on the same (shared, busy) machine:
    # grants that queue behind webhook attempts take seconds more, and more the longer it lasts.
    before = grant_seconds(found, [r for r in run.sent if r.sent_at < run.fault_start])
    during = grant_seconds(found, run.during_fault())
    if p95(during) > max(3 * p95(before), p95(before) + 3.0):
        problems.append(f"grants slowed down by the failing webhook: JW301 p95 {p95(during):.1f} s after the "
                        f"aanvraag (max {max(during):.1f} s), before the fault {p95(before):.1f} s")
    first_ok = [min(d.at for d in receiver.snapshot() if d.bericht_id == b and d.mode == OK)
                for b in delivered]
    recovery = max(first_ok, default=run.fault_end) - run.fault_end
    duplicates = sum(n - 1 for n in Counter(d.bericht_id for d in receiver.snapshot() if d.mode == OK).values())
    record("(e) webhook hangs 10 s, 500 for 4 s", run, max(recovery, 0.0),
           f"JW301 p95 {p95(during):.2f} s after the aanvraag ({p95(before):.2f} s before); "
           f"{len(receiver.snapshot())} attempts, "
           f"{duplicates} duplicate deliveries")
    assert not problems, summary(problems)


def grant_seconds(found: dict[str, checks.Grant], sent: list[Sent]) -> list[float]:
    """Seconds from each message's receipt to its JW301 in the postbus."""
    return [checks.seconds_after(found[r.identificatie].ontvangen_op, found[r.identificatie].jw301_at)
            for r in sent if r.identificatie in found]


def verify_grants_only(database, run: Run):
    problems = checks.answer_problems(run.sent) + checks.stored_problems(database, run.sent)
    return checks.wait_for_grants(database, run.sent, timeout=RECOVERY_DEADLINE), problems, 0.0


def wait_for_deliveries(receiver: Receiver, database, found: dict[str, checks.Grant], *,
                        timeout: float) -> set[int]:
    """The JW301 message ids of `found`, once each was delivered with a 200."""
    from gateway.db.models import Bericht, PostbusItem

    with database.connect() as connection:
        bsns = {bsn for (bsn,) in connection.execute(select(Bericht.bsn).where(
            Bericht.richting == "in", Bericht.id.in_([g.bericht_id for g in found.values()])))}
        ids = {i for (i,) in connection.execute(
            select(PostbusItem.bericht_id).join(Bericht, Bericht.id == PostbusItem.bericht_id)
            .where(Bericht.berichttype == "JW301", Bericht.bsn.in_(bsns)))}
    deadline = time.monotonic() + timeout
    while True:
        ok = {d.bericht_id for d in receiver.snapshot() if d.mode == OK}
        if ids <= ok:
            return ids
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(ids - ok)} of {len(ids)} postbus items never delivered to the webhook "
                                 f"within {timeout:.0f} s: {sorted(ids - ok)[:20]}")
        time.sleep(0.25)


def webhook_problems(receiver: Receiver, database, delivered: set[int]) -> list[str]:
    """Every attempt the endpoint saw is recorded (with its failure), every one signed, and
    none delivered twice after a 200."""
    seen = [d for d in receiver.snapshot() if d.bericht_id in delivered]
    problems = [f"unsigned or badly signed delivery {d.delivery}" for d in seen if not d.signed]
    with database.connect() as connection:
        recorded = dict(connection.execute(select(WebhookPoging.bericht_id, func.count()).where(
            WebhookPoging.bericht_id.in_(delivered)).group_by(WebhookPoging.bericht_id)).all())
        failed = connection.execute(select(func.count()).select_from(WebhookPoging).where(
            WebhookPoging.bericht_id.in_(delivered), WebhookPoging.geslaagd.is_(False))).scalar_one()
    attempts = Counter(d.bericht_id for d in seen)
    if dict(attempts) != recorded:
        wrong = {b: (attempts.get(b), recorded.get(b)) for b in set(attempts) | set(recorded)
                 if attempts.get(b) != recorded.get(b)}
        problems.append(f"attempts seen by the endpoint != attempts recorded (seen, recorded): {wrong}")
    if failed != sum(1 for d in seen if d.mode != OK):
        problems.append(f"{failed} failed attempts recorded, the endpoint failed "
                        f"{sum(1 for d in seen if d.mode != OK)}")
    twice = [b for b, n in Counter(d.bericht_id for d in seen if d.mode == OK).items() if n > 1]
    if twice:
        problems.append(f"delivered more than once after a 200: {twice}")
    if not any(d.mode == HANG for d in seen) or not any(d.mode == ERROR for d in seen):
        problems.append("the endpoint never hung or never answered 500: the scenario tested nothing")
    return problems
