"""The CJG's decision on an aanvraag (design.md §7 "Besluit JSON"), checked and recorded.

`record` is the one service behind `POST /api/v1/aanvragen/{id}/besluit` and the back office:
it checks the decision completely before writing anything, records it, and leaves the work
(beschikking, toewijzingen, JW301/JW319) to a task via the outbox. Errors are `BesluitFout`
with the HTTP status that fits (404, 409, 422) and a Dutch explanation.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, AanvraagProduct, Outbox, Voorstel
from gateway.db.taken import ONDERZOEK_MELDEN, UITVOEREN
from gateway.domain.aanvraag import clienten, clientgegevens, normtoets, uitvoering
from gateway.domain.aanvraag.aanvragen import (
    AFGEWEZEN,
    IN_ONDERZOEK,
    OPEN,
    REDENEN_AFWIJZING,
    TE_BEOORDELEN,
    TOEGEKEND,
    VOORSTEL_VERVALLEN,
    VOORSTEL_WACHT,
    overlaps,
)
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.domain.aanvraag.normtoets import BUITEN_NORM, GrantAfwijking
from gateway.domain.aanvraag.toewijzingen import Inhoud
from gateway.domain.berichten.uitgaand import UitgaandOngeldig
from gateway.domain.fouten import DomainFout
from gateway.errors import NotFound
from gateway.model.normen import EENHEID_LABELS, FREQUENTIE_LABELS
from gateway.model.werkdagen import add_weeks
from gateway.xml.view import MissingValue

TOEKENNEN, AFWIJZEN, ONDERZOEK = "toekennen", "afwijzen", "in_onderzoek"
WOONPLAATSBEGINSEL = "8"
ONGEWIJZIGD = "ongewijzigd"  # AanvraagProduct.soort of a JW317's OngewijzigdProduct
ONDERZOEK_WEKEN = 8  # OP274/OP346: the final answer within 8 weeks of the request's Dagtekening
_MAX_VOLUME = 99_999_999  # LDT_Volume
MOTIVERING_MAX = 4000  # design.md §9


class BesluitFout(DomainFout):
    """A decision that cannot be taken as given."""


# The API validates these dataclasses directly (pydantic); a misspelt field must be an error,
# never silently "as asked".
_STRICT = {"extra": "forbid"}


@dataclass(frozen=True)
class ProductBesluit:
    __pydantic_config__ = _STRICT

    referentie_aanbieder: str
    volume: int | None = None
    eenheid: str | None = None
    frequentie: str | None = None
    ingangsdatum: date | None = None
    einddatum: date | None = None


@dataclass(frozen=True)
class BesluitInvoer:
    besluit: str
    producten: tuple[ProductBesluit, ...] = ()
    reden_afwijzing: str | None = None
    # WJ759 8 names the responsible gemeente (TR377, OP359)
    woonplaatsbeginsel: str | None = None
    # For a JW315 client whose address the gemeente does not know yet (see clientgegevens).
    contactgegevens: tuple[Contact, ...] = field(default_factory=tuple)
    # Why the CJG decides so (design.md §9): required for a grant outside the norms or below
    # what was asked; printed in the beschikking.
    motivering: str | None = None


def record(session: Session, ctx: Context, *, aanvraag_id: int, gemeente: str,
           invoer: BesluitInvoer, door: str) -> Aanvraag:
    if invoer.besluit not in (TOEKENNEN, AFWIJZEN, ONDERZOEK):
        raise BesluitFout(422, "besluit", f"besluit '{invoer.besluit}' is onbekend; kies toekennen, "
                                          "afwijzen of in_onderzoek")
    invoer = replace(invoer, motivering=_motivering(invoer.motivering))
    aanvraag = _claim(session, ctx, aanvraag_id, gemeente, invoer.besluit)
    # A decision taken otherwise, 'in onderzoek' too, overtakes a proposal waiting for approval.
    session.execute(update(Voorstel).where(Voorstel.aanvraag_id == aanvraag.id, Voorstel.status == VOORSTEL_WACHT)
                    .values(status=VOORSTEL_VERVALLEN, afgehandeld_door=door, afgehandeld_op=ctx.now()))
    if invoer.besluit == ONDERZOEK:
        if aanvraag.soort == "JW317":
            raise BesluitFout(422, "onderzoek", "een verzoek om wijziging kan niet 'in onderzoek' "
                                                "worden gezet; het wordt binnen 5 werkdagen als geheel "
                                                "toegekend of afgewezen (OP346)")
        aanvraag.status = IN_ONDERZOEK
        aanvraag.onderzoek_op = ctx.now()
        aanvraag.antwoord_uiterlijk = add_weeks(aanvraag.dagtekening, ONDERZOEK_WEKEN)
        aanvraag.termijn = "8 weken na dagtekening van de aanvraag (OP274)"
        for product in aanvraag.producten:
            product.status = IN_ONDERZOEK
        session.add(Outbox(bericht_id=aanvraag.bericht_id, taak=ONDERZOEK_MELDEN))
        return aanvraag
    afwijkingen: list[GrantAfwijking] = []
    if invoer.besluit == AFWIJZEN:
        _reject(ctx, aanvraag, invoer)
    else:
        afwijkingen = _grant(session, ctx, aanvraag, invoer)
    aanvraag.besluit = as_json(invoer, afwijkingen)
    aanvraag.buiten_norm = any(a.soort == BUITEN_NORM for a in afwijkingen)
    aanvraag.besloten_door = door
    aanvraag.besloten_op = ctx.now()
    _check_messages(session, ctx, aanvraag)
    session.add(Outbox(bericht_id=aanvraag.bericht_id, taak=UITVOEREN))
    return aanvraag


def _check_messages(session: Session, ctx: Context, aanvraag: Aanvraag) -> None:
    """The decision's dry run (gateway.domain.aanvraag.uitvoering.check): the beschikking, toewijzingen
    and the JW301/JW319 the task will make are planned, and the messages rendered and checked
    against our XSD and rules now, with nothing written and no number drawn, so a decision
    that cannot become valid messages is refused here (422) instead of failing in a task after
    a 202, with the aanvraag stuck as decided."""
    try:
        uitvoering.check(session, ctx, aanvraag)
    except (UitgaandOngeldig, uitvoering.UitvoeringFout, NotFound, MissingValue) as exc:
        raise BesluitFout(422, "geen-geldig-bericht", f"dit besluit levert geen geldig bericht op: {exc}") \
            from None


def _claim(session: Session, ctx: Context, aanvraag_id: int, gemeente: str,
           besluit: str) -> Aanvraag:
    """Take the aanvraag for this decision with one conditional update, the transaction's
    first write: of two concurrent decisions exactly one gets it, on SQLite and PostgreSQL."""
    allowed = (TE_BEOORDELEN,) if besluit == ONDERZOEK else OPEN
    stamp = {"onderzoek_op": ctx.now()} if besluit == ONDERZOEK else {"besloten_op": ctx.now()}
    claimed = session.execute(update(Aanvraag).where(
        Aanvraag.id == aanvraag_id, Aanvraag.gemeente == gemeente, Aanvraag.status.in_(allowed))
        .values(**stamp)).rowcount
    aanvraag = session.get(Aanvraag, aanvraag_id)
    if aanvraag is None or aanvraag.gemeente != gemeente:
        raise BesluitFout(404, "not-found", f"geen aanvraag {aanvraag_id} voor gemeente {gemeente}")
    if not claimed:
        if aanvraag.status == IN_ONDERZOEK:
            raise BesluitFout(409, "al-in-onderzoek", f"aanvraag {aanvraag_id} is al in onderzoek; "
                                                     "beslis nu met toekennen of afwijzen")
        raise BesluitFout(409, "al-besloten", f"over aanvraag {aanvraag_id} is al besloten "
                                               f"({aanvraag.status})")
    session.refresh(aanvraag)
    return aanvraag


def _reject(ctx: Context, aanvraag: Aanvraag, invoer: BesluitInvoer) -> None:
    reden = invoer.reden_afwijzing
    if reden is None:
        raise BesluitFout(422, "reden-afwijzing", "afwijzen vraagt een reden_afwijzing uit WJ759 (1 t/m 9), "
                                                  "bijvoorbeeld \"reden_afwijzing\": \"7\"; die ontbreekt")
    if reden not in REDENEN_AFWIJZING:
        raise BesluitFout(422, "reden-afwijzing", "afwijzen vraagt een reden_afwijzing uit WJ759 "
                                                  f"(1 t/m 9), niet '{reden}'")
    if reden == WOONPLAATSBEGINSEL:
        # FAQ/IV095: reason 8 only on a request for a toewijzing, with the responsible gemeente.
        if aanvraag.soort == "JW317":
            raise BesluitFout(422, "reden-afwijzing", "reden 8 (woonplaatsbeginsel) past alleen bij een "
                                                      "verzoek om toewijzing; gebruik reden 5")
        if not (invoer.woonplaatsbeginsel or "").isdigit() or len(invoer.woonplaatsbeginsel) != 4:
            raise BesluitFout(422, "woonplaatsbeginsel", "bij reden 8 hoort 'woonplaatsbeginsel': de "
                                                         "gemeentecode (4 cijfers) van de verantwoordelijke gemeente")
        # The code goes out in the JW319, where the provider's gateway checks it (TR378): a
        # typing error must be caught here, not there.
        fout = ctx.reference.gemeentecode_fout(invoer.woonplaatsbeginsel, ctx.today())
        if fout is not None:
            raise BesluitFout(422, "woonplaatsbeginsel", f"woonplaatsbeginsel: {fout}")
    aanvraag.status = AFGEWEZEN
    aanvraag.reden_afwijzing = reden
    for product in aanvraag.producten:
        product.status = AFGEWEZEN


def _grant(session: Session, ctx: Context, aanvraag: Aanvraag,
           invoer: BesluitInvoer) -> list[GrantAfwijking]:
    if aanvraag.soort == "JW317" and invoer.producten:
        raise BesluitFout(422, "als-geheel", "een verzoek om wijziging wordt als geheel en precies zoals "
                                             "gevraagd toegekend (OP344); laat 'producten' weg")
    by_ref = {p.referentie_aanbieder: p for p in aanvraag.producten}
    seen: set[str] = set()
    for entry in invoer.producten:
        if entry.referentie_aanbieder not in by_ref:
            raise BesluitFout(422, "onbekend-product", f"referentie_aanbieder {entry.referentie_aanbieder!r} "
                                                       "hoort bij geen product van deze aanvraag")
        if entry.referentie_aanbieder in seen:
            raise BesluitFout(422, "dubbel-product", f"referentie_aanbieder {entry.referentie_aanbieder!r} "
                                                     "staat twee keer in het besluit")
        seen.add(entry.referentie_aanbieder)
    besluiten = {p.referentie_aanbieder: p for p in invoer.producten}
    afwijkingen: list[GrantAfwijking] = []
    for product in aanvraag.producten:
        entry = besluiten.get(product.referentie_aanbieder)
        inhoud = granted(product, entry, ctx)
        afwijkingen.extend(_afwijkingen(product, inhoud, ctx))
        if aanvraag.soort != "JW317" and aanvraag.leveringsvorm == "ZIN":
            _check_taakgericht(product, ctx)
            _check_overlap(session, aanvraag, product, inhoud)
        product.status = TOEGEKEND
        product.toegekend = _inhoud_json(inhoud) if entry is not None else None
    known = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
    if invoer.contactgegevens:
        if known is None:
            raise BesluitFout(422, "client-onbekend", "de cliënt van deze aanvraag is niet bekend")
        known = clienten.remember(session, aanvraag.gemeente, aanvraag.bsn,
                                  clientgegevens.with_contacts(known, list(invoer.contactgegevens)),
                                  aanvraag.bericht_id)
    if aanvraag.leveringsvorm == "ZIN" and aanvraag.soort != "JW317" and (
            known is None or not clientgegevens.complete(known)):
        raise BesluitFout(422, "contactgegevens", "de gemeente kent geen adres of telefoonnummer van "
                                                  "deze cliënt; een toewijzing (JW301) vraagt ze: geef "
                                                  "'contactgegevens' mee in het besluit")
    if afwijkingen and not invoer.motivering:
        raise BesluitFout(422, "motivering", "dit besluit kent toe buiten de norm of minder dan gevraagd; "
                                             "geef een motivering: " + " ".join(a.message for a in afwijkingen))
    aanvraag.status = TOEGEKEND
    return afwijkingen


def grant_afwijkingen(ctx: Context, aanvraag: Aanvraag, invoer: BesluitInvoer) -> list[GrantAfwijking]:
    """How a toekennen lies outside the norms or below what was asked, per product, before it is
    recorded: the back office asks a second approval for the first kind (design.md §9)."""
    if invoer.besluit != TOEKENNEN:
        return []
    besluiten = {p.referentie_aanbieder: p for p in invoer.producten}
    return [a for product in aanvraag.producten
            for a in _afwijkingen(product, granted(product, besluiten.get(product.referentie_aanbieder), ctx), ctx)]


def _afwijkingen(product: AanvraagProduct, inhoud: Inhoud, ctx: Context) -> list[GrantAfwijking]:
    if product.soort == ONGEWIJZIGD:  # a JW317's unchanged toewijzing is not decided again
        return []
    return normtoets.afwijkingen(product, inhoud, ctx.reference.producten)


def _motivering(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not text:
        raise BesluitFout(422, "motivering", "de motivering is leeg; laat haar weg of schrijf waarom")
    if len(text) > MOTIVERING_MAX:
        raise BesluitFout(422, "motivering", f"de motivering is {len(text)} tekens; ten hoogste {MOTIVERING_MAX}")
    return text


def granted(product: AanvraagProduct, entry: ProductBesluit | None, ctx: Context) -> Inhoud:
    """What is granted for one product: as asked, with the CJG's own values where given."""
    inhoud = Inhoud(product.categorie, product.code, product.ingangsdatum, product.einddatum,
                    product.volume, product.eenheid, product.frequentie, product.budget)
    if entry is None:
        _check_niet_nul(product.referentie_aanbieder, inhoud)
        return inhoud
    changes = {k: v for k, v in (("volume", entry.volume), ("eenheid", entry.eenheid),
                                 ("frequentie", entry.frequentie), ("ingangsdatum", entry.ingangsdatum),
                                 ("einddatum", entry.einddatum)) if v is not None}
    ref = product.referentie_aanbieder
    if inhoud.budget is not None and {"volume", "eenheid", "frequentie"} & changes.keys():
        raise BesluitFout(422, "omvang", f"product {ref} is als budget aangevraagd; een omvang "
                                         "(volume, eenheid, frequentie) kan daar niet bij (CD077)")
    inhoud = replace(inhoud, **changes)
    _check_omvang(ref, inhoud, ctx)
    _check_niet_nul(ref, inhoud)
    if inhoud.einddatum is not None and inhoud.einddatum < inhoud.ingangsdatum:
        raise BesluitFout(422, "periode", f"product {ref}: einddatum {inhoud.einddatum} ligt voor "
                                          f"ingangsdatum {inhoud.ingangsdatum} (CS003)")
    if inhoud.einddatum is None and inhoud.frequentie == "2":
        raise BesluitFout(422, "periode", f"product {ref}: bij frequentie 2 (per week) hoort een "
                                          "einddatum (CD076)")
    return inhoud


