"""Assignments (toewijzingen) and the JW301 that carries them (OP087, IV093/IV094, IV099)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Bericht, Toewijzing
from gateway.domain.aanvraag import nummers
from gateway.domain.berichten import uitgaand
from gateway.model.stand import ToewijzingStand
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


@dataclass(frozen=True)
class Versie:
    """A toewijzing as the next JW301 carries it: a stored one as it stands or as a decision
    changes it, or a new one, whose number is drawn when it is stored (None until then)."""

    nummer: int | None
    inhoud: Inhoud
    toewijzingsdatum: date
    toewijzingstijd: str
    reden_wijziging: str | None
    gewijzigd: bool  # not sent yet: the next JW301 carries it (OP087)
    referentie: str | None  # the ReferentieAanbieder it carries in that JW301 (IV093, IV094, IV097)
    beschikking_id: int | None = None
    changed: bool = False  # a version the decision makes: written onto `row`, or a new row
    row: Toewijzing | None = field(default=None, compare=False)  # the stored one; None: new

    @property
    def verwijderd(self) -> bool:
        return self.reden_wijziging == VERWIJDERD


def as_stored(toewijzing: Toewijzing, referentie: str | None) -> Versie:
    t = toewijzing
    return Versie(t.nummer, Inhoud(t.categorie, t.code, t.ingangsdatum, t.einddatum, t.volume, t.eenheid,
                                   t.frequentie, t.budget),
                  t.toewijzingsdatum, t.toewijzingstijd, t.reden_wijziging, t.gewijzigd, referentie,
                  t.beschikking_id, row=t)


def new(inhoud: Inhoud, now: datetime, *, referentie: str | None, beschikking_id: int | None = None) -> Versie:
    """A new assignment: a new number, and no RedenWijziging as an initial assignment (IV066)."""
    return Versie(None, inhoud, now.date(), now.strftime("%H:%M:%S"), None, True, referentie, beschikking_id,
                  changed=True)


def changed(versie: Versie, now: datetime, *, reden: str, **values) -> Versie:
    """A new version under the same number (shortened, extended, deleted, budget or TBGT
    volume changed: IV066)."""
    return replace(versie, inhoud=replace(versie.inhoud, **values), reden_wijziging=reden,
                   toewijzingsdatum=now.date(), toewijzingstijd=now.strftime("%H:%M:%S"), gewijzigd=True,
                   changed=True)


def deleted(versie: Versie, now: datetime) -> Versie:
    return changed(versie, now, reden=VERWIJDERD, einddatum=versie.inhoud.ingangsdatum)


def create(session: Session, *, gemeente: str, aanbieder: str, bsn: str, versie: Versie,
           aanvraag_id: int | None, beschikking_id: int | None) -> Toewijzing:
    """Store a new assignment under the next number of its gemeente."""
    # The number first, before the decision's changes to stored assignments are flushed: every
    # decision then takes the gemeente's counter before the provider's month totals
    # (gateway.db.maandtotalen), and two decisions cannot each hold what the other waits for.
    with session.no_autoflush:
        nummer = nummers.next_number(session, gemeente, nummers.TOEWIJZING)
    toewijzing = Toewijzing(
        gemeente=gemeente, nummer=nummer,
        aanbieder=aanbieder, bsn=bsn, aanvraag_id=aanvraag_id, beschikking_id=beschikking_id,
        referentie_aanbieder=versie.referentie, reden_wijziging=None, gewijzigd=True,
        toewijzingsdatum=versie.toewijzingsdatum, toewijzingstijd=versie.toewijzingstijd, **vars(versie.inhoud))
    session.add(toewijzing)
    session.flush()
    return toewijzing


def store(versie: Versie) -> None:
    """Write a changed version onto its stored assignment."""
    t = versie.row
    assert t is not None  # a version of a stored assignment: new ones are created
    for name, value in vars(versie.inhoud).items():
        setattr(t, name, value)
    t.reden_wijziging = versie.reden_wijziging
    t.toewijzingsdatum, t.toewijzingstijd = versie.toewijzingsdatum, versie.toewijzingstijd
    t.gewijzigd = True


def send_jw301(session: Session, ctx: Context, *, gemeente: str, aanbieder: str, bsn: str,
               client: etree._Element, toewijzingen: list[Versie], afgehandeld: list[str]) -> Bericht:
    """The JW301 for this client and provider, from every stored assignment of the client
    (see `_jw301`); what it carries counts as sent."""
    chosen, render = _jw301(ctx, client, toewijzingen)
    bericht = uitgaand.send(session, ctx, message="JW301", gemeente=gemeente, aanbieder=aanbieder,
                            bsn=bsn, render=render, afgehandeld=afgehandeld)
    for versie in chosen:
        assert versie.row is not None  # stored before it is sent
        versie.row.gewijzigd = False
    return bericht


def check_jw301(session: Session, ctx: Context, *, gemeente: str, aanbieder: str,
                client: etree._Element, toewijzingen: list[Versie]) -> None:
    """The JW301 `send_jw301` would send, rendered and self-checked with nothing stored: new
    assignments carry the numbers given them here."""
    _chosen, render = _jw301(ctx, client, toewijzingen)
    uitgaand.dry_run(session, ctx, message="JW301", gemeente=gemeente, aanbieder=aanbieder, render=render)


def _jw301(ctx: Context, client: etree._Element,
           toewijzingen: list[Versie]) -> tuple[list[Versie], Callable[[Kop], etree._ElementTree]]:
    """What a JW301 carries: every assignment valid on or after today plus every one changed
    since the previous JW301 (OP087), each with the ReferentieAanbieder its version says."""
    today = ctx.today()
    chosen = [v for v in toewijzingen if v.gewijzigd or (
        not v.verwijderd and (v.inhoud.einddatum is None or v.inhoud.einddatum >= today))]
    regels = [_regel(v) for v in chosen]

    def render(kop: Kop) -> etree._ElementTree:
        return render_jw301(kop, client, regels, ctx.schemas)

    return chosen, render


def _regel(v: Versie) -> ToegewezenProductRegel:
    # RedenWijziging only on the version that changed; an unchanged re-send carries none (IV099).
    i = v.inhoud
    assert v.nummer is not None  # numbered: stored, or given its placeholder by a dry run
    return ToegewezenProductRegel(
        nummer=v.nummer, referentie=v.referentie, categorie=i.categorie, code=i.code,
        toewijzingsdatum=v.toewijzingsdatum, toewijzingstijd=v.toewijzingstijd,
        ingangsdatum=i.ingangsdatum, einddatum=i.einddatum,
        reden_wijziging=v.reden_wijziging if v.gewijzigd else None,
        volume=i.volume, eenheid=i.eenheid, frequentie=i.frequentie, budget=i.budget)
