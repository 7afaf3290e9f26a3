"""What must hold after a fault, read from the database itself.

1. Every message that got an answer about a stored message (202, 400, 403, 422) is stored
   with exactly that answer: status and body byte for byte, and `Location` names its row.
2. A 5xx answer is a 503 problem+json with `Retry-After` (never a 500), and the same bytes
   sent again are then answered for good: accepted, or the first answer replayed.
3. Every accepted aanvraag has, within a deadline, exactly one aanvraag row (granted), one
   beschikking, one toewijzing and one JW301 in the postbus; before that never more than one.
4. No effect happened twice, anywhere in the database: no message, aanvraag, beschikking,
   toewijzing, JW301 or outbox task twice, and every piece of work done.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from gateway import clock
from gateway.db.models import Aanvraag, Bericht, Beschikking, Outbox, PostbusItem, Toewijzing
from tests.fault.load import Answer, Sent

STORED = (202, 400, 403, 422)


@dataclass
class Grant:
    bericht_id: int
    ontvangen_op: datetime
    jw301_at: datetime | None


def answer_problems(sent: list[Sent]) -> list[str]:
    """Answers that break the contract by themselves: a 500, a 503 without Retry-After, a
    message the stream sends (valid, automatically granted) that was not accepted at last."""
    problems = []
    for record in sent:
        for answer in [record.answer, *record.retries]:
            if isinstance(answer, Answer) and answer.status >= 500 and (
                    answer.status != 503 or "retry-after" not in answer.headers
                    or not answer.headers.get("content-type", "").startswith("application/problem+json")):
                problems.append(f"{record.identificatie}: {answer.status} "
                                f"{answer.headers.get('content-type')} {answer.content[:200]!r}")
        final = record.final
        if final is None:
            problems.append(f"{record.identificatie}: no answer, also not when sent again "
                            f"({record.error}; {record.retries})")
        elif final.status != 202:
            problems.append(f"{record.identificatie}: finally {final.status} {final.content[:300]!r}")
    return problems


def stored_problems(engine: Engine, sent: list[Sent]) -> list[str]:
    """Each answer about a stored message against the stored row (guarantee 1)."""
    problems = []
    with engine.connect() as connection:
        for record in sent:
            rows = connection.execute(select(Bericht.id, Bericht.antwoord_status, Bericht.antwoord)
                                      .where(Bericht.richting == "in",
                                             Bericht.identificatie == record.identificatie)).all()
            answers = [a for a in [record.answer, *record.retries] if isinstance(a, Answer)]
            if len(rows) > 1:
                problems.append(f"{record.identificatie}: stored {len(rows)} times")
            for answer in answers:
                if answer.status not in STORED:
                    continue
                if not rows:
                    problems.append(f"{record.identificatie}: answered {answer.status} but not stored")
                    continue
                bericht_id, status, body = rows[0]
                if (status, bytes(body or b"")) != (answer.status, answer.content):
                    problems.append(f"{record.identificatie}: answered {answer.status}, stored {status} "
                                    f"(bodies {'equal' if bytes(body or b'') == answer.content else 'differ'})")
                if answer.headers.get("location") != f"/api/v1/berichten/{bericht_id}":
                    problems.append(f"{record.identificatie}: Location {answer.headers.get('location')}")
    return problems


def grants(engine: Engine, sent: list[Sent]) -> tuple[dict[str, Grant], list[str]]:
    """Per accepted message its grant as far as it got, and what is wrong beyond 'not yet'
    (more than one of anything, a decision other than an automatic grant)."""
    accepted = {r.identificatie: r for r in sent if r.final is not None and r.final.status == 202}
    found: dict[str, Grant] = {}
    problems = []
    with engine.connect() as connection:
        for identificatie, record in accepted.items():
            row = connection.execute(select(Bericht.id, Bericht.ontvangen_op).where(
                Bericht.richting == "in", Bericht.identificatie == identificatie)).first()
            if row is None:
                problems.append(f"{identificatie}: accepted, but no message stored")
                continue
            aanvragen = connection.execute(select(Aanvraag.id, Aanvraag.status).where(
                Aanvraag.bericht_id == row.id)).all()
            beschikkingen = toewijzingen = 0
            if len(aanvragen) > 1:
                problems.append(f"{identificatie}: {len(aanvragen)} aanvragen")
            if aanvragen:
                aanvraag_id, status = aanvragen[0]
                if status != "toegekend":
                    problems.append(f"{identificatie}: aanvraag {status}, not granted automatically")
                beschikkingen = _count(connection, Beschikking, Beschikking.aanvraag_id == aanvraag_id)
                toewijzingen = _count(connection, Toewijzing, Toewijzing.aanvraag_id == aanvraag_id)
            jw301 = connection.execute(
                select(PostbusItem.aangemaakt_op).join(Bericht, Bericht.id == PostbusItem.bericht_id)
                .where(Bericht.richting == "uit", Bericht.berichttype == "JW301", Bericht.bsn == record.bsn)).all()
            for what, count in (("beschikkingen", beschikkingen), ("toewijzingen", toewijzingen),
                                ("JW301s", len(jw301))):
                if count > 1:
                    problems.append(f"{identificatie}: {count} {what}")
            complete = aanvragen and beschikkingen == toewijzingen == len(jw301) == 1
            found[identificatie] = Grant(row.id, row.ontvangen_op, jw301[0][0] if complete else None)
    return found, problems


def _count(connection, model, *where) -> int:
    return connection.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def wait_for_grants(engine: Engine, sent: list[Sent], *, timeout: float) -> dict[str, Grant]:
    """Every accepted message's grant, complete; fails at the deadline naming what is missing
    and at once when anything exists twice."""
    deadline = time.monotonic() + timeout
    while True:
        found, problems = grants(engine, sent)
        assert not problems, "\n".join(problems)
        missing = sorted(i for i, g in found.items() if g.jw301_at is None)
        accepted = sum(1 for r in sent if r.final is not None and r.final.status == 202)
        if not missing and len(found) == accepted:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(missing)} accepted aanvragen without their beschikking, toewijzing "
                                 f"and JW301 after {timeout:.0f} s: {missing[:20]}")
        time.sleep(0.25)


def duplicate_problems(engine: Engine) -> list[str]:
    """No effect twice in the whole database, and no work left undone (guarantee 4)."""
    checks = {
        "inbound messages with one identificatie": select(Bericht.identificatie).where(
            Bericht.richting == "in").group_by(Bericht.identificatie).having(func.count() > 1),
        "aanvragen of one message": select(Aanvraag.bericht_id).group_by(Aanvraag.bericht_id)
        .having(func.count() > 1),
        "beschikkingen of one aanvraag": select(Beschikking.aanvraag_id).group_by(Beschikking.aanvraag_id)
        .having(func.count() > 1),
        "beschikkingen with one number": select(Beschikking.nummer).group_by(Beschikking.nummer)
        .having(func.count() > 1),
        "toewijzingen of one aanvraag": select(Toewijzing.aanvraag_id).group_by(Toewijzing.aanvraag_id)
        .having(func.count() > 1),
        "toewijzingen with one number": select(Toewijzing.gemeente, Toewijzing.nummer)
        .group_by(Toewijzing.gemeente, Toewijzing.nummer).having(func.count() > 1),
        "JW301s for one client": select(Bericht.bsn).where(Bericht.richting == "uit", Bericht.berichttype == "JW301")
        .group_by(Bericht.bsn).having(func.count() > 1),
        "outbox tasks of one kind for one message": select(Outbox.bericht_id, Outbox.taak)
        .group_by(Outbox.bericht_id, Outbox.taak).having(func.count() > 1),
    }
    problems = []
    with engine.connect() as connection:
        for what, query in checks.items():
            rows = connection.execute(query.limit(10)).all()
            if rows:
                problems.append(f"{what}: {[tuple(r) for r in rows]}")
        undone = connection.execute(select(Outbox.id, Outbox.taak, Outbox.status, Outbox.fout)
                                    .where(Outbox.status != "done").limit(10)).all()
        if undone:
            problems.append(f"outbox work not done: {[tuple(r) for r in undone]}")
    return problems


def wait_for_outbox_done(engine: Engine, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            left = _count(connection, Outbox, Outbox.status != "done")
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.25)


def seconds_after(moment: datetime, later: datetime) -> float:
    return (later - moment).total_seconds()


def now() -> datetime:
    """The application's clock (tests pin it to the examples' day, as the processes do)."""
    return clock.now()
