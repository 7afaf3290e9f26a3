"""The CJG's decision queue (`/aanvragen`) and one aanvraag with its decision form
(`/aanvragen/{id}`, `POST /aanvragen/{id}/besluit`).

The queue lists the aanvragen waiting for a person, the most overdue first, each with its
requested products against the catalogue's norms (`gateway.domain.model.normen`, the same check
the intake used) and the reasons the intake gave for sending it to the CJG. The decision
form builds the same `BesluitInvoer` as the API and calls the same service
(`besluiten.record`); the beschikking and the messages for the provider are made afterwards
by the outbox work, as for a decision through the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from gateway.http.deps import DbSession
from gateway.db.models import Aanvraag, AanvraagProduct, Bericht, Client, Partij
from gateway.domain import aanvragen, audit, beschikkingen, besluiten, keten, outbox, postbus
from gateway.domain.model import normen
from gateway.domain.aanvragen import (
    AFGEWEZEN, IN_ONDERZOEK, OPEN, REDENEN_AFWIJZING, TE_BEOORDELEN, TOEGEKEND,
)
from gateway.domain.attempts import DONE, MISLUKT, PENDING
from gateway.domain.clientgegevens import Contact
from gateway.context import Context
from gateway.domain.model.normen import EENHEID_LABELS, FREQUENTIE_LABELS, check_norms
from gateway.domain.model.werkdagen import werkdagen_between
from gateway.web.documents import euro
from gateway import dateinput as dates
from gateway.web.deps import CheckedForm, CjgUser, log_access, object_id
from gateway.web.render import page

router = APIRouter()

PAGINA = 50  # rows per section; more are reached by keyset ("na"), never by OFFSET
OPEN_VIEW = "open"
STATUS_LABELS = {TE_BEOORDELEN: "te beoordelen", IN_ONDERZOEK: "in onderzoek", TOEGEKEND: "toegekend",
                 AFGEWEZEN: "afgewezen"}
STATUS_FILTER = {OPEN_VIEW: "wacht op het CJG (te beoordelen en in onderzoek)", **STATUS_LABELS}
SOORT_LABELS = {"AGJ": "aanvraagformulier (AGJ)", "JW315": "verzoek om toewijzing (JW315)",
                "JW317": "verzoek om wijziging (JW317)"}
PRODUCT_SOORTEN = {"aangevraagd": "aangevraagd", "ongewijzigd": "ongewijzigd", "te_wijzigen": "te wijzigen",
                   "nieuw": "nieuw"}
VERWERKING_LABELS = {PENDING: "wacht op verwerking", DONE: "verwerkt", MISLUKT: "mislukt"}
POSTBUS_LABELS = keten.POSTBUS
TAAK_LABELS = {"verwerk_agj": "aanvraag registreren", "verwerk_jw315": "verzoek registreren",
               "verwerk_jw317": "verzoek registreren", besluiten.UITVOEREN: "besluit uitvoeren",
               besluiten.ONDERZOEK_MELDEN: "'in onderzoek' melden"}

# The choices of the form; "wijzigen" is a toekennen with the CJG's own values.
TOEKENNEN, WIJZIGEN, AFWIJZEN, ONDERZOEK = "toekennen", "wijzigen", "afwijzen", "in_onderzoek"
KEUZE_LABELS = {TOEKENNEN: "Toekennen zoals gevraagd", WIJZIGEN: "Toekennen met wijzigingen",
                AFWIJZEN: "Afwijzen", ONDERZOEK: "In onderzoek nemen"}
CONTACT_VELDEN = ("straatnaam", "huisnummer", "huisletter", "toevoeging", "postcode", "plaatsnaam", "telefoon")
_VOLUME = re.compile(r"\d{1,8}")
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_TELEFOON = re.compile(r"[0-9]{6,15}")


# ---------------------------------------------------------------- view models

@dataclass
class Termijn:
    label: str
    klasse: str
    toelichting: str = ""


@dataclass
class ProductRegel:
    """One requested product with its catalogue norm and the norm check's outcome."""

    product: AanvraagProduct
    naam: str | None
    gevraagd: str
    norm: str | None
    getoetst: bool
    afwijkingen: list[str]
    toegekend: dict | None = None  # the CJG's own values (when it changed any)


