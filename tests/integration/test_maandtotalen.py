"""The finance report from the month totals (gateway.db.maandtotalen, maandrapport) against the
direct computation (`rapportage.rapport`) on random data: toewijzingen per dag, week, maand,
TBGT and Budget (open-ended too, some deleted), starts with definitive stops and reden-20
pauses followed by a new start, deleted starts and stops, prestaties (credits, rejected) in
two gemeenten, over random periods that start and end mid-month. Then the data changes
(toewijzingen shortened, extended and deleted, starts and stops withdrawn, a prestatie
rejected afterwards) and both must still agree, and a rebuild from scratch must give the
totals the writes kept; and two transactions on one toewijzing take turns (PostgreSQL). Runs
on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.db import maandtotalen
from gateway.db.models import FinancienMaand, Prestatie, Toewijzing, Zorglevering, ZorgleveringStop
from gateway.db.session import unit_of_work
from gateway.domain.aanvraag import nummers, toewijzingen
from gateway.domain.financien import maandrapport, rapportage
from tests.conftest import AGB, GEMEENTE
from tests.integration.test_rapportage import OTHER, _bericht, declaratie, levering, prestatie, toewijzing

ANDERE_GEMEENTE = "0599"
PRODUCTS = [("45", "45A01", "04", "2"), ("45", "45A02", "01", "4"), ("42", "42A01", "82", "1"),
            ("54", "54A01", "84", "6"), ("45", None, None, None), ("43", "43A01", "14", "4")]


def _random_data(sessions, rng: random.Random) -> None:
    base = date(2025, 9, 1)
    with unit_of_work(sessions) as s:
        dec = declaratie(s)
        for nummer in range(1, 91):
            gemeente = GEMEENTE if nummer % 4 else ANDERE_GEMEENTE
            categorie, code, eenheid, frequentie = rng.choice(PRODUCTS)
            aanbieder = rng.choice([AGB, OTHER])
            begin = base + timedelta(days=rng.randint(0, 420))
            eind = None if rng.random() < 0.2 else begin + timedelta(days=rng.randint(0, 300))
            budget = rng.randint(1, 50) * 10_001 if code is None else None
            volume = None if code is None else rng.randint(1, 40)
            toewijzing(s, nummer=nummer, gemeente=gemeente, aanbieder=aanbieder, categorie=categorie, code=code,
                       volume=volume, eenheid=eenheid, frequentie=frequentie, budget=budget, ingangsdatum=begin,
                       einddatum=eind, reden_wijziging="13" if rng.random() < 0.08 else None)
            start = begin + timedelta(days=rng.randint(-5, 25))
            for _ in range(rng.randint(0, 3)):
                stop = start + timedelta(days=rng.randint(0, 120)) if rng.random() < 0.7 else None
                # a pause (reden 20) is followed by a new start; sometimes a second stop
                stops = ((rng.choice(["20", "20", "02"]), stop),) if stop else ()
                if stop and rng.random() < 0.2:
                    stops += (("02", stop + timedelta(days=rng.randint(0, 40))),)
                if stop and rng.random() < 0.1:
                    stops += (("02", stop - timedelta(days=3), "verwijderd"),)
                levering(s, nummer=nummer, gemeente=gemeente, aanbieder=aanbieder, begindatum=start, stops=stops,
                         verwijderd=rng.random() < 0.1)
                if stop is None:
                    break
                start = stop + timedelta(days=rng.randint(1, 30))
            for _ in range(rng.randint(0, 3)):
                # a ProductPeriode inside one calendar month (CS337)
                first = base + timedelta(days=rng.randint(0, 500))
                last_of_month = first.replace(day=maandtotalen.maandlengte(first))
                last = min(first + timedelta(days=rng.randint(0, 30)), last_of_month)
                prestatie(s, declaratie_id=dec, nummer=nummer, aanbieder=aanbieder, categorie=categorie,
                          code=code or "45X00", eenheid=eenheid or "83", begindatum=first, einddatum=last,
                          volume=rng.randint(1, 60), bedrag=rng.randint(1, 900_000), credit=rng.random() < 0.2,
                          status="toegekend" if rng.random() < 0.85 else "afgewezen")
                if gemeente != GEMEENTE:
                    s.flush()
                    s.scalars(select(Prestatie).order_by(Prestatie.id.desc()).limit(1)).one().gemeente = gemeente


def _periods(rng: random.Random) -> list[rapportage.Periode]:
    fixed = [(date(2026, 1, 1), date(2026, 12, 31)), (date(2025, 11, 17), date(2026, 2, 3)),
             (date(2026, 2, 10), date(2026, 2, 10)), (date(2025, 12, 31), date(2026, 1, 1)),
             (date(2026, 3, 1), date(2026, 3, 31)), (date(2024, 1, 1), date(2028, 12, 31)),
             (date(2026, 4, 2), date(2026, 4, 29))]
    periods = [rapportage.Periode(van, tot) for van, tot in fixed]
    for _ in range(5):
        van = date(2025, 8, 1) + timedelta(days=rng.randint(0, 560))
        periods.append(rapportage.Periode(van, van + timedelta(days=rng.randint(0, 400))))
    return periods


def _fields(regel: rapportage.Regel) -> tuple:
    return (regel.toegewezen, regel.geleverd, regel.gedeclareerd, regel.gedeclareerd_eurocent, regel.benutbaar,
            regel.tarief_eurocent)


def _assert_same(sessions, producten, periods) -> None:
    with sessions() as session:
        for k, periode in enumerate(periods):
            # every scope on a few periods; the month series where the direct one is quick
            scopes = ({"gemeenten": None}, {"gemeenten": [GEMEENTE]}, {"gemeenten": None, "aanbieder": OTHER})
            per_maand = len(rapportage.maanden(periode)) <= 6
            for scope in scopes if k < 3 else scopes[:1]:
                direct = rapportage.rapport(session, periode, producten=producten, per_maand=per_maand, **scope)
                session.rollback()  # the direct report's SET LOCAL ends with its transaction
                totalen = maandrapport.rapport(session, periode, producten=producten, per_maand=per_maand, **scope)
                where = (periode, scope)
                assert [r.as_json() for r in totalen.regels] == [r.as_json() for r in direct.regels], where
                for mine, theirs in zip(totalen.regels, direct.regels, strict=True):
                    assert _fields(mine) == pytest.approx(_fields(theirs), rel=1e-9, abs=1e-6), where
                if not per_maand:
                    continue
                assert totalen.maandreeks is not None and direct.maandreeks is not None
                assert [(m.maand, m.periode) for m in totalen.maandreeks] == \
                    [(m.maand, m.periode) for m in direct.maandreeks]
                assert [(m.toegewezen_eurocent, m.gedeclareerd_eurocent) for m in totalen.maandreeks] == \
                    [pytest.approx((m.toegewezen_eurocent, m.gedeclareerd_eurocent), rel=1e-9, abs=1e-6)
                     for m in direct.maandreeks], where


def _change(sessions, rng: random.Random) -> None:
    """Writes through the ORM as the application makes them: a toewijzing shortened,
    extended, deleted (RedenWijziging 13) or its volume changed; a start or stop withdrawn; a
    new stop; a prestatie rejected after all."""
    with unit_of_work(sessions) as s:
        for t in s.scalars(select(Toewijzing).order_by(Toewijzing.id)):
            roll = rng.random()
            if roll < 0.1:
                t.einddatum = t.ingangsdatum + timedelta(days=rng.randint(0, 60))
            elif roll < 0.2:
                t.einddatum = None if t.frequentie != "6" else (t.einddatum or t.ingangsdatum) + timedelta(days=90)
            elif roll < 0.25:
                t.reden_wijziging, t.einddatum = "13", t.ingangsdatum
            elif roll < 0.35 and t.volume is not None:
                t.volume += 3
        for z in s.scalars(select(Zorglevering).where(Zorglevering.actief_sleutel.is_not(None))):
            roll = rng.random()
            if roll < 0.1:
                z.actief_sleutel = None
            elif roll < 0.2:
                s.add(ZorgleveringStop(zorglevering_id=z.id, reden="02", einddatum=z.begindatum + timedelta(days=10),
                                       bericht_id=z.bericht_id, actief_sleutel=f"nieuw-{z.id}"))
        for stop in s.scalars(select(ZorgleveringStop).where(ZorgleveringStop.actief_sleutel.is_not(None))):
            if rng.random() < 0.15:
                stop.actief_sleutel = None
        for p in s.scalars(select(Prestatie).where(Prestatie.status == "toegekend")):
            if rng.random() < 0.1:
                p.status, p.actief_sleutel = "afgewezen", None


def _stored(sessions) -> dict:
    with sessions() as session:
        return {(r.gemeente, r.aanbieder, r.categorie, r.code, r.eenheid, r.maand):
                [getattr(r, name) for name in maandtotalen.MAAND]
                for r in session.scalars(select(FinancienMaand))}


def _without_zeros(totals: dict) -> dict:
    return {k: v for k, v in totals.items() if any(abs(x) > 1e-6 for x in v)}


def test_the_month_totals_give_the_direct_report(client, sessions, parties):
    producten = client.app.state.ctx.reference.producten
    rng = random.Random(16)
    _random_data(sessions, rng)
    periods = _periods(rng)
    _assert_same(sessions, producten, periods)
    _change(sessions, rng)
    _assert_same(sessions, producten, periods)
    _assert_rebuilt_equal(sessions)


def _assert_rebuilt_equal(sessions) -> None:
    """The totals the writes kept are the totals a rebuild from the sources gives."""
    kept = _stored(sessions)
    with sessions() as session, session.begin():
        maandtotalen.herbouw(session.connection())
    rebuilt = _stored(sessions)
    assert _without_zeros(kept).keys() == _without_zeros(rebuilt).keys()
    for key, values in _without_zeros(rebuilt).items():
        assert kept[key] == pytest.approx(values, rel=1e-9, abs=1e-6), key


def test_a_write_that_is_rolled_back_leaves_the_totals_as_they_were(sessions, parties):
    with unit_of_work(sessions) as s:
        toewijzing(s, nummer=1, volume=2, eenheid="82", frequentie="1", categorie="42", code="42A01",
                   ingangsdatum=date(2026, 1, 10), einddatum=date(2026, 3, 19))
    before = _stored(sessions)
    assert before  # the toewijzing's months
    with sessions() as s:
        t = s.scalars(select(Toewijzing)).one()
        t.volume = 7
        s.flush()
        assert _stored(sessions) == before  # another transaction does not see it yet
        s.rollback()
    assert _stored(sessions) == before


def test_two_transactions_on_one_toewijzing_take_turns(engine, sessions, parties):
    """A toewijzing shortened while, in another transaction, its start gets a stop: the second
    waits for the first (the toewijzing's row lock), then counts the stop against the
    shortened toewijzing, so the totals are what a rebuild gives. (On SQLite one writer at a
    time does the same.)"""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    with unit_of_work(sessions) as s:
        toewijzing(s, nummer=1, volume=2, eenheid="82", frequentie="1", categorie="42", code="42A01",
                   ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 6, 30))
        levering(s, nummer=1, begindatum=date(2026, 1, 10))
        bericht_id = _bericht(s)
    first = sessions()
    first.scalars(select(Toewijzing)).one().einddatum = date(2026, 3, 31)
    first.flush()  # holds the toewijzing's row until commit
    errors: list[BaseException] = []

    def add_stop() -> None:
        try:
            with unit_of_work(sessions) as s:
                start = s.scalars(select(Zorglevering)).one()
                s.add(ZorgleveringStop(zorglevering_id=start.id, reden="02", einddatum=date(2026, 5, 15),
                                       bericht_id=bericht_id, actief_sleutel="stop-concurrent"))
        except BaseException as error:  # reported by the test's thread
            errors.append(error)

    second = threading.Thread(target=add_stop)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive()  # waiting for the first transaction's lock
    first.commit()
    first.close()
    second.join(timeout=30)
    assert not second.is_alive() and not errors
    _assert_rebuilt_equal(sessions)
    # delivered 10 January - 31 March at 2 a day, nothing after the shortened Einddatum
    with sessions() as session:
        totaal = maandrapport.rapport(session, rapportage.Periode(date(2026, 1, 1), date(2026, 12, 31)),
                                      gemeenten=None, per_maand=False)
    assert [r.geleverd for r in totaal.regels] == [pytest.approx(2 * 81)]


def test_two_messages_of_one_provider_that_share_months_do_not_deadlock(engine, sessions, parties):
    """Two JW305s of one provider and product for different clients, each a flush per start
    (gateway.domain.levering.zorglevering.record): the first records a start in March, then
    one in February on another toewijzing; the second, in between, a start in January on
    that other toewijzing, whose months run into March. Without one order for both, the
    first holds March and waits for the toewijzing the second holds, while the second waits
    for March: PostgreSQL aborts one of them. They must take turns instead."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    with unit_of_work(sessions) as s:
        for nummer in (1, 2):
            toewijzing(s, nummer=nummer, volume=2, eenheid="82", frequentie="1", categorie="42", code="42A01",
                       ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 4, 30))
        bericht_id = _bericht(s)

    def start(s, nummer: int, begin: date) -> None:
        s.add(Zorglevering(gemeente=GEMEENTE, aanbieder=AGB, bsn="999994323", toewijzingnummer=nummer,
                           begindatum=begin, bericht_id=bericht_id, actief_sleutel=f"deadlock-{nummer}-{begin}"))
        s.flush()

    first = sessions()
    start(first, 1, date(2026, 3, 10))  # March and April of the group
    errors: list[BaseException] = []

    def second_message() -> None:
        try:
            with unit_of_work(sessions) as s:
                start(s, 2, date(2026, 1, 20))  # January to April of the group
        except BaseException as error:  # reported by the test's thread
            errors.append(error)

    second = threading.Thread(target=second_message)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive()  # waiting for the first transaction
    try:
        start(first, 2, date(2026, 2, 1))
        first.commit()
    finally:
        first.close()
    second.join(timeout=30)
    assert not second.is_alive() and not errors, errors
    with sessions() as session:
        totaal = maandrapport.rapport(session, rapportage.Periode(date(2026, 1, 1), date(2026, 12, 31)),
                                      gemeenten=None, per_maand=False)
    # 10 March - 30 April, 1 February - 30 April and 20 January - 30 April, at 2 a day
    assert [r.geleverd for r in totaal.regels] == [pytest.approx(2 * (52 + 89 + 101))]


