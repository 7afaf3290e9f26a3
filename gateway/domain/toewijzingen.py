"""Assignments (toewijzingen) and the JW301 that carries them (OP087, IV093/IV094, IV099)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Bericht, Toewijzing
from gateway.domain import nummers, uitgaand
from gateway.context import Context
from gateway.domain.model.stand import ToewijzingStand
from gateway.render.outbound import Kop, ToegewezenProductRegel, render_jw301

VERWIJDERD = "13"  # JZ002: deleted, Einddatum = Ingangsdatum
AANBIEDER_GEINITIEERD = "12"  # JZ002: initiated by the provider (after a VOW)


@dataclass(frozen=True)
class Inhoud:
    """What an assignment grants."""

    categorie: str | None
    code: str | None
    ingangsdatum: date
    einddatum: date | None
    volume: int | None = None
    eenheid: str | None = None
    frequentie: str | None = None
    budget: int | None = None


def for_client(session: Session, gemeente: str, aanbieder: str, bsn: str) -> list[Toewijzing]:
    return list(session.scalars(select(Toewijzing).where(
        Toewijzing.gemeente == gemeente, Toewijzing.aanbieder == aanbieder, Toewijzing.bsn == bsn)
        .order_by(Toewijzing.nummer)))


def by_number(session: Session, gemeente: str, nummer: int) -> Toewijzing | None:
    return session.scalar(select(Toewijzing).where(Toewijzing.gemeente == gemeente,
                                                   Toewijzing.nummer == nummer))


def stand(toewijzing: Toewijzing) -> ToewijzingStand:
    t = toewijzing
    return ToewijzingStand(t.nummer, t.categorie, t.code, t.ingangsdatum, t.einddatum, t.volume,
                           t.eenheid, t.frequentie, t.budget)


def create(session: Session, ctx: Context, *, gemeente: str, aanbieder: str, bsn: str,
           inhoud: Inhoud, aanvraag_id: int | None, beschikking_id: int | None,
           referentie: str | None) -> Toewijzing:
    """A new assignment with a new number: an initial assignment has no RedenWijziging (IV066)."""
    now = ctx.local_now()
    toewijzing = Toewijzing(
        gemeente=gemeente, nummer=nummers.next_number(session, gemeente, nummers.TOEWIJZING),
        aanbieder=aanbieder, bsn=bsn, aanvraag_id=aanvraag_id, beschikking_id=beschikking_id,
        referentie_aanbieder=referentie, reden_wijziging=None, gewijzigd=True,
        toewijzingsdatum=now.date(), toewijzingstijd=now.strftime("%H:%M:%S"), **vars(inhoud))
    session.add(toewijzing)
    session.flush()
    return toewijzing


def change(toewijzing: Toewijzing, ctx: Context, *, reden: str, **values) -> None:
    """A new version under the same number (shortened, extended, deleted, budget or TBGT
    volume changed: IV066)."""
    now = ctx.local_now()
    for name, value in values.items():
        setattr(toewijzing, name, value)
    toewijzing.reden_wijziging = reden
    toewijzing.toewijzingsdatum, toewijzing.toewijzingstijd = now.date(), now.strftime("%H:%M:%S")
    toewijzing.gewijzigd = True


def delete(toewijzing: Toewijzing, ctx: Context) -> None:
    change(toewijzing, ctx, reden=VERWIJDERD, einddatum=toewijzing.ingangsdatum)


def send_jw301(session: Session, ctx: Context, *, gemeente: str, aanbieder: str, bsn: str,
               client: etree._Element, referentie_for: Callable[[Toewijzing], str | None],
               afgehandeld: list[str]) -> Bericht:
    """The JW301 for this client and provider: every assignment valid on or after today plus
    every one changed since the previous JW301 (OP087). `referentie_for` says which
    ReferentieAanbieder each carries: the request's own where it honours one (IV094 for a
    VOT, the VOW's for all of them, IV093), else none (IV097)."""
    today = ctx.today()
    chosen = [t for t in for_client(session, gemeente, aanbieder, bsn)
              if t.gewijzigd or (not t.verwijderd and (t.einddatum is None or t.einddatum >= today))]
    regels = [_regel(t, referentie_for(t)) for t in chosen]

    def render(kop: Kop) -> etree._ElementTree:
        return render_jw301(kop, client, regels, ctx.schemas)

    bericht = uitgaand.send(session, ctx, message="JW301", gemeente=gemeente, aanbieder=aanbieder,
                            bsn=bsn, render=render, afgehandeld=afgehandeld)
    for t in chosen:
        t.gewijzigd = False
    return bericht


def _regel(t: Toewijzing, referentie: str | None) -> ToegewezenProductRegel:
    # RedenWijziging only on the version that changed; an unchanged re-send carries none (IV099).
    return ToegewezenProductRegel(
        nummer=t.nummer, referentie=referentie, categorie=t.categorie, code=t.code,
        toewijzingsdatum=t.toewijzingsdatum, toewijzingstijd=t.toewijzingstijd,
        ingangsdatum=t.ingangsdatum, einddatum=t.einddatum,
        reden_wijziging=t.reden_wijziging if t.gewijzigd else None,
        volume=t.volume, eenheid=t.eenheid, frequentie=t.frequentie, budget=t.budget)