@dataclass
class Formulier:
    """The decision form: what is filled in (prefilled with the request) and the errors."""

    waarden: dict[str, str]
    fouten: dict[str, str] = field(default_factory=dict)
    fout: str | None = None


# ---------------------------------------------------------------- routes

@router.get("/aanvragen")
def queue(request: Request, session: DbSession, user: CjgUser, status: str = OPEN_VIEW, soort: str = "",
          na: str = "") -> Response:
    ctx: Context = request.app.state.ctx
    fouten: dict[str, str] = {}
    if status not in STATUS_FILTER:
        fouten["status"] = "Kies een status uit de lijst."
    if soort and soort not in SOORT_LABELS:
        fouten["soort"] = "Kies een soort uit de lijst."
    key = _parse_key(status, na) if not fouten and na else None
    if na and not fouten and key is None:
        fouten["na"] = "Deze vervolgpagina bestaat niet; begin opnieuw bovenaan de lijst."
    secties = []
    if not fouten:
        statuses = OPEN if status == OPEN_VIEW else (status,)
        for each in statuses:
            rows, more = _page(session, ctx, each, soort or None, key)
            secties.append({"status": each, "titel": _section_title(each), "rijen": rows,
                            "volgende": _next_link(each, soort, rows[-1]) if more else None,
                            "vervolg": key is not None})
    everything = [a for s in secties for a in s["rijen"]]
    namen = _provider_names(session, {a.aanvraag.aanbieder for a in everything})
    for rij in everything:
        rij.aanbieder_naam = namen.get(rij.aanvraag.aanbieder)
    session.commit()  # only the session's last-used time can have changed
    return page(request, "aanvragen.html", status=400 if fouten else 200, secties=secties,
                filter_status=status if status in STATUS_FILTER else OPEN_VIEW,
                filter_soort=soort if soort in SOORT_LABELS else "", fouten=fouten,
                statussen=STATUS_FILTER, soorten=SOORT_LABELS, status_labels=STATUS_LABELS,
                vandaag=ctx.today())


@router.get("/aanvragen/{aanvraag_id}")
def detail(request: Request, aanvraag_id: str, session: DbSession, user: CjgUser, besloten: str = "") -> Response:
    aanvraag = _aanvraag(session, aanvraag_id)
    client_id = _client_id(session, aanvraag)
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="aanvraag", object_id=aanvraag.id,
               client_id=client_id)
    session.commit()
    melding = _confirmation(aanvraag) if besloten else None
    return _detail_page(request, session, aanvraag, client_id, _prefilled(aanvraag), melding=melding)


@router.post("/aanvragen/{aanvraag_id}/besluit")
def decide(request: Request, aanvraag_id: str, session: DbSession, user: CjgUser, form: CheckedForm) -> Response:
    aanvraag = _aanvraag(session, aanvraag_id)
    ctx: Context = request.app.state.ctx
    invoer, formulier = parse_form(form, aanvraag)
    if aanvraag.status not in OPEN:  # decided meanwhile: the form is gone, so say so first
        session.rollback()
        formulier.fout = (f"Dit besluit is niet vastgelegd: over aanvraag {aanvraag.id} is al besloten "
                          f"({STATUS_LABELS.get(aanvraag.status, aanvraag.status)}). Hieronder staat de "
                          "aanvraag zoals hij nu is.")
        return _shown_again(request, session, user, aanvraag, formulier, status=409)
    if invoer is None:
        session.rollback()
        return _shown_again(request, session, user, aanvraag, formulier, status=400)
    number, gemeente = aanvraag.id, aanvraag.gemeente
    try:
        besluiten.record(session, ctx, aanvraag_id=number, gemeente=gemeente, invoer=invoer,
                         door=f"{user.gebruikersnaam} (backoffice)")
    except besluiten.BesluitFout as exc:
        session.rollback()
        if exc.status == 404:
            raise HTTPException(404, f"Er is geen aanvraag met nummer {number}.") from None
        aanvraag = _aanvraag(session, str(number))
        formulier.fout = _fout_tekst(exc)
        return _shown_again(request, session, user, aanvraag, formulier, status=409 if exc.status == 409 else 422)
    aanvraag = session.get(Aanvraag, number)
    log_access(session, request, user, actie=audit.BESLUITEN, object_type="aanvraag", object_id=number,
               client_id=_client_id(session, aanvraag))
    session.commit()
    return RedirectResponse(f"/aanvragen/{number}?besloten=1", status_code=303)


