"""Numbers and terms: the per-gemeente counters (gateway.domain.aanvraag.nummers; TR332/OP275, UP037),
the bezwaar term of a beschikking (Awb 6:7/6:8 with the Algemene termijnenwet) and the answer
term of an aanvraag (OP274/OP346: 5 werkdagen after receipt; 8 weeks after the Dagtekening once
it is 'in onderzoek').

Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from gateway.context import Context
from gateway.db.models import Bericht, Beschikking, Nummerreeks, Partij
from gateway.db.session import unit_of_work
from gateway.domain.aanvraag import aanvragen, beschikkingen, besluiten, nummers
from gateway.main import create_app
from gateway.settings import Settings
from tests.route import post, request, run_work
from tests.support import example, reference, schemas

GEMEENTE = "0363"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def draw(sessions, gemeente: str, soort: str = nummers.TOEWIJZING, times: int = 1) -> list[int]:
    """`times` numbers in one transaction."""
    with unit_of_work(sessions) as session:
        return [nummers.next_number(session, gemeente, soort) for _ in range(times)]


# -- nummers.next_number -------------------------------------------------------------------------

def test_numbers_count_up_per_gemeente_and_soort(sessions):
    assert draw(sessions, GEMEENTE) == [1]
    assert draw(sessions, GEMEENTE, times=2) == [2, 3]  # within one transaction too
    assert draw(sessions, "0599") == [1]  # another gemeente has its own counter
    assert draw(sessions, GEMEENTE, nummers.BESCHIKKING) == [1]  # and so has another soort
    assert draw(sessions, GEMEENTE) == [4]
    assert draw(sessions, "0599", times=2) == [2, 3]
    assert draw(sessions, GEMEENTE, nummers.BESCHIKKING) == [2]


def test_a_rolled_back_transaction_gives_its_number_back(sessions):
    assert draw(sessions, GEMEENTE) == [1]
    with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
        assert nummers.next_number(session, GEMEENTE, nummers.TOEWIJZING) == 2
        raise RuntimeError("the work failed")
    assert draw(sessions, GEMEENTE) == [2]
    # Also when the rolled-back transaction was the one that created the counter.
    with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
        assert nummers.next_number(session, "0599", nummers.TOEWIJZING) == 1
        raise RuntimeError("the work failed")
    assert draw(sessions, "0599") == [1]


def test_a_toewijzingnummer_never_outgrows_ldt_nummer(sessions):
    draw(sessions, GEMEENTE)
    draw(sessions, GEMEENTE, nummers.BESCHIKKING)
    with unit_of_work(sessions) as session:
        session.execute(update(Nummerreeks).values(laatste=999_999_998))
    assert draw(sessions, GEMEENTE) == [999_999_999]
    with pytest.raises(nummers.NummerreeksVol):
        draw(sessions, GEMEENTE)
    assert draw(sessions, GEMEENTE, nummers.BESCHIKKING) == [999_999_999]  # no such limit there


@pytest.mark.parametrize("existing", [False, True], ids=["new-counter", "existing-counter"])
def test_concurrent_draws_get_distinct_numbers(sessions, existing):
    """Threads with their own sessions draw at once, also when the counter does not exist yet
    (then they race to create it); every number is handed out exactly once, without gaps."""
    threads, per_thread = 8, 5
    start = draw(sessions, GEMEENTE)[0] if existing else 0
    barrier = threading.Barrier(threads)
    drawn: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                drawn.extend(draw(sessions, GEMEENTE))
        except BaseException as exc:  # reported below, with the numbers
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert sorted(drawn) == list(range(start + 1, start + threads * per_thread + 1))


def test_a_counter_another_transaction_creates_meanwhile_is_not_read_as_ours(sessions, engine):
    """The interleaving behind duplicate numbers on PostgreSQL, made to happen: our update
    finds no counter yet; another transaction that created it (drawing 1) commits before
    our next statement. We must draw 2, never read that transaction's 1 as ours."""
    first = sessions()
    assert nummers.next_number(first, GEMEENTE, nummers.TOEWIJZING) == 1  # not committed yet
    ours: list[int] = []  # the thread id, then the number it drew
    reading, committed = threading.Event(), threading.Event()

    def hold_the_read(_conn, _cursor, statement, *_args):
        if ours[:1] == [threading.get_ident()] and statement.lstrip().upper().startswith("SELECT"):
            reading.set()
            committed.wait(10)

    def second() -> None:
        ours.append(threading.get_ident())
        ours.extend(draw(sessions, GEMEENTE))

    event.listen(engine, "before_cursor_execute", hold_the_read)
    try:
        thread = threading.Thread(target=second)
        thread.start()
        # PostgreSQL: the second one's update matched nothing and it is about to read. SQLite:
        # its update waits for the database lock instead, so it never gets here first.
        reading.wait(1)
        first.commit()
        committed.set()
        thread.join()
    finally:
        event.remove(engine, "before_cursor_execute", hold_the_read)
        first.close()
    assert ours[1:] == [2]


def test_concurrent_draws_for_two_gemeenten_do_not_mix(sessions):
    barrier = threading.Barrier(6)
    drawn: dict[str, list[int]] = {GEMEENTE: [], "0599": []}

    def worker(gemeente: str) -> None:
        barrier.wait()
        for _ in range(4):
            drawn[gemeente].extend(draw(sessions, gemeente))

    pool = [threading.Thread(target=worker, args=(g,)) for g in (GEMEENTE, "0599") * 3]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert sorted(drawn[GEMEENTE]) == sorted(drawn["0599"]) == list(range(1, 13))


