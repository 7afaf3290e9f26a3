"""`/aanvraagformulier`: the CJG records an aanvraag with the parents and submits it (issue 5
item 4). The form becomes the same AGJ message a provider would send, with the provider
agreed with the parents as Afzender (see `gateway.domain.aanvraagformulier` for why), and goes
through the API's intake (`gateway.intake.service.receive`): stored, checked and answered like
any other message, then decided by the worker.

Two kinds of checks, on purpose in two places:
  * the form checks what it needs to write a schema-valid message: required fields, dates,
    whole numbers, lengths and formats (postcode, telephone number, BSN of nine digits), and
    choices from the lists offered. A form with such errors is shown again (400) with the
    error beside each field; nothing is stored.
  * everything else is the intake's: the rules (elfproef CS002, AG001/AG002, TR134, CS003,
    TR383/TR386, the level-3 rules such as TR374, ...). A message that fails them is stored
    (the contract: logged like any other), and the form is shown again (422, or 400 for a
    schema error) with the rule report in Dutch and a link to the stored message.
An accepted message answers 303 to its detail page `/berichten/{id}?ingevoerd=1`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.http.deps import DbSession
from gateway.db.models import Bevinding, Client, Partij
from gateway.domain import audit
from gateway.domain.model import normen
from gateway.domain.aanvraagformulier import (
    Aanvraagformulier, ClientInvoer, ProductInvoer, valid_form_key, identificatie_for, new_form_key,
    referentie_for, render_agj,
)
from gateway.domain.clientgegevens import Contact
from gateway.intake.service import receive, screen
from gateway.reference import Product, ReferenceData
from gateway import clock
from gateway.rules import report as rule_report
from gateway import dateinput as dates
from gateway.web.deps import CheckedForm, CjgUser, log_access
from gateway.web.render import error_page, page

router = APIRouter()

PAD = "/aanvraagformulier"
PRODUCTREGELS = 3  # rows shown at first; "Extra productregel" adds one
MAX_PRODUCTREGELS = 20
MAX_RESULTATEN = 10

GESLACHTEN = {"1": "Mannelijk", "2": "Vrouwelijk", "0": "Onbekend"}  # COD046
CONTACTSOORTEN = {"01": "BRP-adres", "02": "Correspondentie-adres", "03": "Verblijfadres"}  # COD757
LEVERINGSVORMEN = {"ZIN": "Zorg in natura (ZIN)", "PGB": "Persoonsgebonden budget (PGB)"}
OVEREENSTEMMING = {"ja": "Ja, CJG en aanbieder zijn het eens", "nee": "Nee, het CJG beslist"}
EENHEDEN = {"01": "Minuut", "04": "Uur", "14": "Etmaal", "16": "Dagdeel (4 uur)", "82": "Stuks (output)",
            "83": "Euro's (volume in eurocent)", "84": "Stuks (inspanning)"}  # WJ756
FREQUENTIES = {"1": "Per dag", "2": "Per week", "4": "Per maand",
               "6": "Totaal binnen geldigheidsduur toewijzing"}  # WMO757
PRODUCTVELDEN = ("product", "ingangsdatum", "einddatum", "volume", "eenheid", "frequentie", "referentie")

# Labels of the fields, for the error summary and the rule report.
LABELS = {
    "gemeente": "Gemeente", "aanbieder": "Aanbieder", "verwijzer": "Naam verwijzer (CJG)",
    "bsn": "BSN", "geboortedatum": "Geboortedatum", "geslacht": "Geslacht", "achternaam": "Achternaam",
    "voorvoegsel": "Voorvoegsel", "voornamen": "Voornamen", "voorletters": "Voorletters",
    "contact_soort": "Soort adres", "straatnaam": "Straatnaam", "huisnummer": "Huisnummer",
    "huisletter": "Huisletter", "toevoeging": "Toevoeging", "postcode": "Postcode",
    "plaatsnaam": "Plaats", "telefoon": "Telefoonnummer", "email": "E-mailadres",
    "hulpvraag": "Hulpvraag", "contextanalyse": "Contextanalyse", "resultaten": "Beoogde resultaten",
    "toestemming_ouders": "Toestemming ouders", "afstemming_datum": "Datum afstemming",
    "overeenstemming": "Overeenstemming", "toelichting": "Toelichting afstemming",
    "leveringsvorm": "Leveringsvorm", "producten": "Producten",
}
_PRODUCTLABELS = {"product": "product", "ingangsdatum": "ingangsdatum", "einddatum": "einddatum",
                  "volume": "volume", "eenheid": "eenheid", "frequentie": "frequentie",
                  "referentie": "referentie"}

_ONGELDIGE_TEKENS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_VOORLETTERS = re.compile(r"[a-zA-ZÀ-ỳ]+")  # LDT_Voorletters


@dataclass
class Keuzes:
    """What the form offers: the served municipalities, the providers, the catalogue."""

    gemeenten: dict[str, Partij]
    aanbieders: dict[str, Partij]
    producten: dict[str, Product]  # "45/45A01" -> catalogue product


@router.get(PAD)
def formulier(request: Request, session: DbSession, user: CjgUser) -> Response:
    keuzes = _keuzes(session, request.app.state.reference)
    waarden = {"contact_soort": "01", "leveringsvorm": "ZIN", "sleutel": new_form_key()}
    if len(keuzes.gemeenten) == 1:
        waarden["gemeente"] = next(iter(keuzes.gemeenten))
    if len(keuzes.aanbieders) == 1:
        waarden["aanbieder"] = next(iter(keuzes.aanbieders))
    session.commit()  # only the session's last-used time can have changed
    return _show(request, keuzes, waarden, regels=PRODUCTREGELS)


@router.post(PAD)
def submit(request: Request, session: DbSession, user: CjgUser, form: CheckedForm) -> Response:
    state = request.app.state
    keuzes = _keuzes(session, state.reference)
    waarden = {k: v for k, v in form.items() if k not in ("csrf_token", "actie")}
    regels = _row_numbers(waarden)
    if form.get("actie") == "regel":  # another product row; nothing is checked or stored
        session.commit()  # only the session's last-used time
        return _show(request, keuzes, waarden, regels=min(len(regels) + 1, MAX_PRODUCTREGELS))

    today = clock.today()
    # A form without a (valid) key, e.g. from before an upgrade, gets one now.
    waarden["sleutel"] = valid_form_key(waarden.get("sleutel")) or new_form_key()
    reader = _FormReader(waarden)
    ingevuld = reader.formulier(keuzes, today)
    if reader.fouten:
        session.commit()  # only the session's last-used time: nothing of the form is stored
        return _show(request, keuzes, waarden, regels=len(regels), fouten=reader.fouten, status=400)

    body = render_agj(ingevuld, identificatie=identificatie_for(waarden["sleutel"]), dagtekening=today,
                      schemas=state.schemas)
    # Our own rendering of the form, not a provider's bytes: screened inside the transaction.
    answer = receive(session, state.ctx, keuzes.aanbieders[ingevuld.aanbieder], screen(state.ctx, body),
                     today=today)
    client_id = session.scalar(select(Client.id).where(Client.gemeente == ingevuld.gemeente,
                                                       Client.bsn == ingevuld.client.bsn))
    log_access(session, request, user, actie=audit.AANVRAAG_INGEVOERD, object_type="bericht",
               object_id=answer.bericht_id, client_id=client_id)
    rapport = [] if answer.status in (202, 500) else _rapport(session, state.reference, answer.bericht_id,
                                                              reader.productregels)
    session.commit()
    if answer.status == 202:
        return RedirectResponse(f"/berichten/{answer.bericht_id}?ingevoerd=1", status_code=303)
    if answer.status == 500:  # our own AGR failed the self-check (gateway.intake.service)
        return error_page(request, 500, "Er ging iets mis",
                          f"De aanvraag is vastgelegd als bericht {answer.bericht_id}, maar niet in "
                          "behandeling genomen: het antwoord van de gateway voldeed niet aan de eigen "
                          "controle. De fout is vastgelegd in het log van de gateway.")
    codes_per_veld: dict[str, list[str]] = {}
    for regel in rapport:
        if regel["veld"] and regel["code"] not in codes_per_veld.setdefault(regel["veld"], []):
            codes_per_veld[regel["veld"]].append(regel["code"])
    fouten = {veld: f"Afgekeurd door regel {', '.join(codes)}; zie het regelrapport bovenaan."
              for veld, codes in codes_per_veld.items()}
    return _show(request, keuzes, waarden, regels=len(regels), fouten=fouten,
                 status=answer.status if answer.status in (400, 422) else 422,
                 afgekeurd={"bericht_id": answer.bericht_id, "rapport": rapport,
                            "schema": answer.status == 400})


# -- the page ---------------------------------------------------------------------------------

def _show(request: Request, keuzes: Keuzes, waarden: Mapping[str, str], *, regels: int,
          fouten: Mapping[str, str] | None = None, status: int = 200,
          afgekeurd: dict | None = None) -> Response:
    fouten = dict(fouten or {})
    return page(request, "aanvraagformulier.html", status=status,
                waarden=waarden, fouten=fouten,
                samenvatting=[(veld, _label(veld), tekst) for veld, tekst in fouten.items()],
                afgekeurd=afgekeurd,
                productregels=list(range(1, max(regels, PRODUCTREGELS) + 1)),
                max_productregels=MAX_PRODUCTREGELS,
                gemeenten=[(code, p.naam) for code, p in keuzes.gemeenten.items()],
                aanbieders=[(code, p.naam) for code, p in keuzes.aanbieders.items()],
                producten=[(sleutel, _productlabel(p)) for sleutel, p in keuzes.producten.items()],
                eenheden=list(EENHEDEN.items()), frequenties=list(FREQUENTIES.items()),
                geslachten=list(GESLACHTEN.items()), contactsoorten=list(CONTACTSOORTEN.items()),
                leveringsvormen=list(LEVERINGSVORMEN.items()),
                overeenstemming_keuzes=list(OVEREENSTEMMING.items()),
                max_resultaten=MAX_RESULTATEN)


def _keuzes(session: Session, reference: ReferenceData) -> Keuzes:
    partijen = session.scalars(select(Partij).where(Partij.soort.in_(("gemeente", "aanbieder")))
                               .order_by(Partij.naam, Partij.code)).all()
    return Keuzes(
        gemeenten={p.code: p for p in partijen if p.soort == "gemeente"},
        aanbieders={p.code: p for p in partijen if p.soort == "aanbieder"},
        producten={f"{p.categorie}/{p.code}": p
                   for p in sorted(reference.producten.values(), key=lambda p: (p.categorie, p.code))})


def _productlabel(product: Product) -> str:
    """E.g. '45A01 Jeugdhulp ambulant individueel — norm: ten hoogste 8 uur per week, 12 maanden'."""
    if len(product.eenheden) == 1 and len(product.frequenties) == 1:
        eenheid, frequentie = product.eenheden[0], product.frequenties[0]
        norm = f"ten hoogste {normen.omvang(product.norm_volume, eenheid, frequentie)}"
    else:
        norm = f"ten hoogste {product.norm_volume}"
    automatisch = "" if product.automatisch else "; CJG beslist altijd"
    maanden = "1 maand" if product.max_maanden == 1 else f"{product.max_maanden} maanden"
    return f"{product.code} {product.naam} (categorie {product.categorie}) — norm: {norm}, {maanden}{automatisch}"


def _label(veld: str) -> str:
    if veld in LABELS:
        return LABELS[veld]
    naam, _, nummer = veld.rpartition("_")
    if naam in _PRODUCTLABELS and nummer.isdigit():
        return f"Product {nummer}: {_PRODUCTLABELS[naam]}"
    return veld


def _row_numbers(waarden: Mapping[str, str]) -> list[int]:
    """The product rows present in the posted form (1..MAX_PRODUCTREGELS)."""
    nummers = set()
    for key in waarden:
        naam, _, nummer = key.rpartition("_")
        if naam in PRODUCTVELDEN and nummer.isdigit() and 1 <= int(nummer) <= MAX_PRODUCTREGELS:
            nummers.add(int(nummer))
    return sorted(nummers) or list(range(1, PRODUCTREGELS + 1))


# -- reading the form -------------------------------------------------------------------------

class _FormReader:
    """Reads the posted fields into an `Aanvraagformulier`, collecting a Dutch error per field."""

    def __init__(self, waarden: Mapping[str, str]):
        self.waarden = waarden
        self.fouten: dict[str, str] = {}
        self.productregels: list[int] = []  # the form row of each AangevraagdProduct, in order

    def formulier(self, keuzes: Keuzes, today: date) -> Aanvraagformulier | None:
        gemeente = self.choice("gemeente", keuzes.gemeenten, "Kies de gemeente.")
        aanbieder = self.choice("aanbieder", keuzes.aanbieders, "Kies de aanbieder die met de ouders is afgesproken.")
        verwijzer = self.text("verwijzer", max_lengte=64)
        if verwijzer is None and gemeente is not None:
            verwijzer = f"CJG {keuzes.gemeenten[gemeente].naam}"[:64].strip()
        client = self.client()
        resultaten = self.resultaten()
        velden = dict(
            hulpvraag=self.text("hulpvraag", verplicht=True, max_lengte=4000),
            contextanalyse=self.text("contextanalyse", verplicht=True, max_lengte=4000),
            toestemming_ouders=self.date_value("toestemming_ouders", verplicht=True),
            afstemming_datum=self.date_value("afstemming_datum", verplicht=True),
            overeenstemming=self.choice("overeenstemming", OVEREENSTEMMING,
                                       "Geef aan of CJG en aanbieder het eens zijn."),
            toelichting=self.text("toelichting", max_lengte=1000),
            leveringsvorm=self.choice("leveringsvorm", LEVERINGSVORMEN, "Kies ZIN of PGB."),
        )
        producten = self.producten(keuzes, today)
        if self.fouten:
            return None
        velden["overeenstemming"] = velden["overeenstemming"] == "ja"
        return Aanvraagformulier(aanbieder=aanbieder, gemeente=gemeente, verwijzer=verwijzer or "",
                                 client=client, resultaten=resultaten, producten=producten, **velden)

    # -- parts ------------------------------------------------------------------------------
    def client(self) -> ClientInvoer | None:
        bsn = self.bsn()
        geboortedatum = self.date_value("geboortedatum", verplicht=True)
        geslacht = self.choice("geslacht", GESLACHTEN, "Kies het geslacht (of 'Onbekend').")
        achternaam = self.text("achternaam", verplicht=True, max_lengte=200)
        voorvoegsel = self.text("voorvoegsel", max_lengte=10)
        voornamen = self.text("voornamen", max_lengte=200)
        voorletters = self.voorletters(voornamen)
        contact = self.contact()
        if None in (bsn, geboortedatum, geslacht, achternaam, contact):
            return None
        return ClientInvoer(bsn, geboortedatum, geslacht, achternaam, voorvoegsel, voornamen,
                            voorletters, contact)

    def bsn(self) -> str | None:
        waarde = re.sub(r"[\s.]", "", self.waarden.get("bsn", ""))
        if not waarde:
            self.fouten["bsn"] = "Vul het BSN in."
            return None
        if len(waarde) == 8 and waarde.isdigit():
            waarde = "0" + waarde  # an 8-digit BSN is written with a leading zero
        if len(waarde) != 9 or not waarde.isdigit():
            self.fouten["bsn"] = "Een BSN bestaat uit 9 cijfers."
            return None
        return waarde

    def voorletters(self, voornamen: str | None) -> str | None:
        waarde = re.sub(r"[\s.]", "", self.clean("voorletters"))
        if not waarde and voornamen:  # derived from the first names: "Jan Pieter" -> "JP"
            waarde = "".join(deel[0] for deel in voornamen.replace("-", " ").split()
                             if _VOORLETTERS.fullmatch(deel[0]))[:6]
        if not waarde:
            return None
        if not _VOORLETTERS.fullmatch(waarde) or len(waarde) > 6:
            self.fouten["voorletters"] = "Alleen letters, hoogstens 6 (punten mogen, die vallen weg)."
            return None
        return waarde

    def contact(self) -> Contact | None:
        soort = self.choice("contact_soort", CONTACTSOORTEN, "Kies de soort adres.")
        straatnaam = self.text("straatnaam", verplicht=True, max_lengte=24)
        huisnummer = self.integer("huisnummer", verplicht=True, hoogstens=99999)
        huisletter = self.text("huisletter", max_lengte=1)
        toevoeging = self.text("toevoeging", max_lengte=4)
        postcode = self.postcode()
        plaatsnaam = self.text("plaatsnaam", verplicht=True, max_lengte=80)
        telefoon = self.telefoon()
        email = self.text("email", max_lengte=80)
        if email is not None and ("@" not in email or any(c.isspace() for c in email)):
            self.fouten["email"] = "Dit is geen e-mailadres."
        if None in (soort, straatnaam, huisnummer, postcode, plaatsnaam):
            return None
        return Contact(soort=soort, straatnaam=straatnaam, huisnummer=huisnummer, huisletter=huisletter,
                       huisnummertoevoeging=toevoeging, postcode=postcode, plaatsnaam=plaatsnaam,
                       landcode="NL", telefoon=telefoon, emailadres=email)

    def postcode(self) -> str | None:
        waarde = re.sub(r"\s", "", self.clean("postcode")).upper()
        if not waarde:
            self.fouten["postcode"] = "Vul de postcode in."
            return None
        if not _POSTCODE.fullmatch(waarde):
            self.fouten["postcode"] = "Een postcode is 4 cijfers en 2 letters, zoals 1012 LG."
            return None
        return waarde

    def telefoon(self) -> str | None:
        waarde = re.sub(r"[\s\-()]", "", self.clean("telefoon"))
        for landnummer in ("+31", "0031"):
            if waarde.startswith(landnummer):
                waarde = "0" + waarde[len(landnummer):]
        if not waarde:
            return None
        if not waarde.isdigit() or len(waarde) > 15:
            self.fouten["telefoon"] = "Alleen cijfers (spaties en streepjes mogen), hoogstens 15."
            return None
        return waarde

    def resultaten(self) -> tuple[str, ...]:
        regels = tuple(r.strip() for r in self.clean("resultaten").split("\n") if r.strip())
        if not regels:
            self.fouten["resultaten"] = "Vul ten minste één beoogd resultaat in (één per regel)."
        elif len(regels) > MAX_RESULTATEN:
            self.fouten["resultaten"] = f"Hoogstens {MAX_RESULTATEN} resultaten; nu {len(regels)} regels."
        elif any(len(r) > 1000 for r in regels):
            self.fouten["resultaten"] = "Elk resultaat is hoogstens 1000 tekens."
        return regels

    def producten(self, keuzes: Keuzes, today: date) -> tuple[ProductInvoer, ...]:
        producten = []
        for n in _row_numbers(self.waarden):
            if not any(self.clean(f"{veld}_{n}") for veld in ("product", "ingangsdatum", "einddatum",
                                                                 "volume", "referentie")):
                continue  # an empty row
            self.productregels.append(n)
            product = self.product(n, keuzes, today)
            if product is not None:
                producten.append(product)
        if not self.productregels:
            self.fouten["producten"] = "Vraag ten minste één product aan."
        return tuple(producten)

    def product(self, n: int, keuzes: Keuzes, today: date) -> ProductInvoer | None:
        sleutel = self.choice(f"product_{n}", keuzes.producten, "Kies het product.")
        ingangsdatum = self.date_value(f"ingangsdatum_{n}", verplicht=True)
        einddatum = self.date_value(f"einddatum_{n}")
        volume = self.integer(f"volume_{n}", verplicht=True, hoogstens=99_999_999)
        eenheid = self.choice(f"eenheid_{n}", EENHEDEN, "", leeg_mag=True)
        frequentie = self.choice(f"frequentie_{n}", FREQUENTIES, "", leeg_mag=True)
        referentie = self.text(f"referentie_{n}", max_lengte=36)
        if None in (sleutel, ingangsdatum, volume) or f"eenheid_{n}" in self.fouten \
                or f"frequentie_{n}" in self.fouten:
            return None
        catalogus = keuzes.producten[sleutel]
        return ProductInvoer(referentie=referentie or referentie_for(today, self.waarden["sleutel"], n),
                             categorie=catalogus.categorie, code=catalogus.code,
                             ingangsdatum=ingangsdatum, einddatum=einddatum, volume=volume,
                             eenheid=eenheid or catalogus.eenheden[0],
                             frequentie=frequentie or catalogus.frequenties[0])

    # -- single fields ------------------------------------------------------------------------
    def clean(self, naam: str) -> str:
        """The field's text without characters XML cannot hold, line ends as \\n, trimmed."""
        waarde = self.waarden.get(naam, "").replace("\r\n", "\n").replace("\r", "\n")
        return _ONGELDIGE_TEKENS.sub("", waarde).strip()

    def text(self, naam: str, *, verplicht: bool = False, max_lengte: int) -> str | None:
        waarde = self.clean(naam)
        if not waarde:
            if verplicht:
                self.fouten[naam] = "Vul dit veld in."
            return None
        if len(waarde) > max_lengte:
            self.fouten[naam] = f"Hoogstens {max_lengte} tekens; nu {len(waarde)}."
            return None
        return waarde

    def date_value(self, naam: str, *, verplicht: bool = False) -> date | None:
        waarde = self.clean(naam)
        if not waarde:
            if verplicht:
                self.fouten[naam] = "Vul een datum in."
            return None
        day = dates.parse_date(waarde)
        if day is None:
            self.fouten[naam] = dates.HINT
        return day

    def integer(self, naam: str, *, verplicht: bool = False, hoogstens: int) -> int | None:
        waarde = self.clean(naam)
        if not waarde:
            if verplicht:
                self.fouten[naam] = "Vul een getal in."
            return None
        if not waarde.isascii() or not waarde.isdigit():
            self.fouten[naam] = "Vul een heel getal in (0 of meer), zonder punten of komma's."
            return None
        if int(waarde) > hoogstens:
            self.fouten[naam] = f"Hoogstens {hoogstens}."
            return None
        return int(waarde)

    def choice(self, naam: str, opties: Mapping[str, object], melding: str, *,
              leeg_mag: bool = False) -> str | None:
        waarde = self.clean(naam)
        if not waarde and leeg_mag:
            return None
        if waarde not in opties:
            self.fouten[naam] = melding if not waarde else "Kies een waarde uit de lijst."
            return None
        return waarde