# ---------------------------------------------------------------- the queue

@dataclass
class Rij:
    aanvraag: Aanvraag
    termijn: Termijn | None
    producten: list[ProductRegel]
    aanbieder_naam: str | None = None


def _page(session: Session, ctx: Context, status: str, soort: str | None,
          key: tuple | None) -> tuple[list[Rij], bool]:
    """One section of the queue: open aanvragen by deadline (most overdue first), then by
    receipt and id; decided ones newest first. Bounded, keyset-paged (ix_aanvraag_status)."""
    query = select(Aanvraag).where(Aanvraag.status == status)
    if soort:
        query = query.where(Aanvraag.soort == soort)
    if status in OPEN:
        order = (Aanvraag.antwoord_uiterlijk, Aanvraag.ontvangen_op, Aanvraag.id)
        if key is not None:
            query = query.where(tuple_(*order) > tuple_(*key))
        query = query.order_by(*order)
    else:
        if key is not None:
            query = query.where(Aanvraag.id < key[0])
        query = query.order_by(Aanvraag.id.desc())
    found = list(session.scalars(query.limit(PAGINA + 1)))  # products come with one selectin query
    today = ctx.today()
    rows = [Rij(a, termijn(a, today), product_rows(a, ctx)) for a in found[:PAGINA]]
    return rows, len(found) > PAGINA


def _section_title(status: str) -> str:
    return {TE_BEOORDELEN: "Te beoordelen", IN_ONDERZOEK: "In onderzoek", TOEGEKEND: "Toegekend",
            AFGEWEZEN: "Afgewezen"}[status]


def _next_link(status: str, soort: str, last: Rij) -> str:
    a = last.aanvraag
    na = f"{a.antwoord_uiterlijk.isoformat()}.{a.ontvangen_op.isoformat()}.{a.id}" if status in OPEN else str(a.id)
    return f"/aanvragen?status={status}" + (f"&soort={soort}" if soort else "") + f"&na={na}"


def _parse_key(status: str, na: str) -> tuple | None:
    """The keyset position of a next page: "uiterlijk.ontvangen.id" for open ones, the id for
    decided ones; None when it is malformed (or when the view has two sections)."""
    if status == OPEN_VIEW:
        return None
    parts = na.split(".")
    try:
        if status in OPEN and len(parts) == 3 and parts[2].isdigit() and len(parts[2]) <= 10:
            return date.fromisoformat(parts[0]), date.fromisoformat(parts[1]), int(parts[2])
        if status not in OPEN and len(parts) == 1 and na.isdigit() and len(na) <= 10:
            return (int(na),)
    except ValueError:
        return None
    return None


def _provider_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Partij.code, Partij.naam).where(
        Partij.soort == "aanbieder", Partij.code.in_(sorted(codes)))).all())


# ---------------------------------------------------------------- norms and deadlines

def product_rows(aanvraag: Aanvraag, ctx: Context) -> list[ProductRegel]:
    """Each product of `aanvraag` against its catalogue norm (gateway.domain.model.normen)."""
    catalogue = ctx.reference.producten
    result = []
    for product in aanvraag.producten:
        known = catalogue.get((product.categorie or "", product.code or ""))
        getoetst = product.ingangsdatum is not None
        afwijkingen = [a.message for a in check_norms(aanvragen.norm_request(product), catalogue)] \
            if getoetst else []
        gevraagd = omvang_text(product.volume, product.eenheid, product.frequentie, product.budget)
        result.append(ProductRegel(product, known.naam if known else None, gevraagd,
                                   _norm_text(known) if known else None, getoetst, afwijkingen,
                                   _granted_values(product)))
    return result


def _norm_text(product) -> str:
    """E.g. "ten hoogste 8 uur per week, hoogstens 12 maanden"."""
    if len(product.eenheden) == 1 and len(product.frequenties) == 1:
        omvang = normen.omvang(product.norm_volume, product.eenheden[0], product.frequenties[0])
    else:
        omvang = f"{product.norm_volume} ({' of '.join(product.eenheden)}; {' of '.join(product.frequenties)})"
    maanden = "1 maand" if product.max_maanden == 1 else f"{product.max_maanden} maanden"
    return f"ten hoogste {omvang}, hoogstens {maanden}"


