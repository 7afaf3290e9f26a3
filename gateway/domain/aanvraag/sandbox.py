"""The sandbox's municipality (docs/sandbox.md): it answers the aanvragen of a provider that
registered itself in the sandbox as a municipality would without a CJG in the loop, steered
by the last digit of the client's BSN (the table in mappings/sandbox.toml).

It decides through `besluiten.record`, the one service behind
`POST /api/v1/aanvragen/{id}/besluit`, so what follows (beschikking, toewijzingen, JW301,
JW319) is made by the gateway's own code and checked as any decision is. "In onderzoek and a
grant later" is an outbox row that is due only then (`volgende_poging`): the sweep sends it
when the application's clock gets there, and it survives a restart as all outbox work does.

When the table's decision cannot be taken (for instance the same product for the same client
in an overlapping period, TR302), the aanvraag stays `te_beoordelen` with the reason in its
`beoordeling`; nothing is retried, as a person would have to change something first.
"""
from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, Bericht, Outbox, SandboxAanbieder
from gateway.db.taken import SANDBOX_TOEKENNEN
from gateway.domain.aanvraag import aanvragen, besluiten, clienten, clientgegevens
from gateway.domain.aanvraag.aanvragen import IN_ONDERZOEK, REDENEN_AFWIJZING
from gateway.domain.aanvraag.besluiten import (
    AFWIJZEN,
    ONDERZOEK,
    TOEKENNEN,
    BesluitFout,
    BesluitInvoer,
    ProductBesluit,
)
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.reference import MappingError
from gateway.rules.client import _valid_bsn

FILE = "sandbox.toml"
DOOR = "sandbox (gemeente zonder CJG)"  # besloten_door: who decided, on the aanvraag and in the back office
_log = logging.getLogger("gateway.sandbox")
# The examples must pass the very proef the intake applies (CS002), or a provider copying
# one from the docs gets a rejection instead of the row's answer.
elfproef = _valid_bsn
# The address the sandbox gives a client it knows only from a JW315 (docs/sandbox.md).
ADRES = Contact(soort="01", straatnaam="Sandboxstraat", huisnummer=1, postcode="9999ZZ", plaatsnaam="Teststad")


@dataclass(frozen=True)
class Rij:
    """One row of the table: what the municipality decides for BSNs ending in `eindcijfers`."""

    eindcijfers: tuple[str, ...]
    besluit: str
    omschrijving: str
    motivering: str
    voorbeelden: tuple[str, ...]
    volume_deel: float | None = None
    later_dagen: int = 0
    reden_afwijzing: str | None = None
    toekennen_na_seconden: int | None = None


@lru_cache(maxsize=4)
def tabel(mappings_dir: Path) -> dict[str, Rij]:
    """The rows by last digit, checked: every digit exactly once, known decisions and
    reasons, and examples that pass the elfproef and end in their row's digits."""
    path = mappings_dir / FILE
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise MappingError(f"{path}: kan niet gelezen worden ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{FILE}: geen geldige TOML ({exc})") from None
    rows: dict[str, Rij] = {}
    for n, entry in enumerate(data.get("rij", []), start=1):
        where = f"{FILE}, rij {n}"
        try:
            values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
            rij = Rij(**values)
        except TypeError as exc:
            raise MappingError(f"{where}: {exc}") from None
        _check(rij, where)
        for digit in rij.eindcijfers:
            if digit in rows:
                raise MappingError(f"{where}: eindcijfer {digit} staat ook in een eerdere rij")
            rows[digit] = rij
    missing = sorted(set("0123456789") - rows.keys())
    if missing:
        raise MappingError(f"{FILE}: geen rij voor eindcijfer {', '.join(missing)}")
    return rows


def _check(rij: Rij, where: str) -> None:
    if not rij.eindcijfers or any(len(d) != 1 or not d.isdigit() for d in rij.eindcijfers):
        raise MappingError(f"{where}: eindcijfers zijn losse cijfers 0-9")
    if rij.besluit not in (TOEKENNEN, AFWIJZEN, ONDERZOEK):
        raise MappingError(f"{where}: besluit is toekennen, afwijzen of in_onderzoek, niet {rij.besluit!r}")
    if rij.besluit == AFWIJZEN and rij.reden_afwijzing not in REDENEN_AFWIJZING:
        raise MappingError(f"{where}: afwijzen vraagt een reden_afwijzing uit WJ759 (1 t/m 9)")
    if rij.besluit == ONDERZOEK and not (rij.toekennen_na_seconden or 0) > 0:
        raise MappingError(f"{where}: in_onderzoek vraagt toekennen_na_seconden (meer dan 0)")
    if rij.volume_deel is not None and not 0 < rij.volume_deel < 1:
        raise MappingError(f"{where}: volume_deel ligt tussen 0 en 1")
    if not rij.motivering.strip():
        raise MappingError(f"{where}: geef een motivering")
    for bsn in rij.voorbeelden:
        if not elfproef(bsn) or bsn[-1] not in rij.eindcijfers:
            raise MappingError(f"{where}: voorbeeld {bsn} haalt de elfproef niet of eindigt niet op "
                               f"{'/'.join(rij.eindcijfers)}")