def _check_niet_nul(ref: str | None, inhoud: Inhoud) -> None:
    """A grant of nothing is no grant (design.md §9): it would send a JW301 with Volume 0."""
    if inhoud.volume == 0:
        # A JW317's unchanged product may carry no referentie_aanbieder: named by its code then.
        label = ref or f"{inhoud.code} (zonder referentie_aanbieder)"
        raise BesluitFout(422, "volume", f"product {label}: een volume van 0 kan niet worden toegekend; "
                                         "wijs af als er niets wordt toegekend")


def _check_omvang(ref: str, inhoud: Inhoud, ctx: Context) -> None:
    if inhoud.volume is None:
        return
    if not 0 <= inhoud.volume <= _MAX_VOLUME:
        raise BesluitFout(422, "volume", f"product {ref}: volume {inhoud.volume} ligt buiten 0 t/m {_MAX_VOLUME}")
    if inhoud.eenheid not in EENHEID_LABELS:
        raise BesluitFout(422, "eenheid", f"product {ref}: {_code('eenheid', inhoud.eenheid)} (WJ756)")
    if inhoud.frequentie not in FREQUENTIE_LABELS:
        raise BesluitFout(422, "frequentie", f"product {ref}: {_code('frequentie', inhoud.frequentie)} (WMO757)")
    product = ctx.reference.producten.get((inhoud.categorie or "", inhoud.code or ""))
    if product is None:
        return
    if inhoud.eenheid not in product.eenheden:
        raise BesluitFout(422, "eenheid", f"product {ref} ({product.code}) kent alleen eenheid "
                                          f"{', '.join(product.eenheden)}, niet {inhoud.eenheid}")
    if inhoud.frequentie not in product.frequenties:
        raise BesluitFout(422, "frequentie", f"product {ref} ({product.code}) kent alleen frequentie "
                                             f"{', '.join(product.frequenties)}, niet {inhoud.frequentie}")