def omvang_text(volume: int | None, eenheid: str | None, frequentie: str | None, budget: int | None) -> str:
    """E.g. "6 uur per week (eenheid 04, frequentie 2)"."""
    if volume is None:
        return f"budget {euro(budget)}" if budget is not None else "geen omvang"
    return f"{normen.omvang(volume, eenheid, frequentie)} (eenheid {eenheid}, frequentie {frequentie})"


def _granted_values(product: AanvraagProduct) -> dict | None:
    if not product.toegekend:
        return None
    inhoud = aanvragen.inhoud_of(product)
    return {"omvang": omvang_text(inhoud.volume, inhoud.eenheid, inhoud.frequentie, inhoud.budget),
            "ingangsdatum": inhoud.ingangsdatum, "einddatum": inhoud.einddatum}


def termijn(aanvraag: Aanvraag, today: date) -> Termijn | None:
    """How the answer deadline stands, in Dutch working days; None once answered."""
    if aanvraag.status not in OPEN or aanvraag.afgehandeld_op is not None:
        return None
    uiterlijk = aanvraag.antwoord_uiterlijk
    try:
        if uiterlijk < today:
            te_laat = werkdagen_between(uiterlijk, today)
            return Termijn("verlopen", "fout", f"{te_laat} {_werkdagen(te_laat)} over de termijn"
                           if te_laat else "over de termijn")
        if uiterlijk == today:
            return Termijn("vandaag", "let-op")
        nog = werkdagen_between(today, uiterlijk)
    except ValueError:  # a date outside the holiday calendar
        return Termijn("onbekend", "let-op")
    return Termijn(f"nog {nog} {_werkdagen(nog)}", "let-op" if nog <= 1 else "goed")


def _werkdagen(n: int) -> str:
    return "werkdag" if n == 1 else "werkdagen"


# ---------------------------------------------------------------- one aanvraag

def _aanvraag(session: Session, text: str) -> Aanvraag:
    number = object_id(text, "aanvraag")
    aanvraag = session.get(Aanvraag, number)
    if aanvraag is None:
        raise HTTPException(404, f"Er is geen aanvraag met nummer {number}.")
    return aanvraag


def _client_id(session: Session, aanvraag: Aanvraag) -> int | None:
    return session.scalar(select(Client.id).where(Client.gemeente == aanvraag.gemeente,
                                                  Client.bsn == aanvraag.bsn))


def _shown_again(request: Request, session: Session, user, aanvraag: Aanvraag, formulier: Formulier, *,
                 status: int) -> Response:
    """A decision that was not taken: the aanvraag is shown again with the errors, and that
    is a view of the client's data like any other, so it is in the access log."""
    client_id = _client_id(session, aanvraag)
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="aanvraag", object_id=aanvraag.id,
               client_id=client_id)
    session.commit()
    return _detail_page(request, session, aanvraag, client_id, formulier, status=status)


def _detail_page(request: Request, session: Session, aanvraag: Aanvraag, client_id: int | None,
                 formulier: Formulier, *, status: int = 200, melding: str | None = None) -> Response:
    ctx: Context = request.app.state.ctx
    bericht = session.get(Bericht, aanvraag.bericht_id)
    inhoud = _message_content(bericht, ctx)
    beschikking = beschikkingen.for_aanvraag(session, aanvraag.id)
    verwerking = outbox.state_of(session, aanvraag.bericht_id)
    verzonden = postbus.for_aanvraag(session, aanvraag)
    aanbieder = _provider_names(session, {aanvraag.aanbieder}).get(aanvraag.aanbieder)
    open_ = aanvraag.status in OPEN
    keuzes = _choices(aanvraag) if open_ else []
    return page(request, "aanvraag.html", status=status, a=aanvraag, client_id=client_id, inhoud=inhoud,
                aanbieder_naam=aanbieder, producten=product_rows(aanvraag, ctx),
                termijn=termijn(aanvraag, ctx.today()), beschikking=beschikking,
                verwerking=verwerking, verzonden=verzonden, status_labels=STATUS_LABELS,
                soort_labels=SOORT_LABELS, product_soorten=PRODUCT_SOORTEN, verwerking_labels=VERWERKING_LABELS,
                taak_labels=TAAK_LABELS, postbus_labels=POSTBUS_LABELS, besluit_tekst=_decision_text(aanvraag),
                melding=melding, fout=formulier.fout, formulier=formulier if open_ else None, keuzes=keuzes,
                redenen=REDENEN_AFWIJZING, frequenties=FREQUENTIE_LABELS,
                eenheden=[(code, meervoud) for code, (_enkel, meervoud) in EENHEID_LABELS.items()],
                contact_nodig=any(r.get("code") == "contactgegevens" for r in aanvraag.beoordeling or []))