def answers(session: Session, bericht: Bericht) -> bool:
    """True when the message's provider registered itself in the sandbox and sent it to the
    municipality the sandbox gave it: then the sandbox decides, not the automatic grant or a CJG."""
    return session.scalar(select(SandboxAanbieder.agb).where(
        SandboxAanbieder.agb == bericht.afzender, SandboxAanbieder.gemeente == bericht.ontvanger)) is not None


def decide(session: Session, ctx: Context, aanvraag: Aanvraag, mappings_dir: Path) -> None:
    """The table's decision on a just-registered aanvraag, recorded as a CJG's would be."""
    rij = tabel(mappings_dir)[aanvraag.bsn[-1]]
    if rij.besluit == ONDERZOEK and aanvraag.soort == "JW317":
        # A verzoek om wijziging cannot be 'in onderzoek' (OP346): it is granted at once.
        rij = Rij(rij.eindcijfers, TOEKENNEN, rij.omschrijving, rij.motivering, rij.voorbeelden)
    _record(session, ctx, aanvraag, _invoer(aanvraag, rij))
    if rij.besluit == ONDERZOEK and aanvraag.status == IN_ONDERZOEK:
        assert rij.toekennen_na_seconden is not None  # checked when the table was loaded
        session.add(Outbox(bericht_id=aanvraag.bericht_id, taak=SANDBOX_TOEKENNEN,
                           volgende_poging=ctx.now() + timedelta(seconds=rij.toekennen_na_seconden)))


def grant_after_onderzoek(session: Session, ctx: Context, bericht_id: int, mappings_dir: Path) -> None:
    """The grant that follows 'in onderzoek', when its time has come; nothing when the
    aanvraag was decided otherwise meanwhile."""
    aanvraag = aanvragen.for_message(session, bericht_id, lock=True)
    if aanvraag is None or aanvraag.status != IN_ONDERZOEK:
        return
    rij = tabel(mappings_dir)[aanvraag.bsn[-1]]
    _record(session, ctx, aanvraag, BesluitInvoer(besluit=TOEKENNEN, motivering=rij.motivering))


def _invoer(aanvraag: Aanvraag, rij: Rij) -> BesluitInvoer:
    if rij.besluit != TOEKENNEN:
        return BesluitInvoer(besluit=rij.besluit, reden_afwijzing=rij.reden_afwijzing, motivering=rij.motivering)
    producten = []
    if aanvraag.soort != "JW317":  # a verzoek om wijziging is granted as a whole, as asked (OP344)
        for product in aanvraag.producten:
            changes: dict = {}
            if rij.volume_deel is not None and product.volume is not None and product.budget is None:
                changes["volume"] = max(1, int(product.volume * rij.volume_deel))
            if rij.later_dagen and product.ingangsdatum is not None:
                shift = timedelta(days=rij.later_dagen)
                changes["ingangsdatum"] = product.ingangsdatum + shift
                if product.einddatum is not None:
                    changes["einddatum"] = product.einddatum + shift
            if changes:
                producten.append(ProductBesluit(referentie_aanbieder=product.referentie_aanbieder or "", **changes))
    return BesluitInvoer(besluit=TOEKENNEN, producten=tuple(producten), motivering=rij.motivering)


def _record(session: Session, ctx: Context, aanvraag: Aanvraag, invoer: BesluitInvoer) -> None:
    if invoer.besluit == TOEKENNEN and aanvraag.soort == "JW315" and aanvraag.leveringsvorm == "ZIN":
        known = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
        if known is None or not clientgegevens.complete(known):
            # A JW315 carries no address, and a JW301 needs one: a CJG would add it, the sandbox adds its own.
            invoer = replace(invoer, contactgegevens=(ADRES,))
    try:
        with session.begin_nested():  # a refused decision leaves nothing of itself behind
            besluiten.record(session, ctx, aanvraag_id=aanvraag.id, gemeente=aanvraag.gemeente, invoer=invoer,
                             door=DOOR)
    except BesluitFout as exc:
        _log.warning("sandbox could not decide aanvraag %s as its table says: %s", aanvraag.id, exc.detail)
        session.refresh(aanvraag)
        aanvraag.beoordeling = [*aanvraag.beoordeling, {
            "referentie": None, "code": "sandbox",
            "message": f"De sandbox kon niet besluiten zoals haar tabel zegt: {exc.detail}. Herstel de "
                       "gegevens van de sandbox (DELETE /api/v1/sandbox/aanbieders/{agb}/gegevens) of "
                       "kies een andere periode of cliënt."}]
