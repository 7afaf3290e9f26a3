"""Signals on a trajectory: things the CJG should look at, stored once each.

At intake, per accepted start or stop:
  * start_te_laat   — the JW305 came more than 5 werkdagen after the start (OP271); for a
                      toewijzing sent after the start, 5 werkdagen after it was sent;
  * stop_te_laat    — the JW307 came more than 5 werkdagen after the end (OP272);
  * start_voor_toewijzing — the start lies before the toewijzing's Ingangsdatum (accepted: no
                      iJw rule forbids it, facts E.4, but worth a look).
Periodically (beat):
  * geen_start      — a toewijzing without any start 10 werkdagen after its Ingangsdatum;
  * zorg_na_einddatum — a start without a stop while the toewijzing's Einddatum has passed.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.clock import local_date
from gateway.db.models import Signaal, Toewijzing, Zorglevering, ZorgleveringStop
from gateway.model.datum import datum_nl
from gateway.model.leveringen import TIJDELIJK
from gateway.model.leveringsklassen import Klasse
from gateway.model.werkdagen import add_werkdagen

MELDTERMIJN = 5  # werkdagen, OP271/OP272
STARTTERMIJN = 10  # werkdagen after the Ingangsdatum without a start


def _datum(day: date) -> str:
    return datum_nl(day)


def at_intake(session: Session, *, gemeente: str, aanbieder: str, bsn: str, bericht_id: int,
              received: date, recorded: list[Klasse], correction: bool = False) -> list[Signaal]:
    """`correction`: the message also deletes (StatusAanlevering 3), so its new classes correct
    an earlier report rather than make a first, possibly late, one (IV008)."""
    signals = []
    for n, k in enumerate(recorded):
        if correction or _replaces_deleted(session, gemeente, aanbieder, bsn, k):
            continue
        nummer = k.sleutel.nummer
        toewijzing = session.scalar(select(Toewijzing).where(
            Toewijzing.gemeente == gemeente, Toewijzing.nummer == nummer)) if nummer is not None else None
        found: list[tuple[str, str]] = []
        if k.stop is None:
            # A retroactive toewijzing: 5 werkdagen after it was first sent (OP271).
            since = max(k.sleutel.begindatum, local_date(toewijzing.aangemaakt_op)) if toewijzing \
                else k.sleutel.begindatum
            if received > add_werkdagen(since, MELDTERMIJN):
                found.append(("start_te_laat", f"Start per {_datum(k.sleutel.begindatum)} is pas op "
                                                f"{_datum(received)} gemeld; dat moet binnen {MELDTERMIJN} "
                                                "werkdagen (OP271)."))
            if toewijzing is not None and k.sleutel.begindatum < toewijzing.ingangsdatum:
                found.append(("start_voor_toewijzing", f"Start per {_datum(k.sleutel.begindatum)} ligt vóór de "
                                                        f"ingangsdatum van toewijzing {nummer} "
                                                        f"({_datum(toewijzing.ingangsdatum)})."))
        elif not _after_temporary_stop(session, gemeente, aanbieder, bsn, k) and \
                received > add_werkdagen(k.stop.einddatum, MELDTERMIJN):
            # A definitive stop after a temporary one is due 5 werkdagen after it became known
            # (OP272), which the gateway cannot know: that case is not flagged.
            found.append(("stop_te_laat", f"Einde per {_datum(k.stop.einddatum)} is pas op {_datum(received)} "
                                           f"gemeld; dat moet binnen {MELDTERMIJN} werkdagen (OP272)."))
        for soort, melding in found:
            signal = Signaal(gemeente=gemeente, aanbieder=aanbieder, bsn=bsn, toewijzingnummer=nummer,
                             soort=soort, melding=melding, datum=received, bericht_id=bericht_id,
                             sleutel=f"{soort}|{bericht_id}|{n}")
            session.add(signal)
            signals.append(signal)
    return signals


def _same_start(session: Session, gemeente: str, aanbieder: str, bsn: str, k: Klasse) -> list[Zorglevering]:
    """Every recorded start (deleted ones too) with this class's toewijzing and Begindatum."""
    nummer = k.sleutel.nummer
    return list(session.scalars(select(Zorglevering).where(
        Zorglevering.gemeente == gemeente, Zorglevering.aanbieder == aanbieder, Zorglevering.bsn == bsn,
        Zorglevering.toewijzingnummer == nummer if nummer is not None else Zorglevering.toewijzingnummer.is_(None),
        Zorglevering.begindatum == k.sleutel.begindatum)))