def _message_content(bericht: Bericht | None, ctx: Context) -> dict:
    """What the case worker reads from the message itself: the client's name and, for an
    aanvraagformulier, the hulpvraag, context analysis, results and the agreement."""
    if bericht is None:
        return {}
    if bericht.gewist_op is not None:  # the retention purge emptied the body
        return {"gewist_op": bericht.gewist_op}
    msg = aanvragen.parsed_request(bericht, ctx)
    naam = msg.find("m:Client/m:Naam")
    result: dict = {"naam": None}
    if naam is not None:
        parts = [msg.text("b:Voornamen", naam) or msg.text("b:Voorletters", naam),
                 msg.text("b:Geslachtsnaam/b:Voorvoegsel", naam), msg.text("b:Geslachtsnaam/b:Achternaam", naam)]
        result["naam"] = " ".join(p for p in parts if p) or None
    result["geboortedatum"] = msg.text("m:Client/m:Geboortedatum/b:Datum")
    if msg.type.name == "AGJ":
        form = "m:Client/m:Aanvraagformulier"
        result["formulier"] = {
            "hulpvraag": msg.text(f"{form}/m:Hulpvraag"),
            "contextanalyse": msg.text(f"{form}/m:Contextanalyse"),
            "resultaten": [r.text for r in msg.findall(f"{form}/m:Resultaten/m:Resultaat")],
            "toestemming_ouders": msg.text(f"{form}/m:ToestemmingOuders"),
            "afstemming_datum": msg.text(f"{form}/m:Afstemming/m:Datum"),
            "overeenstemming": msg.text(f"{form}/m:Afstemming/m:Overeenstemming") == "1",
            "toelichting": msg.text(f"{form}/m:Afstemming/m:Toelichting"),
        }
    return result


def _choices(aanvraag: Aanvraag) -> dict[str, str]:
    """The decisions the service allows here: a JW317 is granted or rejected as a whole
    (OP344) and cannot go 'in onderzoek'; 'in onderzoek' only once, from te_beoordelen."""
    keuzes = dict(KEUZE_LABELS)
    if aanvraag.soort == "JW317":
        del keuzes[WIJZIGEN]
        keuzes[TOEKENNEN] = "Toekennen (als geheel)"
    if aanvraag.soort == "JW317" or aanvraag.status != TE_BEOORDELEN:
        del keuzes[ONDERZOEK]
    return keuzes


def _decision_text(aanvraag: Aanvraag) -> str | None:
    besluit = aanvraag.besluit
    if not besluit:
        return None
    if besluit.get("besluit") == besluiten.AFWIJZEN:
        reden = besluit.get("reden_afwijzing")
        text = f"afgewezen, reden {reden}: {REDENEN_AFWIJZING.get(reden, 'onbekend')}"
        if besluit.get("woonplaatsbeginsel"):
            text += f" (verantwoordelijke gemeente {besluit['woonplaatsbeginsel']})"
        return text
    return "toegekend met wijzigingen" if besluit.get("producten") else "toegekend zoals gevraagd"


def _confirmation(aanvraag: Aanvraag) -> str | None:
    if aanvraag.status == IN_ONDERZOEK:
        return ("De aanvraag staat nu in onderzoek. De aanbieder krijgt daarover een antwoordbericht "
                "(JW319); het definitieve besluit volgt uiterlijk op de nieuwe termijn.")
    if aanvraag.status in (TOEGEKEND, AFGEWEZEN):
        return ("Het besluit is vastgelegd. De gateway maakt nu de beschikking en de berichten voor de "
                "aanbieder; hieronder zie je hoe ver de verwerking is.")
    return None  # nothing decided (a link with ?besloten=1 by hand)


