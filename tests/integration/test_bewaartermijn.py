"""The retention purge (gateway/domain/beheer/bewaartermijn.py): with the clock 20+ years on, a
client's message bodies and personal data are gone and the finance report's totals are the
same; inside the period nothing changes; it is idempotent, batched, safe from two workers at
once, and `gateway purge --dry-run` changes nothing. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from gateway.cli import main
from gateway.db.models import (
    Aanvraag,
    AuditRegel,
    Bericht,
    Beschikking,
    Bevinding,
    Bezwaar,
    Client,
    Declaratie,
    Partij,
    Prestatie,
    Signaal,
    Toewijzing,
    Voorstel,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.session import unit_of_work
from gateway.domain.financien import rapportage
from gateway.work import bewaartermijn
from tests.conftest import AGB, GEMEENTE

OLD = "999994323"  # care in 2026-2027: past the period from 2048 on
LATER = "999993653"  # a message in 2030: inside the period in 2048
OPEN = "999991772"  # a toewijzing without Einddatum, never stopped: care may still run
NAAM = b"Jansen-de Vries"
MOTIVERING = "Het gezin van Jansen-de Vries heeft meer steun nodig."
HEEL = rapportage.Periode(date(2026, 1, 1), date(2030, 12, 31))
_n = itertools.count(1)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def _bericht(session, bsn: str | None, day: date, soort: str = "JW305") -> int:
    n = next(_n)
    partij_id = session.scalar(select(Partij.id).where(Partij.code == AGB))
    body = b"<Bericht><Bsn>%s</Bsn><Naam>%s</Naam></Bericht>" % ((bsn or "").encode(), NAAM)
    row = Bericht(richting="in", partij_id=partij_id, berichttype=soort, afzender=AGB, ontvanger=GEMEENTE,
                  identificatie=f"B{n}", bsn=bsn, status="accepted", inhoud=body,
                  inhoud_sha256=hashlib.sha256(body + str(n).encode()).hexdigest(), ontvangen_op=_moment(day),
                  antwoord_status=202, antwoord=b"<Retour>%s</Retour>" % NAAM)
    session.add(row)
    session.flush()
    session.add(Bevinding(bericht_id=row.id, code="XSD", niveau=1, locatie="/Bericht",
                          melding=f"'{bsn}' is geen geldige waarde"))
    return row.id


def client_file(session, bsn: str, *, nummer: int, ingang: date, einde: date | None, stop: date | None) -> None:
    """A client's whole file: aanvraag with beschikking and bezwaar, toewijzing, start (and
    stop), a declared month, client data, a signal; every row dated in its own time."""
    aanvraag_bericht = _bericht(session, bsn, ingang, "AGJ")
    aanvraag = Aanvraag(bericht_id=aanvraag_bericht, soort="AGJ", gemeente=GEMEENTE, aanbieder=AGB, bsn=bsn,
                        dagtekening=ingang, ontvangen_op=ingang, status="toegekend", antwoord_uiterlijk=ingang,
                        termijn="5 werkdagen", afgehandeld_op=_moment(ingang),
                        besluit={"besluit": "toekennen", "motivering": f"{MOTIVERING} {bsn}"})
    session.add(aanvraag)
    session.flush()
    session.add(Voorstel(aanvraag_id=aanvraag.id, invoer={"besluit": "toekennen", "motivering": f"{MOTIVERING} {bsn}"},
                         afwijkingen=[], voorgesteld_door="marieke", voorgesteld_op=_moment(ingang), status="akkoord"))
    beschikking = Beschikking(nummer=f"BS{nummer}", gemeente=GEMEENTE, aanvraag_id=aanvraag.id, bsn=bsn,
                              datum=ingang, soort="toekenning", leveringsvorm="ZIN",
                              inhoud={"naam": NAAM.decode(), "hulpvraag": "Slaapt slecht"},
                              bezwaar_uiterlijk=ingang, aangemaakt_op=_moment(ingang))
    session.add(beschikking)
    session.flush()
    session.add(Bezwaar(beschikking_id=beschikking.id, ontvangen_op=ingang, indiener="M. Jansen",
                        toelichting="Te weinig uren", binnen_termijn=True, aangemaakt_op=_moment(ingang)))
    session.add(Toewijzing(gemeente=GEMEENTE, nummer=nummer, aanbieder=AGB, bsn=bsn, categorie="45", code="45A01",
                           ingangsdatum=ingang, einddatum=einde, volume=4, eenheid="04", frequentie="2",
                           toewijzingsdatum=ingang, toewijzingstijd="10:00:00", gewijzigd=False,
                           aangemaakt_op=_moment(ingang)))
    key = f"{GEMEENTE}|{AGB}|{bsn}|{nummer}|45|45A01|{ingang}"
    start = Zorglevering(gemeente=GEMEENTE, aanbieder=AGB, bsn=bsn, toewijzingnummer=nummer, categorie="45",
                         code="45A01", begindatum=ingang, bericht_id=_bericht(session, bsn, ingang),
                         actief_sleutel=key, aangemaakt_op=_moment(ingang))
    session.add(start)
    session.flush()
    if stop is not None:
        session.add(ZorgleveringStop(zorglevering_id=start.id, reden="01", einddatum=stop,
                                     bericht_id=_bericht(session, bsn, stop, "JW307"),
                                     actief_sleutel=f"{key}|01|{stop}", aangemaakt_op=_moment(stop)))
    maand = date(ingang.year, ingang.month, 1)
    declaratie = Declaratie(bericht_id=_bericht(session, None, ingang, "JW323"), gemeente=GEMEENTE, aanbieder=AGB,
                            nummer=f"D{nummer}", periode_begin=maand, periode_eind=ingang, dagtekening=ingang,
                            ingediend_eurocent=10000, toegekend_eurocent=10000, aangemaakt_op=_moment(ingang))
    session.add(declaratie)
    session.flush()
    session.add(Prestatie(declaratie_id=declaratie.id, gemeente=GEMEENTE, aanbieder=AGB, bsn=bsn,
                          referentie=f"P{nummer}", toewijzingnummer=nummer, categorie="45", code="45A01",
                          begindatum=ingang, einddatum=ingang, volume=4, eenheid="04", bedrag_eurocent=10000,
                          debet_credit="D", status="toegekend", actief_sleutel=f"{AGB}|P{nummer}"))
    session.add(Client(gemeente=GEMEENTE, bsn=bsn, gegevens=b"<Client><Naam>%s</Naam></Client>" % NAAM,
                       bron_bericht_id=aanvraag_bericht, bijgewerkt_op=_moment(ingang)))
    session.add(Signaal(gemeente=GEMEENTE, aanbieder=AGB, bsn=bsn, soort="geen_start", melding=f"Bsn {bsn}",
                        datum=ingang, sleutel=f"geen_start|{bsn}|{nummer}", aangemaakt_op=_moment(ingang)))
    session.flush()


@pytest.fixture
def files(sessions, parties):
    with unit_of_work(sessions) as session:
        client_file(session, OLD, nummer=1, ingang=date(2026, 10, 5), einde=date(2027, 3, 14),
                    stop=date(2027, 2, 26))
        client_file(session, LATER, nummer=2, ingang=date(2026, 10, 5), einde=date(2027, 3, 14),
                    stop=date(2027, 2, 26))
        _bericht(session, LATER, date(2030, 1, 7))  # one later message keeps the whole file
        client_file(session, OPEN, nummer=3, ingang=date(2026, 10, 5), einde=None, stop=None)
        session.add(AuditRegel(gebruiker="cjg", actie="bekijken", object_type="client", object_id="1",
                               client_id=1, tijdstip=_moment(date(2026, 11, 2))))


def snapshot(sessions) -> dict:
    """Every stored value of the tables the purge may touch, for comparing before and after."""
    with sessions() as session:
        return {model.__tablename__: sorted(map(repr, session.execute(select(model.__table__)).all()))
                for model in (Bericht, Bevinding, Aanvraag, Beschikking, Bezwaar, Toewijzing, Zorglevering,
                              ZorgleveringStop, Prestatie, Client, Signaal, AuditRegel, Voorstel)}


def report(sessions) -> list:
    with sessions() as session:
        return [(r.aanbieder, r.productcode, round(r.toegewezen, 6), round(r.geleverd, 6),
                 round(r.gedeclareerd, 6), round(r.gedeclareerd_eurocent, 6))
                for r in rapportage.volumes(session, HEEL, gemeenten=[GEMEENTE])]


def test_past_the_period_bodies_and_personal_data_go_and_the_counts_stay(sessions, files, move_clock):
    before = report(sessions)
    assert before and before[0][2] > 0 and before[0][3] > 0 and before[0][4] > 0
    move_clock(date(2048, 1, 15))  # 2028-01-15 is the limit: OLD's last entry (2027-03-14) is before it
    result = bewaartermijn.purge(sessions, date(2048, 1, 15), 20, batch=2)
    assert result.grens == date(2028, 1, 15) and result.clienten == 1
    with sessions() as session:
        for bericht in session.scalars(select(Bericht).where(Bericht.gewist_op.is_not(None))):
            assert (bericht.inhoud, bericht.antwoord, bericht.bsn) == (b"", None, None)
            assert bericht.status == "accepted" and bericht.berichttype  # the count stays
        # OLD's AGJ, JW305 and JW307, and the three JW323s (no client: their own receipt date)
        assert session.scalar(select(func.count()).where(Bericht.gewist_op.is_not(None))) == 3 + 3
        for model in (Aanvraag, Beschikking, Toewijzing, Zorglevering, Prestatie):
            assert session.scalar(select(func.count()).select_from(model).where(model.bsn == OLD)) == 0
            assert session.scalar(select(func.count()).select_from(model).where(model.bsn == "")) == 1
        assert session.scalar(select(Client.bsn).where(Client.bsn == OLD)) is None
        assert session.scalar(select(Signaal.id).where(Signaal.bsn == OLD)) is None
        beschikking = session.scalar(select(Beschikking).where(Beschikking.bsn == ""))
        assert beschikking.inhoud == {"gewist": True, "gewist_op": "2048-01-15"} and beschikking.bezwaren[0].indiener == ""
        assert beschikking.bezwaren[0].toelichting is None
        start = session.scalar(select(Zorglevering).where(Zorglevering.bsn == ""))
        assert OLD not in start.actief_sleutel and OLD not in start.stops[0].actief_sleutel
        everything = repr(snapshot(sessions))
        assert everything.count(OLD) == 0  # nowhere, not even in a key or a finding
        purged = session.scalar(select(Aanvraag).where(Aanvraag.bsn == ""))
        assert purged.besluit == {"besluit": "toekennen", "motivering_gewist": True}  # what was decided stays
        assert session.scalar(select(func.count()).select_from(Voorstel)) == 2  # the other two clients' only
        assert session.scalar(select(func.count()).select_from(AuditRegel)) == 1  # left alone
    assert report(sessions) == before  # finance: the same allocated, delivered, declared totals


def test_a_client_with_a_later_entry_or_open_care_is_kept_whole(sessions, files, move_clock):
    move_clock(date(2048, 1, 15))
    bewaartermijn.purge(sessions, date(2048, 1, 15), 20)
    with sessions() as session:
        for bsn in (LATER, OPEN):
            for model in (Aanvraag, Beschikking, Toewijzing, Zorglevering, Prestatie, Client, Signaal):
                assert session.scalar(select(func.count()).select_from(model).where(model.bsn == bsn)) == 1, model
            assert NAAM in session.scalar(select(Client.gegevens).where(Client.bsn == bsn))
            assert all(b.inhoud for b in session.scalars(select(Bericht).where(Bericht.bsn == bsn)))


def test_inside_the_period_nothing_changes(sessions, files):
    before = snapshot(sessions)
    # Today (2026-11-23) and the last day before OLD's file passes its 20 years (2047-03-14).
    result = bewaartermijn.purge(sessions, date(2026, 11, 23), 20)
    assert (result.clienten, result.aantallen) == (0, {})
    assert snapshot(sessions) == before
    result = bewaartermijn.purge(sessions, date(2047, 3, 14), 20)
    assert (result.clienten, result.aantallen) == (0, {"berichten": 3})
    after = snapshot(sessions)
    messages = ("bericht", "bevinding")
    assert {k: v for k, v in after.items() if k not in messages} == {k: v for k, v in before.items()
                                                                     if k not in messages}
    # in 2047 only the JW323s of 2026 (no client, receipt date past) lost their body
    with sessions() as session:
        assert set(session.scalars(select(Bericht.berichttype).where(Bericht.gewist_op.is_not(None)))) == {"JW323"}


def test_the_day_after_the_twenty_years_it_goes(sessions, files):
    assert bewaartermijn.purge(sessions, date(2047, 3, 14), 20).clienten == 0
    assert bewaartermijn.purge(sessions, date(2047, 3, 15), 20).clienten == 1


def test_purge_twice_changes_nothing_more(sessions, files):
    assert bewaartermijn.purge(sessions, date(2048, 1, 15), 20).clienten == 1
    first = snapshot(sessions)
    again = bewaartermijn.purge(sessions, date(2048, 1, 15), 20)
    assert (again.clienten, again.aantallen) == (0, {})
    assert snapshot(sessions) == first


def test_two_workers_at_once_purge_each_client_once(sessions, files):
    results, errors = [], []

    def run():
        try:
            results.append(bewaartermijn.purge(sessions, date(2048, 1, 15), 20, batch=1))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(r.clienten for r in results) == 1
    assert sum(r.aantallen.get("berichten", 0) for r in results) == 3 + 3


def test_dry_run_counts_and_changes_nothing(cli_env, sessions, files, monkeypatch, move_clock):
    monkeypatch.setenv("GATEWAY_TODAY", "2048-01-15")
    before = snapshot(sessions)
    result = cli_env.invoke(main, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    counts = dict(line.split("\t") for line in result.stdout.splitlines())
    assert counts["clients"] == "1" and counts["berichten"] == "6" and counts["clientgegevens"] == "1"
    assert "would remove" in result.stderr and "before 2028-01-15" in result.stderr
    assert snapshot(sessions) == before
    result = cli_env.invoke(main, ["purge"])
    assert result.exit_code == 0 and dict(line.split("\t") for line in result.stdout.splitlines()) == counts
    assert snapshot(sessions) != before


def test_retention_years_is_a_setting(cli_env, sessions, files, monkeypatch, move_clock):
    monkeypatch.setenv("GATEWAY_TODAY", "2048-01-15")
    monkeypatch.setenv("GATEWAY_RETENTION_YEARS", "25")
    result = cli_env.invoke(main, ["purge"])
    assert result.exit_code == 0 and "clients\t0" in result.stdout and "before 2023-01-15" in result.stderr
