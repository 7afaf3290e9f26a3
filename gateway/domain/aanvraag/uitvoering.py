"""Carrying out a decision: beschikking, toewijzingen and the JW301/JW319.

`plan` says what a decision produces, reading the database but writing nothing: the
beschikking's content, every toewijzing of the client as the JW301 will carry it (as it
stands, changed, or new), and the JW319s. `execute` carries the plan out (numbers drawn, rows
stored, messages sent) inside one transaction (a task's), so a crash halfway leaves nothing:
no beschikking without its toewijzing, no toewijzing without its JW301. `check` is the plan's
dry run: its messages rendered with placeholder numbers and self-checked, nothing written and
no number drawn (a decision is checked this way before it is recorded, see
gateway.domain.aanvraag.besluiten). Idempotent per aanvraag: once the answer has gone out
(`afgehandeld_op`), the plan is empty and running it again does nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, AanvraagProduct, Bericht, Beschikking
from gateway.domain.aanvraag import beschikkingen, clienten, nummers, toewijzingen
from gateway.domain.aanvraag.aanvragen import (
    AFGEWEZEN,
    REDENEN_AFWIJZING,
    TOEGEKEND,
    inhoud_of,
    parsed_request,
)
from gateway.domain.aanvraag.toewijzingen import AANBIEDER_GEINITIEERD, Inhoud, Versie
from gateway.domain.berichten import uitgaand
from gateway.errors import Unprocessable
from gateway.model.stand import TBGT
from gateway.render.outbound import Kop, render_jw319

AFGEWEZEN_ANTWOORD, ONDERZOEK_ANTWOORD = "1", "2"  # WJ760


class UitvoeringFout(Unprocessable):
    """The decision cannot be carried out as the data stand (reported to the operator)."""

    slug = "uitvoering"


@dataclass(frozen=True)
class BeschikkingPlan:
    soort: str  # beschikkingen.TOEKENNING or AFWIJZING
    producten: tuple[Inhoud, ...]
    reden_afwijzing: str | None = None
    reden_tekst: str | None = None
    gevraagd: tuple[AanvraagProduct, ...] = ()  # what `producten` answer, in the same order (the letter's table)


@dataclass(frozen=True)
class Jw301Plan:
    client: etree._Element
    toewijzingen: tuple[Versie, ...]  # every toewijzing of the client after the decision, new ones last
    afgehandeld: tuple[str, ...]  # the ReferentieAanbieder values it answers finally


@dataclass(frozen=True)
class Jw319Plan:
    referentie: str
    antwoord: str  # WJ760
    reden: str | None = None
    woonplaats: str | None = None
    final: bool = True


@dataclass(frozen=True)
class Plan:
    """What carrying out a decision produces."""

    beschikking: BeschikkingPlan | None = None
    jw301: Jw301Plan | None = None
    jw319: tuple[Jw319Plan, ...] = ()


def plan(session: Session, ctx: Context, aanvraag: Aanvraag) -> Plan:
    """What carrying out the recorded final decision (toegekend or afgewezen) produces."""
    if aanvraag.afgehandeld_op is not None:
        return Plan()
    if aanvraag.status == TOEGEKEND:
        return _plan_grant(session, ctx, aanvraag)
    if aanvraag.status == AFGEWEZEN:
        return _plan_reject(aanvraag)
    raise UitvoeringFout(f"aanvraag {aanvraag.id} heeft geen eindbesluit ({aanvraag.status})")


def execute(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """Carry out the recorded final decision: its plan, written."""
    if aanvraag.afgehandeld_op is not None:
        return
    _write(session, ctx, aanvraag, plan(session, ctx, aanvraag))
    aanvraag.afgehandeld_op = ctx.now()


def check(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """The decision's dry run: the messages its plan makes, rendered and self-checked, with
    nothing written and no number drawn. Raises what `execute` would raise on them:
    UitgaandOngeldig (a message fails the self-check), UitvoeringFout, NotFound (the
    provider is gone)."""
    planned = plan(session, ctx, aanvraag)
    if planned.jw301 is not None:
        toewijzingen.check_jw301(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                                 client=planned.jw301.client,
                                 toewijzingen=_placeholders(session, aanvraag.gemeente, planned.jw301.toewijzingen))
    for jw319 in planned.jw319:
        uitgaand.dry_run(session, ctx, message="JW319", gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                         render=_jw319_render(ctx, jw319))


def report_onderzoek(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """JW319 "2 Aanvraag in onderzoek" per reference; skipped once the final answer went out
    (an 'in onderzoek' after a final answer would break TR360)."""
    if aanvraag.afgehandeld_op is not None or aanvraag.onderzoek_op is None:
        return
    for referentie in _references(aanvraag):
        _send_jw319(session, ctx, aanvraag, Jw319Plan(referentie, ONDERZOEK_ANTWOORD, final=False))


# -- the plan ---------------------------------------------------------------------------------

def _plan_grant(session: Session, ctx: Context, aanvraag: Aanvraag) -> Plan:
    granted = [(p, inhoud_of(p)) for p in aanvraag.producten]
    beschikking = None
    if aanvraag.soort == "AGJ":
        beschikking = BeschikkingPlan(beschikkingen.TOEKENNING, tuple(inhoud for _, inhoud in granted),
                                      gevraagd=tuple(product for product, _ in granted))
    if aanvraag.leveringsvorm == "PGB":
        return Plan(beschikking)  # a budget for the parents: a beschikking, no toewijzing (design.md §1, §7)
    now = ctx.local_now()
    stored = toewijzingen.for_client(session, aanvraag.gemeente, aanvraag.aanbieder, aanvraag.bsn)
    if aanvraag.soort == "JW317":
        # IV093: after a VOW every product in the JW301 carries the VOW's ReferentieAanbieder.
        versies = {t.nummer: toewijzingen.as_stored(t, aanvraag.referentie) for t in stored}
        new = _apply_wijziging(aanvraag, versies, now)
        honoured = [aanvraag.referentie]
    else:
        # IV094: each newly granted product carries its own ReferentieAanbieder; the other
        # current assignments in the same JW301 carry none (IV097, TR379).
        versies = {t.nummer: toewijzingen.as_stored(t, None) for t in stored}
        new = [toewijzingen.new(inhoud, now, referentie=product.referentie_aanbieder)
               for product, inhoud in granted]
        honoured = sorted({product.referentie_aanbieder for product, _ in granted})
    client = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
    if client is None:
        raise UitvoeringFout(f"geen cliëntgegevens voor BSN {aanvraag.bsn} bij gemeente {aanvraag.gemeente}")
    return Plan(beschikking, Jw301Plan(client, (*versies.values(), *new), tuple(honoured)))


def _apply_wijziging(aanvraag: Aanvraag, versies: dict[int, Versie], now: datetime) -> list[Versie]:
    """The VOW exactly as asked (OP344): TeWijzigen changes the assignment in `versies`,
    NieuwProduct is a new assignment (returned); OngewijzigdProduct stays as it is (it is
    re-sent with the rest)."""
    new = []
    for product in aanvraag.producten:
        if product.soort == "te_wijzigen":
            current = versies.get(product.toewijzingnummer)
            if current is None:  # no such number, or another client's or provider's
                raise UitvoeringFout(f"toewijzing {product.toewijzingnummer} van de wijziging bestaat niet "
                                     "voor deze cliënt en aanbieder")
            versies[product.toewijzingnummer], created = _change(aanvraag, current, product, now)
            new += created
        elif product.soort == "nieuw":
            new.append(toewijzingen.new(inhoud_of(product), now, referentie=aanvraag.referentie))
    return new


def _change(aanvraag: Aanvraag, stored: Versie, product, now: datetime) -> tuple[Versie, list[Versie]]:
    """Same number when only the end date, the budget or a TBGT volume changes (IV066, OP380);
    any other change of the Omvang ends the assignment the day before the desired start and
    grants a new one from that day (IV066, OP257). When the desired start is the original start,
    the old one is deleted instead (RedenWijziging 13), as nothing of it remains."""
    old = stored.inhoud
    new_omvang = (product.volume, product.eenheid, product.frequentie)
    old_omvang = (old.volume, old.eenheid, old.frequentie)
    # Only the Volume of a TBGT assignment may change under its number; another Eenheid or
    # Frequentie makes it a different grant (facts E.5: anything else = new assignment).
    tbgt_volume = old.frequentie == TBGT and new_omvang[1:] == old_omvang[1:]
    if new_omvang == old_omvang or tbgt_volume:
        return toewijzingen.changed(stored, now, reden=AANBIEDER_GEINITIEERD, einddatum=product.einddatum,
                                    volume=product.volume, eenheid=product.eenheid,
                                    frequentie=product.frequentie, budget=product.budget), []
    start = product.ingangsdatum
    ended = stored
    if start > old.ingangsdatum:
        # Ended the day before, but never later than it already ended: a desired start after
        # the old Einddatum (outside IV092, which no rule checks) must not extend the old grant.
        day_before = start - timedelta(days=1)
        if old.einddatum is None or day_before < old.einddatum:
            ended = toewijzingen.changed(stored, now, reden=AANBIEDER_GEINITIEERD, einddatum=day_before)
    else:
        ended = toewijzingen.deleted(stored, now)
    successor = toewijzingen.new(Inhoud(old.categorie, old.code, start, product.einddatum, product.volume,
                                        product.eenheid, product.frequentie, product.budget),
                                 now, referentie=aanvraag.referentie, beschikking_id=stored.beschikking_id)
    return ended, [successor]


def _plan_reject(aanvraag: Aanvraag) -> Plan:
    reden = aanvraag.reden_afwijzing
    woonplaats = (aanvraag.besluit or {}).get("woonplaatsbeginsel")
    beschikking = None
    if aanvraag.soort == "AGJ":
        beschikking = BeschikkingPlan(beschikkingen.AFWIJZING, tuple(inhoud_of(p) for p in aanvraag.producten),
                                      reden, REDENEN_AFWIJZING.get(reden), gevraagd=tuple(aanvraag.producten))
    return Plan(beschikking, jw319=tuple(Jw319Plan(referentie, AFGEWEZEN_ANTWOORD, reden, woonplaats)
                                         for referentie in _references(aanvraag)))


def _references(aanvraag: Aanvraag) -> list[str]:
    """One JW319 answers one ReferentieAanbieder: per product for an AGJ/JW315, once for a VOW."""
    if aanvraag.soort == "JW317":
        return [aanvraag.referentie]
    return [p.referentie_aanbieder for p in aanvraag.producten]


# -- carrying it out --------------------------------------------------------------------------

def _write(session: Session, ctx: Context, aanvraag: Aanvraag, planned: Plan) -> None:
    beschikking = None
    if planned.beschikking is not None:
        b = planned.beschikking
        msg = parsed_request(session.get(Bericht, aanvraag.bericht_id), ctx)
        beschikking = beschikkingen.issue(session, ctx, aanvraag=aanvraag, msg=msg, soort=b.soort,
                                          producten=list(b.producten), reden_afwijzing=b.reden_afwijzing,
                                          reden_tekst=b.reden_tekst, gevraagd=list(b.gevraagd))
    if planned.jw301 is not None:
        stored = [_store(session, aanvraag, versie, beschikking) for versie in planned.jw301.toewijzingen]
        toewijzingen.send_jw301(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                                bsn=aanvraag.bsn, client=planned.jw301.client, toewijzingen=stored,
                                afgehandeld=list(planned.jw301.afgehandeld))
    for jw319 in planned.jw319:
        _send_jw319(session, ctx, aanvraag, jw319)


def _store(session: Session, aanvraag: Aanvraag, versie: Versie, beschikking: Beschikking | None) -> Versie:
    """A planned version stored: a new assignment numbered (it belongs to the beschikking
    this decision issued, if any), a changed one written onto its row."""
    if versie.row is None:
        row = toewijzingen.create(session, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                                  bsn=aanvraag.bsn, versie=versie, aanvraag_id=aanvraag.id,
                                  beschikking_id=beschikking.id if beschikking else versie.beschikking_id)
        return replace(versie, nummer=row.nummer, row=row)
    if versie.changed:
        toewijzingen.store(versie)
    return versie


def _placeholders(session: Session, gemeente: str, versies: tuple[Versie, ...]) -> list[Versie]:
    """The planned versions with the numbers their new assignments would draw, none drawn."""
    numbered, drawn = [], 0
    for versie in versies:
        if versie.nummer is None:
            versie = replace(versie, nummer=nummers.following(session, gemeente, nummers.TOEWIJZING, drawn))
            drawn += 1
        numbered.append(versie)
    return numbered


def _send_jw319(session: Session, ctx: Context, aanvraag: Aanvraag, jw319: Jw319Plan) -> None:
    uitgaand.send(session, ctx, message="JW319", gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                  bsn=aanvraag.bsn, render=_jw319_render(ctx, jw319),
                  afgehandeld=[jw319.referentie] if jw319.final else [])


def _jw319_render(ctx: Context, jw319: Jw319Plan):
    def render(kop: Kop) -> etree._ElementTree:
        return render_jw319(kop, referentie=jw319.referentie, verzoek_antwoord=jw319.antwoord, reden=jw319.reden,
                            woonplaatsbeginsel=jw319.woonplaats if jw319.reden == "8" else None,
                            schemas=ctx.schemas)

    return render