def _replaces_deleted(session: Session, gemeente: str, aanbieder: str, bsn: str, k: Klasse) -> bool:
    """A start (or stop) sent again after its earlier version was deleted: a correction."""
    rows = _same_start(session, gemeente, aanbieder, bsn, k)
    if k.stop is None:
        return any(r.verwijderd_bericht_id is not None for r in rows)
    return any(stop.verwijderd_bericht_id is not None and stop.reden == k.stop.reden
               for r in rows for stop in r.stops)


def _after_temporary_stop(session: Session, gemeente: str, aanbieder: str, bsn: str, k: Klasse) -> bool:
    if k.stop is None or k.stop.tijdelijk:
        return False
    return any(stop.actief_sleutel and stop.reden == TIJDELIJK
               for r in _same_start(session, gemeente, aanbieder, bsn, k) if r.actief_sleutel for stop in r.stops)


def periodic(session: Session, today: date) -> int:
    """Add the signals that time brings; each once (its `sleutel`). Returns how many were new."""
    new = 0
    for t in session.scalars(select(Toewijzing).where(
            Toewijzing.reden_wijziging.is_distinct_from("13"),
            ~exists().where(Zorglevering.gemeente == Toewijzing.gemeente,
                            Zorglevering.toewijzingnummer == Toewijzing.nummer,
                            Zorglevering.actief_sleutel.is_not(None)))):
        # From the Ingangsdatum, or from when a retroactive toewijzing was first sent.
        if today > add_werkdagen(max(t.ingangsdatum, local_date(t.aangemaakt_op)), STARTTERMIJN):
            new += _once(session, Signaal(
                gemeente=t.gemeente, aanbieder=t.aanbieder, bsn=t.bsn, toewijzingnummer=t.nummer,
                soort="geen_start", datum=today, sleutel=f"geen_start|{t.gemeente}|{t.nummer}",
                melding=f"Toewijzing {t.nummer} ging in op {_datum(t.ingangsdatum)}; na {STARTTERMIJN} "
                        "werkdagen is er nog geen start gemeld."))
    running = select(Zorglevering, Toewijzing).join(Toewijzing, (Toewijzing.gemeente == Zorglevering.gemeente)
                                                   & (Toewijzing.nummer == Zorglevering.toewijzingnummer)).where(
        Zorglevering.actief_sleutel.is_not(None), Toewijzing.einddatum < today,
        ~exists().where(ZorgleveringStop.zorglevering_id == Zorglevering.id,
                        ZorgleveringStop.actief_sleutel.is_not(None)))
    for start, t in session.execute(running).all():
        assert t.einddatum is not None  # selected by einddatum < today
        if today <= add_werkdagen(t.einddatum, MELDTERMIJN):
            continue  # a stop on the last day may still be on its way (OP272)
        new += _once(session, Signaal(
            gemeente=t.gemeente, aanbieder=t.aanbieder, bsn=t.bsn, toewijzingnummer=t.nummer,
            soort="zorg_na_einddatum", datum=today,
            sleutel=f"zorg_na_einddatum|{t.gemeente}|{t.nummer}|{start.begindatum.isoformat()}",
            melding=f"Toewijzing {t.nummer} eindigde op {_datum(t.einddatum)}, maar de zorg die op "
                    f"{_datum(start.begindatum)} startte is niet gestopt."))
    return new


def _once(session: Session, signal: Signaal) -> int:
    if session.scalar(select(exists().where(Signaal.sleutel == signal.sleutel))):
        return 0
    try:
        with session.begin_nested():
            session.add(signal)
        return 1
    except IntegrityError:  # another run added it at the same moment
        return 0


def for_party(session: Session, gemeente: str | None, aanbieder: str | None, limit: int) -> list[Signaal]:
    query = select(Signaal)
    if gemeente is not None:
        query = query.where(Signaal.gemeente == gemeente)
    if aanbieder is not None:
        query = query.where(Signaal.aanbieder == aanbieder)
    return list(session.scalars(query.order_by(Signaal.id.desc()).limit(limit)))


def as_json(signal: Signaal) -> dict[str, Any]:
    return {"id": signal.id, "soort": signal.soort, "melding": signal.melding, "datum": signal.datum.isoformat(),
            "gemeente": signal.gemeente, "aanbieder": signal.aanbieder, "bsn": signal.bsn,
            "toewijzingnummer": signal.toewijzingnummer, "bericht_id": signal.bericht_id}
