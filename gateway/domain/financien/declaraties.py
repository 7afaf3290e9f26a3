"""Declarations (JW323) in the database: what the JW323 rules read (earlier declarations, the
toewijzingen and deliveries the declaration names) and the booking of a judged declaration.
The judging itself is pure (`gateway.model.declaratie`)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from gateway.db.models import Declaratie, Prestatie, Toewijzing, Zorglevering
from gateway.model.declaratie import AFGEWEZEN, CLIENT, TOEGEKEND, Antwoord, DeclaratieStand, Geboekt, clients
from gateway.rules.engine import StateReader
from gateway.xml.view import ParsedMessage


class DeclaratieLog:
    """The message log (`gateway.intake.log.MessageLog`, for the Header rules) plus what the
    JW323 rules read: earlier declarations and the toewijzingen the declaration names."""

    def __init__(self, session: Session, log: StateReader):
        self.session = session
        self._log = log
        self._stand: DeclaratieStand | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)

    def declaratie_stand(self, msg: ParsedMessage) -> DeclaratieStand:
        if self._stand is not None:
            return self._stand
        gemeente, aanbieder = msg.ontvanger, msg.afzender
        regels = [r for _, rs in clients(msg) for r in rs]
        nummers = {r.toewijzingnummer for r in regels}
        bsns = {msg.text("m:Bsn", c) for c in msg.findall(CLIENT)}
        referenties = {r.referentie for r in regels} | {r.vorige_referentie for r in regels if r.vorige_referentie}
        s = self.session
        nummer = msg.text("m:Declaratie/m:DeclaratieNummer")
        gebruikt = s.scalar(select(exists().where(
            Declaratie.gemeente == gemeente, Declaratie.aanbieder == aanbieder, Declaratie.nummer == nummer)))
        toewijzingen = {t.nummer: t for t in s.scalars(select(Toewijzing).where(
            Toewijzing.gemeente == gemeente, Toewijzing.nummer.in_(nummers)))}
        bekend = set(s.scalars(select(Toewijzing.bsn).where(
            Toewijzing.gemeente == gemeente, Toewijzing.aanbieder == aanbieder, Toewijzing.bsn.in_(bsns))))
        rows = s.scalars(select(Prestatie).where(
            Prestatie.aanbieder == aanbieder, Prestatie.status == TOEGEKEND,
            or_(Prestatie.referentie.in_(referenties), Prestatie.vorige_referentie.in_(referenties),
                (Prestatie.gemeente == gemeente) & Prestatie.toewijzingnummer.in_(nummers)))
            .order_by(Prestatie.id))
        geboekt = [Geboekt(p.referentie, p.vorige_referentie, p.toewijzingnummer, p.categorie, p.code,
                           p.begindatum, p.einddatum, -p.volume if p.debet_credit == "C" else p.volume,
                           p.bedrag_eurocent, p.debet_credit == "C", p.eenheid) for p in rows]
        zorg: dict[int, list[tuple[date, date | None]]] = {}
        for start in s.scalars(select(Zorglevering).where(
                Zorglevering.gemeente == gemeente, Zorglevering.toewijzingnummer.in_(nummers),
                Zorglevering.actief_sleutel.is_not(None))):
            assert start.toewijzingnummer is not None  # selected by it
            stop = next((x for x in start.stops if x.actief_sleutel), None)
            zorg.setdefault(start.toewijzingnummer, []).append(
                (start.begindatum, stop.einddatum if stop is not None else None))
        self._stand = DeclaratieStand(bool(gebruikt), toewijzingen, bekend, geboekt, zorg)
        return self._stand


def boek(session: Session, msg: ParsedMessage, answer: Antwoord, bericht_id: int) -> Declaratie:
    """Record the declaration and every prestatie with its verdict (caller's transaction)."""
    gemeente, aanbieder = msg.ontvanger, msg.afzender
    declaratie = Declaratie(
        bericht_id=bericht_id, gemeente=gemeente, aanbieder=aanbieder, nummer=answer.nummer,
        periode_begin=msg.date("m:Declaratie/m:DeclaratiePeriode/b:Begindatum"),
        periode_eind=msg.date("m:Declaratie/m:DeclaratiePeriode/b:Einddatum"),
        dagtekening=msg.date("m:Declaratie/m:DeclaratieDagtekening"),
        ingediend_eurocent=answer.ingediend, toegekend_eurocent=answer.toegekend)
    session.add(declaratie)
    session.flush()
    for _, regels in clients(msg):
        for r in regels:
            codes = answer.verdicts.get(r.element, [])
            session.add(Prestatie(
                declaratie_id=declaratie.id, gemeente=gemeente, aanbieder=aanbieder, bsn=r.bsn,
                referentie=r.referentie, vorige_referentie=r.vorige_referentie,
                toewijzingnummer=r.toewijzingnummer, categorie=r.categorie, code=r.code,
                begindatum=r.begindatum, einddatum=r.einddatum, volume=r.volume, eenheid=r.eenheid,
                tarief_eurocent=r.tarief, bedrag_eurocent=r.signed_bedrag, debet_credit=r.debet_credit,
                status=AFGEWEZEN if codes else TOEGEKEND, retourcodes=codes,
                actief_sleutel=None if codes else f"{aanbieder}|{r.referentie}"))
    session.flush()  # a concurrent twin breaks the unique keys here, inside the transaction
    return declaratie