def _fout_tekst(exc: besluiten.BesluitFout) -> str:
    detail = exc.detail
    if exc.status == 409:
        return f"Dit besluit is niet vastgelegd: {detail}. Hieronder staat de aanvraag zoals hij nu is."
    return f"Dit besluit kan niet worden vastgelegd: {detail}. Er is niets opgeslagen."


# ---------------------------------------------------------------- the form

def _field(product: AanvraagProduct, name: str) -> str:
    return f"p{product.volgnummer}_{name}"


def _has_omvang(product: AanvraagProduct) -> bool:
    return product.budget is None or product.volume is not None


def _prefilled(aanvraag: Aanvraag) -> Formulier:
    waarden = {"besluit": "", "reden_afwijzing": "", "woonplaatsbeginsel": ""}
    for p in aanvraag.producten:
        waarden.update({
            _field(p, "volume"): "" if p.volume is None else str(p.volume),
            _field(p, "eenheid"): p.eenheid or "", _field(p, "frequentie"): p.frequentie or "",
            _field(p, "ingangsdatum"): p.ingangsdatum.isoformat() if p.ingangsdatum else "",
            _field(p, "einddatum"): p.einddatum.isoformat() if p.einddatum else ""})
    waarden.update({f"contact_{name}": "" for name in CONTACT_VELDEN})
    return Formulier(waarden)


def parse_form(form: dict[str, str], aanvraag: Aanvraag) -> tuple[besluiten.BesluitInvoer | None, Formulier]:
    """The posted decision as the service's input, or None with the errors per field (and
    the values as entered, to show the form again)."""
    formulier = _prefilled(aanvraag)
    formulier.waarden.update({k: v.strip() for k, v in form.items()
                              if k in formulier.waarden})
    waarden, fouten = formulier.waarden, formulier.fouten
    keuze = waarden["besluit"]
    # Any known choice is passed on: what this aanvraag allows (a JW317 as a whole, 'in
    # onderzoek' once) is the service's to say, with its own message and status.
    if keuze not in KEUZE_LABELS:
        fouten["besluit"] = "Kies een van de besluiten."
        return None, formulier
    if keuze == ONDERZOEK:
        return besluiten.BesluitInvoer(besluit=besluiten.ONDERZOEK), formulier
    if keuze == AFWIJZEN:
        reden = waarden["reden_afwijzing"]
        woonplaats = waarden["woonplaatsbeginsel"]
        if reden not in REDENEN_AFWIJZING:
            fouten["reden_afwijzing"] = "Kies de reden van de afwijzing."
        elif reden == besluiten.WOONPLAATSBEGINSEL and not re.fullmatch(r"\d{4}", woonplaats):
            fouten["woonplaatsbeginsel"] = ("Bij reden 8 (woonplaatsbeginsel) hoort de gemeentecode (4 cijfers) "
                                            "van de verantwoordelijke gemeente.")
        if fouten:
            return None, formulier
        return besluiten.BesluitInvoer(
            besluit=besluiten.AFWIJZEN, reden_afwijzing=reden,
            woonplaatsbeginsel=woonplaats if reden == besluiten.WOONPLAATSBEGINSEL else None), formulier
    producten = tuple(_product_changes(aanvraag, waarden, fouten)) if keuze == WIJZIGEN else ()
    contacten = _contact(waarden, fouten)
    if fouten:
        return None, formulier
    return besluiten.BesluitInvoer(besluit=besluiten.TOEKENNEN, producten=producten,
                                   contactgegevens=contacten), formulier