def _code(field_name: str, value: str | None) -> str:
    """Why a code is refused, in words: a missing one is named as missing, never as None."""
    if value is None:
        return f"de {field_name} ontbreekt; geef '{field_name}' mee bij een volume"
    return f"{field_name} '{value}' bestaat niet"


def _check_taakgericht(product: AanvraagProduct, ctx: Context) -> None:
    known = ctx.reference.producten.get((product.categorie or "", product.code or ""))
    if known is not None and known.uitvoeringsvariant == "taakgericht":
        raise BesluitFout(422, "taakgericht", f"product {known.code} is taakgericht: daarvoor bestaat geen "
                                              "toewijzing (facts E.5); wijs het niet toe via een aanvraag")


def _check_overlap(session: Session, aanvraag: Aanvraag, product: AanvraagProduct, inhoud: Inhoud) -> None:
    found = overlaps(session, aanvraag, inhoud.categorie, inhoud.code, inhoud.ingangsdatum, inhoud.einddatum)
    if found:
        raise BesluitFout(422, "overlap", f"product {product.referentie_aanbieder}: {found[0]} Pas de "
                                          "periode aan (TR302: hetzelfde product niet twee keer tegelijk)")


def _inhoud_json(inhoud: Inhoud) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(inhoud).items()}


def as_json(invoer: BesluitInvoer, afwijkingen: list[GrantAfwijking] | tuple = ()) -> dict:
    """The decision as stored on the aanvraag (and in a proposal waiting for approval)."""
    result: dict = {"besluit": invoer.besluit}
    if invoer.motivering:
        result["motivering"] = invoer.motivering
    if afwijkingen:
        result["afwijkingen"] = [vars(a) for a in afwijkingen]
    if invoer.besluit == TOEKENNEN and invoer.producten:
        result["producten"] = [{k: (v.isoformat() if isinstance(v, date) else v)
                                for k, v in vars(p).items() if v is not None} for p in invoer.producten]
    if invoer.besluit == AFWIJZEN:
        result["reden_afwijzing"] = invoer.reden_afwijzing
        if invoer.woonplaatsbeginsel:
            result["woonplaatsbeginsel"] = invoer.woonplaatsbeginsel
    return result
