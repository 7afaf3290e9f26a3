"""Four eyes on a grant outside the norms (design.md §9).

In the back office such a grant is not carried out at once: `propose` records it as a
`Voorstel` that waits, after checking it completely (the same `besluiten.record`, run in a
savepoint that is rolled back, so a proposal that could not be carried out is refused now and
not at approval). Another cjg user than the one who proposed `approve`s it, which records the
decision through `besluiten.record` as any decision; either of them, or any cjg user, may
`withdraw` it before that. A decision taken otherwise meanwhile (through the API) makes the
proposal lapse (`besluiten.record` marks it "vervallen").

Every step claims the proposal with one conditional update, so two approvals of the same
proposal (two tabs, two colleagues) carry it out exactly once.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, Voorstel
from gateway.db.rows import rowcount
from gateway.domain.aanvraag import besluiten
from gateway.domain.aanvraag.aanvragen import OPEN
from gateway.domain.aanvraag.aanvragen import VOORSTEL_VERVALLEN as VERVALLEN
from gateway.domain.aanvraag.aanvragen import VOORSTEL_WACHT as WACHT
from gateway.domain.aanvraag.besluiten import BesluitFout, BesluitInvoer, ProductBesluit
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.domain.aanvraag.normtoets import GrantAfwijking

AKKOORD, INGETROKKEN = "akkoord", "ingetrokken"
STATUS_LABELS = {WACHT: "wacht op akkoord", AKKOORD: "akkoord gegeven", INGETROKKEN: "ingetrokken",
                 VERVALLEN: "vervallen (anders besloten)"}


def waiting(session: Session, aanvraag_id: int) -> Voorstel | None:
    return session.scalar(select(Voorstel).where(Voorstel.aanvraag_id == aanvraag_id, Voorstel.status == WACHT))


def propose(session: Session, ctx: Context, *, aanvraag: Aanvraag, invoer: BesluitInvoer,
            afwijkingen: list[GrantAfwijking], door: str) -> Voorstel:
    if aanvraag.status not in OPEN:
        raise BesluitFout(409, "al-besloten", f"over aanvraag {aanvraag.id} is al besloten ({aanvraag.status})")
    if waiting(session, aanvraag.id) is not None:
        raise BesluitFout(409, "voorstel-wacht", "er wacht al een voorstel op akkoord; geef akkoord of trek het "
                                                 "eerst in")
    savepoint = session.begin_nested()
    try:
        besluiten.record(session, ctx, aanvraag_id=aanvraag.id, gemeente=aanvraag.gemeente, invoer=invoer,
                         door=door)
    finally:
        savepoint.rollback()  # a full check, nothing kept
    voorstel = Voorstel(aanvraag_id=aanvraag.id, invoer=invoer_json(invoer), afwijkingen=[vars(a) for a in afwijkingen],
                        voorgesteld_door=door, voorgesteld_op=ctx.now(), status=WACHT)
    try:
        with session.begin_nested():  # the partial unique index refuses a second waiting proposal
            session.add(voorstel)
    except IntegrityError:
        raise BesluitFout(409, "voorstel-wacht", "er wacht al een voorstel op akkoord (zojuist gedaan door een "
                                                 "collega); geef akkoord of trek het eerst in") from None
    return voorstel


def approve(session: Session, ctx: Context, *, voorstel_id: int, door: str) -> Aanvraag:
    voorstel = _own(session, voorstel_id)
    if _same_user(voorstel.voorgesteld_door, door):
        raise BesluitFout(403, "vier-ogen", "een ander cjg-medewerker dan wie het voorstel deed, moet akkoord "
                                            "geven (vier ogen)")
    _claim(session, ctx, voorstel, AKKOORD, door)
    invoer = invoer_from_json(voorstel.invoer)
    aanvraag_row = session.get(Aanvraag, voorstel.aanvraag_id)
    assert aanvraag_row is not None  # the proposal's foreign key
    aanvraag = besluiten.record(session, ctx, aanvraag_id=aanvraag_row.id, gemeente=aanvraag_row.gemeente,
                                invoer=invoer, door=voorstel.voorgesteld_door)
    aanvraag.besluit = {**(aanvraag.besluit or {}), "akkoord_door": door}
    return aanvraag


def withdraw(session: Session, ctx: Context, *, voorstel_id: int, door: str) -> Voorstel:
    voorstel = _own(session, voorstel_id)
    _claim(session, ctx, voorstel, INGETROKKEN, door)
    return voorstel


def _own(session: Session, voorstel_id: int) -> Voorstel:
    voorstel = session.get(Voorstel, voorstel_id)
    if voorstel is None:
        raise BesluitFout(404, "not-found", f"geen voorstel {voorstel_id}")
    return voorstel


def _claim(session: Session, ctx: Context, voorstel: Voorstel, status: str, door: str) -> None:
    claimed = rowcount(session, update(Voorstel).where(Voorstel.id == voorstel.id, Voorstel.status == WACHT)
                       .values(status=status, afgehandeld_door=door, afgehandeld_op=ctx.now()))
    session.refresh(voorstel)
    if not claimed:
        raise BesluitFout(409, "voorstel-afgehandeld", "dit voorstel is al afgehandeld "
                                                       f"({voorstel.status} door {voorstel.afgehandeld_door})")


def _same_user(voorgesteld_door: str, door: str) -> bool:
    return voorgesteld_door.strip().casefold() == door.strip().casefold()


def invoer_json(invoer: BesluitInvoer) -> dict:
    def plain(value):
        return value.isoformat() if isinstance(value, date) else value
    data = asdict(invoer)
    data["producten"] = [{k: plain(v) for k, v in p.items()} for p in data["producten"]]
    return data


def invoer_from_json(data: dict) -> BesluitInvoer:
    def product(p: dict[str, Any]) -> ProductBesluit:
        dates = {k: date.fromisoformat(p[k]) for k in ("ingangsdatum", "einddatum") if p.get(k)}
        return ProductBesluit(**{**p, **dates})
    return BesluitInvoer(besluit=data["besluit"], producten=tuple(product(p) for p in data["producten"]),
                         reden_afwijzing=data["reden_afwijzing"], woonplaatsbeginsel=data["woonplaatsbeginsel"],
                         contactgegevens=tuple(Contact(**c) for c in data["contactgegevens"]),
                         motivering=data["motivering"])