def _product_changes(aanvraag: Aanvraag, waarden: dict[str, str], fouten: dict[str, str]):
    """A ProductBesluit for every product whose values differ from the request, carrying
    only the values that differ (the rest stays as asked)."""
    for p in aanvraag.producten:
        changes: dict = {}
        if _has_omvang(p):
            volume = _volume(waarden, fouten, _field(p, "volume"))
            eenheid = _code(waarden, fouten, _field(p, "eenheid"), EENHEID_LABELS, "Kies een eenheid.")
            frequentie = _code(waarden, fouten, _field(p, "frequentie"), FREQUENTIE_LABELS, "Kies een frequentie.")
            for name, value, asked in (("volume", volume, p.volume), ("eenheid", eenheid, p.eenheid),
                                       ("frequentie", frequentie, p.frequentie)):
                if value is not None and value != asked:
                    changes[name] = value
        ingang = _date(waarden, fouten, _field(p, "ingangsdatum"), required=True,
                       missing="Vul een ingangsdatum in.")
        eind = _date(waarden, fouten, _field(p, "einddatum"), required=p.einddatum is not None,
                     missing="Vul een einddatum in; de einddatum weghalen kan niet.")
        if ingang is not None and eind is not None and eind < ingang:
            fouten[_field(p, "einddatum")] = "De einddatum ligt vóór de ingangsdatum."
        for name, value, asked in (("ingangsdatum", ingang, p.ingangsdatum), ("einddatum", eind, p.einddatum)):
            if value is not None and value != asked:
                changes[name] = value
        if changes:
            yield besluiten.ProductBesluit(referentie_aanbieder=p.referentie_aanbieder, **changes)


def _volume(waarden: dict[str, str], fouten: dict[str, str], name: str) -> int | None:
    text = waarden.get(name, "")
    if not text:
        fouten[name] = "Vul een volume in."
    elif not _VOLUME.fullmatch(text):
        fouten[name] = "Het volume is een geheel getal van 0 tot en met 99999999."
    else:
        return int(text)
    return None


def _code(waarden: dict[str, str], fouten: dict[str, str], name: str, allowed: dict, missing: str) -> str | None:
    value = waarden.get(name, "")
    if value not in allowed:
        fouten[name] = missing
        return None
    return value


def _date(waarden: dict[str, str], fouten: dict[str, str], name: str, *, required: bool,
          missing: str) -> date | None:
    text = waarden.get(name, "")
    if not text:
        if required:
            fouten[name] = missing
        return None
    day = dates.parse_date(text)
    if day is None:
        fouten[name] = dates.HINT
    return day


def _contact(waarden: dict[str, str], fouten: dict[str, str]) -> tuple[Contact, ...]:
    """The client's address from the form, for a request whose client the gemeente does not
    know yet; nothing when the fields are empty."""
    v = {name: waarden.get(f"contact_{name}", "") for name in CONTACT_VELDEN}
    if not any(v.values()):
        return ()
    postcode = v["postcode"].replace(" ", "").upper()
    telefoon = v["telefoon"].replace(" ", "").replace("-", "")
    adres = any(v[name] for name in ("straatnaam", "huisnummer", "huisletter", "toevoeging", "postcode",
                                     "plaatsnaam"))
    if adres:
        for name, label in (("straatnaam", "de straatnaam"), ("huisnummer", "het huisnummer"),
                            ("postcode", "de postcode"), ("plaatsnaam", "de plaatsnaam")):
            if not v[name]:
                fouten[f"contact_{name}"] = f"Vul {label} in."
        if v["huisnummer"] and not re.fullmatch(r"[1-9][0-9]{0,4}", v["huisnummer"]):
            fouten["contact_huisnummer"] = "Het huisnummer is een geheel getal (zonder letter)."
        if v["huisletter"] and not re.fullmatch(r"[A-Za-z]", v["huisletter"]):
            fouten["contact_huisletter"] = "De huisletter is één letter."
        if v["postcode"] and not _POSTCODE.fullmatch(postcode):
            fouten["contact_postcode"] = "Vul een postcode in als 1234AB."
    if telefoon and not _TELEFOON.fullmatch(telefoon):
        fouten["contact_telefoon"] = "Vul een telefoonnummer in met alleen cijfers, bijvoorbeeld 0201234567."
    if any(k.startswith("contact_") for k in fouten):
        return ()
    return (Contact(soort="01", straatnaam=v["straatnaam"] or None,
                    huisnummer=int(v["huisnummer"]) if v["huisnummer"] else None,
                    huisletter=v["huisletter"].upper() or None, huisnummertoevoeging=v["toevoeging"] or None,
                    postcode=postcode or None, plaatsnaam=v["plaatsnaam"] or None, telefoon=telefoon or None),)
