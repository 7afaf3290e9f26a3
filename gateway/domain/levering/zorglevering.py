"""Deliveries in the database: reading a client's starts and stops into the pure model
(`gateway.model.leveringen`), and recording an accepted JW305/JW307 class by class.

Recorded in the intake's own transaction, not by a task: the next message's level-3 rules
(TR074, TR063, TR326, TR382 ...) must see this one, and a rejected message changes nothing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Zorglevering, ZorgleveringStop
from gateway.model.leveringen import NIEUW, Leveringen, Start, StartSleutel, Stop
from gateway.model.leveringsklassen import Klasse, classes
from gateway.xml.view import ParsedMessage, present


def load(session: Session, gemeente: str, aanbieder: str, bsn: str) -> Leveringen:
    state = Leveringen()
    for row in _active(session, gemeente, aanbieder, bsn):
        sleutel = _sleutel_of(row)
        state.starts[sleutel] = Start(sleutel, row.toewijzing_ingangsdatum,
                                      [Stop(s.reden, s.einddatum) for s in row.stops if s.actief_sleutel])
    return state


def record(session: Session, msg: ParsedMessage, bericht_id: int) -> list[Klasse]:
    """Apply an accepted message to the stored deliveries; returns the classes that added a
    start or a stop (for the signals)."""
    gemeente, aanbieder, bsn = present(msg.ontvanger), present(msg.afzender), present(msg.bsn)
    recorded = []
    for k in classes(msg):
        key = _key(gemeente, aanbieder, bsn, k.sleutel)
        start = session.scalar(select(Zorglevering).where(Zorglevering.actief_sleutel == key))
        if k.stop is None and k.status == NIEUW:
            start = Zorglevering(gemeente=gemeente, aanbieder=aanbieder, bsn=bsn, toewijzingnummer=k.sleutel.nummer,
                                 categorie=k.sleutel.categorie, code=k.sleutel.code,
                                 begindatum=k.sleutel.begindatum, toewijzing_ingangsdatum=k.toewijzing_ingangsdatum,
                                 bericht_id=bericht_id, actief_sleutel=key)
            session.add(start)
            session.flush()
            recorded.append(k)
        elif start is None:
            # The rules accepted this class against the same state under the client lock.
            raise RuntimeError(f"geen lopende start {key} voor klasse van bericht {bericht_id}")
        elif k.stop is None:
            start.actief_sleutel, start.verwijderd_bericht_id = None, bericht_id
            session.flush()  # free the key before a new start in the same message takes it
        elif k.status == NIEUW:
            session.add(ZorgleveringStop(zorglevering_id=start.id, reden=k.stop.reden, einddatum=k.stop.einddatum,
                                         bericht_id=bericht_id, actief_sleutel=_stop_key(key, k.stop)))
            session.flush()
            recorded.append(k)
        else:
            stop = session.scalar(select(ZorgleveringStop).where(
                ZorgleveringStop.actief_sleutel == _stop_key(key, k.stop)))
            if stop is None:
                raise RuntimeError(f"geen stop {_stop_key(key, k.stop)} voor klasse van bericht {bericht_id}")
            stop.actief_sleutel, stop.verwijderd_bericht_id = None, bericht_id
            session.flush()
    return recorded


def _active(session: Session, gemeente: str, aanbieder: str, bsn: str) -> list[Zorglevering]:
    return list(session.scalars(select(Zorglevering).where(
        Zorglevering.gemeente == gemeente, Zorglevering.aanbieder == aanbieder, Zorglevering.bsn == bsn,
        Zorglevering.actief_sleutel.is_not(None)).order_by(Zorglevering.id)))


def _sleutel_of(row: Zorglevering) -> StartSleutel:
    return StartSleutel(row.toewijzingnummer, row.categorie, row.code, row.begindatum)


def _key(gemeente: str, aanbieder: str, bsn: str, s: StartSleutel) -> str:
    return f"{gemeente}|{aanbieder}|{bsn}|{s.nummer}|{s.categorie}|{s.code}|{s.begindatum.isoformat()}"


def _stop_key(start_key: str, stop: Stop) -> str:
    return f"{start_key}|{stop.reden}|{stop.einddatum.isoformat()}"