# -- the bezwaar term (6 weeks, Atw art. 1) -----------------------------------------------------

@pytest.mark.parametrize("datum, uiterlijk", [
    (date(2026, 11, 23), date(2027, 1, 4)),   # Monday + 6 weeks: a Monday, a werkdag
    (date(2026, 11, 19), date(2026, 12, 31)),  # a Thursday: no holiday, no move
    (date(2026, 10, 3), date(2026, 11, 16)),   # ends on a Saturday: to Monday
    (date(2026, 10, 4), date(2026, 11, 16)),   # ends on a Sunday: to Monday
    (date(2026, 11, 13), date(2026, 12, 28)),  # ends on Christmas (Friday), then a weekend
    (date(2027, 2, 12), date(2027, 3, 30)),    # Good Friday, weekend, Easter Monday
    (date(2027, 3, 24), date(2027, 5, 7)),     # 5 May (every year, Atw), then Ascension Day
])
def test_bezwaar_term_is_six_weeks_moved_to_the_next_werkdag(datum, uiterlijk):
    assert beschikkingen.bezwaar_uiterlijk(datum) == uiterlijk


def test_a_beschikking_carries_its_bezwaar_term_and_late_objections_are_marked(
        database_url, sessions, parties, move_clock):
    """Through the API on 13 November 2026: the term ends on Christmas Day, so on Monday 28-12."""
    published: list[int] = []
    move_clock(date(2026, 11, 13))
    app = create_app(Settings(database_url=database_url), publish=published.extend)
    with TestClient(app) as client:
        assert post(client, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
        assert run_work(app, published) == ["done"]
    with unit_of_work(sessions) as session:
        beschikking = session.scalar(select(Beschikking))
        assert (beschikking.datum, beschikking.bezwaar_uiterlijk) == (date(2026, 11, 13), date(2026, 12, 28))
        assert beschikking.nummer == "0363-2026-000001"
        today = date(2027, 1, 15)
        on_time = beschikkingen.register_bezwaar(session, beschikking, ontvangen_op=date(2026, 12, 28),
                                                 indiener="K. Jansen", toelichting=None, today=today)
        late = beschikkingen.register_bezwaar(session, beschikking, ontvangen_op=date(2026, 12, 29),
                                              indiener="K. Jansen", toelichting=None, today=today)
        assert (on_time.binnen_termijn, late.binnen_termijn) == (True, False)


# -- the answer term of an aanvraag -------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded():
    return schemas(), reference()


@pytest.fixture
def ctx(loaded, read_clock) -> Context:
    read_clock(lambda: NOW)
    return Context(loaded[0], loaded[1])


def received(sessions, ctx, ontvangen_op: datetime):
    """The AGJ example without agreement (for the CJG) as received at `ontvangen_op`, made
    into an aanvraag; returns (id, antwoord_uiterlijk, termijn)."""
    xml = example("AGJ-GEEN-OVEREENSTEMMING")
    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="12345678", naam="Zorg BV")
        session.add(party)
        session.flush()
        bericht = Bericht(richting="in", partij_id=party.id, berichttype="AGJ", afzender="12345678",
                          ontvanger=GEMEENTE, bsn="999980919", dagtekening=date(2026, 9, 2),
                          status="accepted", inhoud=xml, inhoud_sha256="0" * 64, ontvangen_op=ontvangen_op)
        session.add(bericht)
        session.flush()
        aanvraag = aanvragen.register(session, ctx, bericht)
        assert aanvraag.status == aanvragen.TE_BEOORDELEN
        return aanvraag.id, aanvraag.antwoord_uiterlijk, aanvraag.termijn


@pytest.mark.parametrize("ontvangen_op, uiterlijk", [
    # Tuesday 22-12: 23, 24, (Christmas, Boxing Day/Saturday, Sunday) 28, 29, 30.
    (datetime(2026, 12, 22, 9, 0, tzinfo=UTC), date(2026, 12, 30)),
    # 23:30 UTC on the 21st is already the 22nd in the Netherlands: the Dutch date counts.
    (datetime(2026, 12, 21, 23, 30, tzinfo=UTC), date(2026, 12, 30)),
    (datetime(2026, 12, 21, 22, 30, tzinfo=UTC), date(2026, 12, 29)),
    # Received on a Saturday: the term runs from there, werkdagen only.
    (datetime(2026, 12, 19, 12, 0, tzinfo=UTC), date(2026, 12, 28)),
])
def test_answer_is_due_5_werkdagen_after_receipt(sessions, ctx, ontvangen_op, uiterlijk):
    _id, antwoord_uiterlijk, termijn = received(sessions, ctx, ontvangen_op)
    assert antwoord_uiterlijk == uiterlijk
    assert "5 werkdagen" in termijn


def test_in_onderzoek_moves_the_term_to_8_weeks_after_the_dagtekening(sessions, ctx):
    aanvraag_id, first, _ = received(sessions, ctx, datetime(2026, 12, 22, 9, 0, tzinfo=UTC))
    assert first == date(2026, 12, 30)
    with unit_of_work(sessions) as session:
        aanvraag = besluiten.record(session, ctx, aanvraag_id=aanvraag_id, gemeente=GEMEENTE,
                                    invoer=besluiten.BesluitInvoer(besluiten.ONDERZOEK), door="test")
        # The request's Dagtekening (2026-09-02) counts, not its receipt: already past here.
        assert aanvraag.antwoord_uiterlijk == date(2026, 10, 28)
        assert aanvraag.status == aanvragen.IN_ONDERZOEK and "8 weken" in aanvraag.termijn
