"""An accepted request becomes an aanvraag to decide (design.md §2).

`register` reads the stored message (AGJ, JW315 or JW317), records the aanvraag with its
products and its answer deadline, remembers the client's data, and grants it at once when
the rules allow (`automatically_grantable`: an AGJ with Overeenstemming, ZIN or PGB, every
product within the catalogue's norms and marked automatic). Everything else waits for the
CJG (`te_beoordelen`), with the reasons why, in Dutch, for the case worker.

A request whose client has another Geboortedatum or Geslachtsnaam than the client the
gemeente knows by that BSN leaves the stored client as it is and is never granted
automatically (`client_wijkt_af`, design.md §9); the case worker compares both and either
keeps the stored client or takes the message's over (`take_over_client`).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.clock import local_date
from gateway.context import Context
from gateway.db.models import Aanvraag, AanvraagProduct, Bericht, Voorstel
from gateway.domain.aanvraag import clienten, clientgegevens, toewijzingen
from gateway.domain.aanvraag.toewijzingen import Inhoud
from gateway.domain.fouten import DomainFout
from gateway.messages import BY_NAME
from gateway.model.datum import datum_nl
from gateway.model.normen import AangevraagdProductNorm, automatically_grantable, check_norms
from gateway.model.werkdagen import add_werkdagen
from gateway.rules.products import same_product
from gateway.xml.safe import parse
from gateway.xml.view import ParsedMessage, present

TE_BEOORDELEN, IN_ONDERZOEK, TOEGEKEND, AFGEWEZEN = "te_beoordelen", "in_onderzoek", "toegekend", "afgewezen"
OPEN = (TE_BEOORDELEN, IN_ONDERZOEK)
# The reason code of an aanvraag whose client's identity differs from the stored client (§9).
CLIENT_WIJKT_AF = "client_wijkt_af"
# A back-office proposal waiting for a second approval, and one a decision taken otherwise
# overtook (gateway.domain.aanvraag.voorstellen).
VOORSTEL_WACHT, VOORSTEL_VERVALLEN = "wacht", "vervallen"
ANTWOORDTERMIJN_WERKDAGEN = 5  # OP274 (JW315, AGJ as a request), OP346 (JW317)
TERMIJN = {"AGJ": "5 werkdagen na ontvangst (OP274)", "JW315": "5 werkdagen na ontvangst (OP274)",
           "JW317": "5 werkdagen na ontvangst (OP346)"}
# WJ759 Reden afwijzing verzoek
REDENEN_AFWIJZING = {"1": "Geen wijziging maar nieuwe aanvraag", "2": "Past niet binnen budget",
                     "3": "Geen contract", "4": "Past niet binnen contract", "5": "Andere gemeente",
                     "6": "Stapeling", "7": "Zorginhoudelijke afkeur", "8": "Woonplaatsbeginsel",
                     "9": "Leeftijdsgrens bereikt"}
_AANGEVRAAGD = "m:Client/m:AangevraagdeProducten/m:AangevraagdProduct"
_VERZOEK = "m:Client/m:Verzoek"


def parsed_request(bericht: Bericht, ctx: Context) -> ParsedMessage:
    """The stored message again (it passed the XSD at intake, so this cannot fail safely
    parsed; the limits still apply)."""
    assert bericht.berichttype is not None  # an aanvraag's message passed the XSD: its type is known
    return ParsedMessage(parse(bericht.inhoud, ctx.limits), BY_NAME[bericht.berichttype])


def register(session: Session, ctx: Context, bericht: Bericht, *, automatisch: bool = True) -> Aanvraag:
    """`automatisch=False` leaves even a grantable aanvraag open, for whoever decides instead
    (the sandbox's municipality, gateway.domain.aanvraag.sandbox)."""
    msg = parsed_request(bericht, ctx)
    soort = msg.type.name
    ontvangen = local_date(bericht.ontvangen_op)
    aanvraag = Aanvraag(
        bericht_id=bericht.id, soort=soort, gemeente=msg.ontvanger, aanbieder=msg.afzender,
        bsn=msg.bsn, dagtekening=msg.dagtekening, ontvangen_op=ontvangen,
        referentie=msg.text(f"{_VERZOEK}/m:ReferentieAanbieder") if soort == "JW317" else None,
        leveringsvorm=msg.text("m:Client/m:Aanvraagformulier/m:Leveringsvorm") or "ZIN",
        status=TE_BEOORDELEN, antwoord_uiterlijk=add_werkdagen(ontvangen, ANTWOORDTERMIJN_WERKDAGEN),
        termijn=TERMIJN[soort])
    aanvraag.producten = list(_products(session, msg))
    session.add(aanvraag)
    afwijkend: tuple[str, ...] = ()
    if soort in ("AGJ", "JW315"):
        client = clientgegevens.from_request(msg)
        # Compared before remembering: `remember` keeps the stored client when they differ.
        afwijkend = clienten.differs(session, aanvraag.gemeente, aanvraag.bsn, client)
        clienten.remember(session, aanvraag.gemeente, aanvraag.bsn, client, bericht.id)
    aanvraag.beoordeling = _reasons_for_cjg(session, ctx, msg, aanvraag, afwijkend)
    session.flush()
    if automatisch and not aanvraag.beoordeling:
        aanvraag.automatisch = True
        aanvraag.status = TOEGEKEND
        aanvraag.besluit = {"besluit": "toekennen"}
        aanvraag.besloten_door = "automatisch"
        aanvraag.besloten_op = ctx.now()
        for product in aanvraag.producten:
            product.status = TOEGEKEND
    return aanvraag


def client_wijkt_af_text(afwijkend: tuple[str, ...]) -> str:
    wat = " en ".join(afwijkend)  # clientgegevens.GEBOORTEDATUM, GESLACHTSNAAM: Dutch words
    return (f"De gegevens van de cliënt wijken af: de gemeente kent dit BSN met een andere {wat}. De "
            "bekende gegevens zijn niet gewijzigd; het CJG vergelijkt beide en kiest welke gelden.")


class ClientFout(DomainFout):
    """The message's client data cannot be taken over as asked."""


def take_over_client(session: Session, ctx: Context, *, aanvraag_id: int, gemeente: str) -> Aanvraag:
    """The case worker's choice "gegevens uit het bericht overnemen" (design.md §9): the
    client of an open aanvraag whose identity differed becomes the stored client. The
    aanvraag stays open: the CJG still decides it, as for any aanvraag."""
    # Locked (PostgreSQL) as a decision claims it: a decision and a take-over of one aanvraag
    # do not interleave, so a JW301 never carries data chosen after its decision.
    aanvraag = session.scalar(select(Aanvraag).where(Aanvraag.id == aanvraag_id).with_for_update()
                              .execution_options(populate_existing=True))
    if aanvraag is None or aanvraag.gemeente != gemeente:
        raise ClientFout(404, "not-found", f"geen aanvraag {aanvraag_id} voor gemeente {gemeente}")
    if aanvraag.status not in OPEN:
        raise ClientFout(409, "al-besloten", f"over aanvraag {aanvraag_id} is al besloten; de gegevens van "
                                             "de cliënt worden niet meer overgenomen")
    if session.scalar(select(Voorstel.id).where(Voorstel.aanvraag_id == aanvraag_id,
                                                Voorstel.status == VOORSTEL_WACHT)) is not None:
        # the colleague would approve a JW301 for another client than the one proposed
        raise ClientFout(409, "voorstel-wacht", "er wacht een voorstel op akkoord; trek het eerst in en neem "
                                                "dan de gegevens over")
    if not any(r.get("code") == CLIENT_WIJKT_AF for r in aanvraag.beoordeling or []):
        raise ClientFout(409, "client-wijkt-niet-af", "de gegevens van de cliënt in deze aanvraag weken niet af "
                                                      "van de bekende gegevens")
    bericht = session.get(Bericht, aanvraag.bericht_id)
    if bericht is None or bericht.gewist_op is not None:
        raise ClientFout(409, "bericht-gewist", "het bericht van deze aanvraag is gewist; er is niets over te nemen")
    client = clientgegevens.from_request(parsed_request(bericht, ctx))
    if not clienten.differs(session, aanvraag.gemeente, aanvraag.bsn, client):
        raise ClientFout(409, "al-gelijk", "de bekende gegevens zijn al gelijk aan die in het bericht")
    clienten.take_over(session, aanvraag.gemeente, aanvraag.bsn, client, bericht.id)
    return aanvraag


def back_to_cjg(aanvraag: Aanvraag, why: str) -> None:
    """An automatic grant that could not be carried out goes to the CJG instead of waiting
    for retries that would fail the same way (the reason says what went wrong)."""
    aanvraag.status, aanvraag.automatisch = TE_BEOORDELEN, False
    aanvraag.besluit = aanvraag.besloten_door = aanvraag.besloten_op = None
    for product in aanvraag.producten:
        product.status = TE_BEOORDELEN
    aanvraag.beoordeling = [*aanvraag.beoordeling,
                            _reason(None, "automatisch_mislukt", f"Automatisch toekennen lukte niet: {why}")]


def for_message(session: Session, bericht_id: int, *, lock: bool = False) -> Aanvraag | None:
    """The aanvraag of a received message; `lock` holds it (PostgreSQL) until the transaction
    ends, so two tasks for one aanvraag (a decision and an 'in onderzoek') do not interleave."""
    query = select(Aanvraag).where(Aanvraag.bericht_id == bericht_id)
    return session.scalar(query.with_for_update() if lock else query)


def norm_request(product: AanvraagProduct) -> AangevraagdProductNorm:
    return AangevraagdProductNorm(product.categorie, product.code, product.volume, product.eenheid,
                                  product.frequentie, product.ingangsdatum, product.einddatum,
                                  product.budget)


def inhoud_of(product: AanvraagProduct) -> Inhoud:
    """What was granted for `product`: the CJG's values when it set any, else as asked."""
    if product.toegekend:
        values = dict(product.toegekend)
        for name in ("ingangsdatum", "einddatum"):
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        return Inhoud(**values)
    # A JW317 product whose ToewijzingNummer is no assignment has no start date: `uitvoering._grant`
    # builds its Inhoud too but never uses it, so `Inhoud.ingangsdatum` is narrower than this.
    return Inhoud(product.categorie, product.code,
                  product.ingangsdatum,  # type: ignore[arg-type]  # see above
                  product.einddatum, product.volume, product.eenheid, product.frequentie, product.budget)


def _products(session: Session, msg: ParsedMessage):
    if msg.type.name == "JW317":
        yield from _jw317_products(session, msg)
        return
    for n, element in enumerate(msg.findall(_AANGEVRAAGD), start=1):
        yield AanvraagProduct(
            volgnummer=n, soort="aangevraagd", status=TE_BEOORDELEN,
            referentie_aanbieder=msg.text("m:ReferentieAanbieder", element),
            ingangsdatum=msg.date("m:ToewijzingIngangsdatum", element),
            einddatum=msg.date("m:ToewijzingEinddatum", element), **_product_and_size(msg, element))


def _jw317_products(session: Session, msg: ParsedMessage):
    verzoek = msg.find(_VERZOEK)
    n = 0
    for soort, path in (("ongewijzigd", "m:OngewijzigdeProducten/m:OngewijzigdProduct"),
                        ("te_wijzigen", "m:TeWijzigenProducten/m:TeWijzigenProduct"),
                        ("nieuw", "m:NieuweProducten/m:NieuwProduct")):
        for element in msg.findall(path, verzoek):
            n += 1
            nummer = msg.text("m:ToewijzingNummer", element)
            values = {"ingangsdatum": msg.date("m:GewensteIngangsdatum", element),
                      "einddatum": msg.date("m:Einddatum", element), **_product_and_size(msg, element)}
            stored = (toewijzingen.by_number(session, present(msg.ontvanger), int(nummer))
                      if nummer is not None else None)
            if stored is not None:
                # Ongewijzigd/TeWijzigen name no product: show the assignment's; an unchanged
                # one also keeps its period and size.
                values.update(categorie=stored.categorie, code=stored.code)
                if soort == "ongewijzigd":
                    values.update(ingangsdatum=stored.ingangsdatum, einddatum=stored.einddatum,
                                  volume=stored.volume, eenheid=stored.eenheid,
                                  frequentie=stored.frequentie, budget=stored.budget)
            product = AanvraagProduct(volgnummer=n, soort=soort, status=TE_BEOORDELEN,
                                      toewijzingnummer=int(nummer) if nummer is not None else None, **values)
            yield product


def _product_and_size(msg: ParsedMessage, element) -> dict:
    volume = msg.text("m:Omvang/b:Volume", element)
    budget = msg.text("m:Budget", element)
    return {"categorie": msg.text("m:Product/b:Categorie", element),
            "code": msg.text("m:Product/b:Code", element),
            "volume": int(volume) if volume is not None else None,
            "eenheid": msg.text("m:Omvang/b:Eenheid", element),
            "frequentie": msg.text("m:Omvang/b:Frequentie", element),
            "budget": int(budget) if budget is not None else None}


def _reasons_for_cjg(session: Session, ctx: Context, msg: ParsedMessage,
                     aanvraag: Aanvraag, afwijkend: tuple[str, ...] = ()) -> list[dict]:
    """Why a person must decide; empty when the aanvraag may be granted automatically."""
    soort = aanvraag.soort
    if soort == "JW317":
        return [_reason(None, "wijzigingsverzoek", "Een verzoek om wijziging beoordeelt het CJG als "
                        "geheel; het wordt geheel toegekend of geheel afgewezen (OP344).")]
    reasons: list[dict] = []
    if afwijkend:
        reasons.append(_reason(None, CLIENT_WIJKT_AF, client_wijkt_af_text(afwijkend)))
    catalogue = ctx.reference.producten
    overeenstemming = msg.text("m:Client/m:Aanvraagformulier/m:Afstemming/m:Overeenstemming")
    if soort == "AGJ" and overeenstemming != "1":
        toelichting = msg.text("m:Client/m:Aanvraagformulier/m:Afstemming/m:Toelichting")
        reasons.append(_reason(None, "geen_overeenstemming",
                               "CJG en aanbieder zijn het niet eens geworden over de inzet; het CJG "
                               "beslist." + (f" Toelichting: {toelichting}" if toelichting else "")))
    for product in aanvraag.producten:
        ref = product.referentie_aanbieder
        norm = norm_request(product)
        reasons.extend(_reason(ref, a.code, a.message) for a in check_norms(norm, catalogue))
        known = catalogue.get((product.categorie or "", product.code or ""))
        flag = "automatisch" if soort == "AGJ" else "automatisch_jw315"
        if known is not None and not getattr(known, flag):
            wie = "een aanvraagformulier" if soort == "AGJ" else "een verzoek om toewijzing (JW315)"
            reasons.append(_reason(ref, "niet_automatisch",
                                   f"Product {known.code} ({known.naam}) wordt bij {wie} niet "
                                   "automatisch toegekend; het CJG beslist."))
        if aanvraag.leveringsvorm == "ZIN":  # a PGB makes no toewijzing, so nothing can overlap
            reasons.extend(_reason(ref, "overlap", text)
                           for text in overlaps(session, aanvraag, product.categorie, product.code,
                                                product.ingangsdatum, product.einddatum))
            if known is not None and known.uitvoeringsvariant == "taakgericht":
                reasons.append(_reason(ref, "taakgericht", f"Product {known.code} is taakgericht: daarvoor "
                                                           "bestaat geen toewijzing; het CJG beslist."))
    if soort == "JW315" and aanvraag.leveringsvorm == "ZIN":
        known_client = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
        if known_client is None or not clientgegevens.complete(known_client):
            reasons.append(_reason(None, "contactgegevens",
                                   "De gemeente kent nog geen adres of telefoonnummer van deze cliënt; "
                                   "geef de contactgegevens mee in het besluit (een JW301 vraagt ze)."))
    grantable = automatically_grantable(soort, [norm_request(p) for p in aanvraag.producten],
                                        catalogue, overeenstemming, aanvraag.leveringsvorm,
                                        client_wijkt_af=bool(afwijkend))
    if not grantable and not reasons:  # e.g. a JW315 without per-product remarks
        reasons.append(_reason(None, "beoordeling", "Dit verzoek wordt niet automatisch toegekend; "
                                                     "het CJG beslist."))
    return reasons


def overlaps(session: Session, aanvraag: Aanvraag, categorie: str | None, code: str | None,
             ingangsdatum: date | None, einddatum: date | None) -> list[str]:
    """Current assignments of the same product at this provider whose period overlaps: the
    JW301 may not carry the same product twice at once (TR302)."""
    if ingangsdatum is None:
        return []
    found = []
    for t in toewijzingen.for_client(session, aanvraag.gemeente, aanvraag.aanbieder, aanvraag.bsn):
        if t.verwijderd or not same_product(_key(t.categorie, t.code), _key(categorie, code)):
            continue
        if t.ingangsdatum <= (einddatum or date.max) and ingangsdatum <= (t.einddatum or date.max):
            eind = datum_nl(t.einddatum) if t.einddatum else "open einde"
            found.append(f"Overlapt met toewijzing {t.nummer} (product {t.code or t.categorie or '-'}, "
                         f"{datum_nl(t.ingangsdatum)} t/m {eind}); het CJG beslist.")
    return found


def _key(categorie: str | None, code: str | None) -> tuple[str | None, str | None] | None:
    return None if categorie is None else (categorie, code)


def _reason(referentie: str | None, code: str, message: str) -> dict:
    return {"referentie": referentie, "code": code, "message": message}