def test_a_decision_that_changes_and_adds_toewijzingen_does_not_deadlock_with_another(engine, sessions, parties):
    """A decision that changes a stored toewijzing and then adds one draws the new number
    after its change is flushed unless told otherwise, so it would hold the provider's totals
    lock (and month rows) while it waits for the gemeente's counter, which another decision
    holds while it waits for that totals lock. The number is drawn first, as every decision
    does, so they take turns."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    inhoud = toewijzingen.Inhoud("42", "42A01", date(2026, 1, 1), date(2026, 6, 30), 2, "82", "1")
    moment = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        toewijzingen.create(s, gemeente=GEMEENTE, aanbieder=AGB, bsn="999994323", aanvraag_id=None,
                            beschikking_id=None, versie=toewijzingen.new(inhoud, moment, referentie=None))
    first = sessions()
    nummers.next_number(first, GEMEENTE, nummers.TOEWIJZING)  # holds the gemeente's counter
    errors: list[BaseException] = []

    def change_and_add() -> None:
        try:
            with unit_of_work(sessions) as s:
                s.scalars(select(Toewijzing)).one().einddatum = date(2026, 3, 31)
                toewijzingen.create(s, gemeente=GEMEENTE, aanbieder=AGB, bsn="999994323", aanvraag_id=None,
                                    beschikking_id=None, versie=toewijzingen.new(inhoud, moment, referentie=None))
        except BaseException as error:  # reported by the test's thread
            errors.append(error)

    second = threading.Thread(target=change_and_add)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive()  # waiting for the counter
    try:
        toewijzing(first, nummer=90, volume=2, eenheid="82", frequentie="1", categorie="42", code="42A01",
                   ingangsdatum=date(2026, 2, 1), einddatum=date(2026, 2, 28))
        first.flush()  # the provider's totals
        first.commit()
    finally:
        first.close()
    second.join(timeout=30)
    assert not second.is_alive() and not errors, errors