# -- the rule report of a rejected message ---------------------------------------------------

# The element a finding points at (its local name, the last step that has one of these) and
# the form field it came from.
_VELD_VAN_ELEMENT = {
    "Bsn": "bsn", "Geboortedatum": "geboortedatum", "Geslacht": "geslacht", "Achternaam": "achternaam",
    "Voorvoegsel": "voorvoegsel", "Voornamen": "voornamen", "Voorletters": "voorletters",
    "Soort": "contact_soort", "Straatnaam": "straatnaam", "Huisnummer": "huisnummer",
    "Huisletter": "huisletter", "HuisnummerToevoeging": "toevoeging", "Postcode": "postcode",
    "Plaatsnaam": "plaatsnaam", "Telefoon": "telefoon", "Telefoonnummer": "telefoon",
    "Emailadres": "email", "Hulpvraag": "hulpvraag", "Contextanalyse": "contextanalyse",
    "Resultaten": "resultaten", "Resultaat": "resultaten", "ToestemmingOuders": "toestemming_ouders",
    "Overeenstemming": "overeenstemming", "Toelichting": "toelichting", "Leveringsvorm": "leveringsvorm",
}
_PRODUCTVELD_VAN_ELEMENT = {
    "ReferentieAanbieder": "referentie", "Product": "product", "Categorie": "product", "Code": "product",
    "ToewijzingIngangsdatum": "ingangsdatum", "ToewijzingEinddatum": "einddatum", "Omvang": "volume",
    "Volume": "volume", "Eenheid": "eenheid", "Frequentie": "frequentie", "Verwijzer": "product",
}


