"""Carrying out a decision: beschikking, toewijzingen and the JW301/JW319 (issue 3 steps 4-5).

Runs inside one transaction (a task's), so a crash halfway leaves nothing: no beschikking
without its toewijzing, no toewijzing without its JW301. Idempotent per aanvraag: once the
answer has gone out (`afgehandeld_op`), running it again does nothing.
"""
from __future__ import annotations

from datetime import timedelta

from lxml import etree
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Bericht, Toewijzing
from gateway.domain import beschikkingen, clienten, toewijzingen, uitgaand
from gateway.domain.aanvragen import AFGEWEZEN, REDENEN_AFWIJZING, TOEGEKEND, inhoud_of, parsed_request
from gateway.context import Context
from gateway.domain.model.stand import TBGT
from gateway.domain.toewijzingen import AANBIEDER_GEINITIEERD, Inhoud
from gateway.errors import Unprocessable
from gateway.render.outbound import Kop, render_jw319

AFGEWEZEN_ANTWOORD, ONDERZOEK_ANTWOORD = "1", "2"  # WJ760


class UitvoeringFout(Unprocessable):
    """The decision cannot be carried out as the data stand (reported to the operator)."""

    slug = "uitvoering"


def execute(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """Carry out the recorded final decision (toegekend or afgewezen)."""
    if aanvraag.afgehandeld_op is not None:
        return
    if aanvraag.status == TOEGEKEND:
        _grant(session, ctx, aanvraag)
    elif aanvraag.status == AFGEWEZEN:
        _reject(session, ctx, aanvraag)
    else:
        raise UitvoeringFout(f"aanvraag {aanvraag.id} heeft geen eindbesluit ({aanvraag.status})")
    aanvraag.afgehandeld_op = ctx.now()


def report_onderzoek(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """JW319 "2 Aanvraag in onderzoek" per reference; skipped once the final answer went out
    (an 'in onderzoek' after a final answer would break TR360)."""
    if aanvraag.afgehandeld_op is not None or aanvraag.onderzoek_op is None:
        return
    for referentie in _references(aanvraag):
        _jw319(session, ctx, aanvraag, referentie, ONDERZOEK_ANTWOORD, None, None, final=False)


def _grant(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    msg = parsed_request(session.get(Bericht, aanvraag.bericht_id), ctx)
    granted = [(p, inhoud_of(p)) for p in aanvraag.producten]
    beschikking = None
    if aanvraag.soort == "AGJ":
        beschikking = beschikkingen.issue(session, ctx, aanvraag=aanvraag, msg=msg,
                                          soort=beschikkingen.TOEKENNING,
                                          producten=[inhoud for _, inhoud in granted])
    if aanvraag.leveringsvorm == "PGB":
        return  # a budget for the parents: a beschikking, no toewijzing (design.md §1, §7)
    if aanvraag.soort == "JW317":
        _apply_wijziging(session, ctx, aanvraag)
        honoured = {aanvraag.referentie}
        referentie_for = _all_carry(aanvraag.referentie)
    else:
        new = {}
        for product, inhoud in granted:
            t = toewijzingen.create(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                                    bsn=aanvraag.bsn, inhoud=inhoud, aanvraag_id=aanvraag.id,
                                    beschikking_id=beschikking.id if beschikking else None,
                                    referentie=product.referentie_aanbieder)
            new[t.id] = product.referentie_aanbieder
        honoured = set(new.values())
        referentie_for = _own_reference(new)
    client = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
    if client is None:
        raise UitvoeringFout(f"geen cliëntgegevens voor BSN {aanvraag.bsn} bij gemeente {aanvraag.gemeente}")
    toewijzingen.send_jw301(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                            bsn=aanvraag.bsn, client=client, referentie_for=referentie_for,
                            afgehandeld=sorted(honoured))


def _own_reference(new: dict[int, str]):
    # IV094: each newly granted product carries its own ReferentieAanbieder; the other
    # current assignments in the same JW301 carry none (IV097, TR379).
    return lambda t: new.get(t.id)


def _all_carry(referentie: str):
    # IV093: after a VOW every product in the JW301 carries the VOW's ReferentieAanbieder.
    return lambda _t: referentie


def _apply_wijziging(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """The VOW exactly as asked (OP344): TeWijzigen changes the assignment, NieuwProduct is a
    new assignment; OngewijzigdProduct stays as it is (it is re-sent with the rest)."""
    for product in aanvraag.producten:
        if product.soort == "te_wijzigen":
            stored = toewijzingen.by_number(session, aanvraag.gemeente, product.toewijzingnummer)
            if stored is None or stored.aanbieder != aanvraag.aanbieder or stored.bsn != aanvraag.bsn:
                raise UitvoeringFout(f"toewijzing {product.toewijzingnummer} van de wijziging bestaat niet "
                                     "voor deze cliënt en aanbieder")
            _change(session, ctx, aanvraag, stored, product)
        elif product.soort == "nieuw":
            toewijzingen.create(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                                bsn=aanvraag.bsn, inhoud=inhoud_of(product), aanvraag_id=aanvraag.id,
                                beschikking_id=None, referentie=aanvraag.referentie)


def _change(session: Session, ctx: Context, aanvraag: Aanvraag, stored: Toewijzing, product) -> None:
    """Same number when only the end date, the budget or a TBGT volume changes (IV066, OP380);
    any other change of the Omvang ends the assignment the day before the desired start and
    grants a new one from that day (IV066, OP257). When the desired start is the original start,
    the old one is deleted instead (RedenWijziging 13), as nothing of it remains."""
    new_omvang = (product.volume, product.eenheid, product.frequentie)
    old_omvang = (stored.volume, stored.eenheid, stored.frequentie)
    # Only the Volume of a TBGT assignment may change under its number; another Eenheid or
    # Frequentie makes it a different grant (facts E.5: anything else = new assignment).
    tbgt_volume = stored.frequentie == TBGT and new_omvang[1:] == old_omvang[1:]
    in_place = new_omvang == old_omvang or tbgt_volume
    if in_place:
        toewijzingen.change(stored, ctx, reden=AANBIEDER_GEINITIEERD, einddatum=product.einddatum,
                            volume=product.volume, eenheid=product.eenheid, frequentie=product.frequentie,
                            budget=product.budget)
        return
    start = product.ingangsdatum
    if start > stored.ingangsdatum:
        # Ended the day before, but never later than it already ended: a desired start after
        # the old Einddatum (outside IV092, which no rule checks) must not extend the old grant.
        day_before = start - timedelta(days=1)
        if stored.einddatum is None or day_before < stored.einddatum:
            toewijzingen.change(stored, ctx, reden=AANBIEDER_GEINITIEERD, einddatum=day_before)
    else:
        toewijzingen.delete(stored, ctx)
    toewijzingen.create(session, ctx, gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                        bsn=aanvraag.bsn, aanvraag_id=aanvraag.id, beschikking_id=stored.beschikking_id,
                        referentie=aanvraag.referentie,
                        inhoud=Inhoud(stored.categorie, stored.code, start, product.einddatum,
                                      product.volume, product.eenheid, product.frequentie, product.budget))


def _reject(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    reden = aanvraag.reden_afwijzing
    woonplaats = (aanvraag.besluit or {}).get("woonplaatsbeginsel")
    if aanvraag.soort == "AGJ":
        msg = parsed_request(session.get(Bericht, aanvraag.bericht_id), ctx)
        beschikkingen.issue(session, ctx, aanvraag=aanvraag, msg=msg, soort=beschikkingen.AFWIJZING,
                            producten=[inhoud_of(p) for p in aanvraag.producten],
                            reden_afwijzing=reden, reden_tekst=REDENEN_AFWIJZING.get(reden))
    for referentie in _references(aanvraag):
        _jw319(session, ctx, aanvraag, referentie, AFGEWEZEN_ANTWOORD, reden, woonplaats, final=True)


def _references(aanvraag: Aanvraag) -> list[str]:
    """One JW319 answers one ReferentieAanbieder: per product for an AGJ/JW315, once for a VOW."""
    if aanvraag.soort == "JW317":
        return [aanvraag.referentie]
    return [p.referentie_aanbieder for p in aanvraag.producten]


def _jw319(session: Session, ctx: Context, aanvraag: Aanvraag, referentie: str, antwoord: str,
           reden: str | None, woonplaats: str | None, *, final: bool) -> None:
    def render(kop: Kop) -> etree._ElementTree:
        return render_jw319(kop, referentie=referentie, verzoek_antwoord=antwoord, reden=reden,
                            woonplaatsbeginsel=woonplaats if reden == "8" else None, schemas=ctx.schemas)

    uitgaand.send(session, ctx, message="JW319", gemeente=aanvraag.gemeente, aanbieder=aanvraag.aanbieder,
                  bsn=aanvraag.bsn, render=render, afgehandeld=[referentie] if final else [])