def veld_van_locatie(locatie: str, productregels: list[int]) -> str | None:
    """The form field behind a finding's location (an XPath such as
    /Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]/ToewijzingEinddatum, or a
    schema error's path with prefixes), or None when it is not one field."""
    stappen = []
    for stap in locatie.strip("/").split("/"):
        naam = stap.rpartition(":")[2]
        match = re.fullmatch(r"([A-Za-z]+)(?:\[(\d+)\])?", naam)
        if match:
            stappen.append((match.group(1), int(match.group(2) or 1)))
    namen = [naam for naam, _ in stappen]
    if not namen or "Header" in namen:
        return None
    if "AangevraagdProduct" in namen:
        index = namen.index("AangevraagdProduct")
        nummer = stappen[index][1]
        rest = namen[index + 1:]
        if not 1 <= nummer <= len(productregels):
            return None
        veld = next((_PRODUCTVELD_VAN_ELEMENT[n] for n in reversed(rest) if n in _PRODUCTVELD_VAN_ELEMENT),
                    "product")
        return f"{veld}_{productregels[nummer - 1]}"
    if "Afstemming" in namen and namen[-1] == "Datum":
        return "afstemming_datum"
    return next((_VELD_VAN_ELEMENT[n] for n in reversed(namen) if n in _VELD_VAN_ELEMENT), None)


def _rapport(session: Session, reference: ReferenceData, bericht_id: int,
             productregels: list[int]) -> list[dict]:
    """The stored findings of the message, each with its Dutch explanation, its remedy (the
    entries of rule_report, as everywhere) and the form field."""
    rows = session.scalars(select(Bevinding).where(Bevinding.bericht_id == bericht_id)
                           .order_by(Bevinding.id)).all()
    rapport = []
    for row in rows:
        report = rule_report.of_stored(reference, row)
        veld = veld_van_locatie(report.location, productregels)
        rapport.append({"code": report.code, "retourcode": report.retourcode, "locatie": report.location,
                        "uitleg": report.explanation, "oplossing": report.remedy, "melding": report.detail,
                        "veld": veld, "veldlabel": _label(veld) if veld else None})
    return rapport
