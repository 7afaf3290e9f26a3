"""The aanvraagformulier (`/aanvraagformulier`): the posted fields as an `Aanvraagformulier`,
or a Dutch error per field. The form checks what it needs to write a schema-valid message
(required fields, dates, whole numbers, lengths and formats, choices from the lists offered);
everything else is the intake's rules (see `gateway.web.formulier`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from gateway.db.models import Partij
from gateway.domain.aanvraag.aanvraagformulier import Aanvraagformulier, ProductInvoer, referentie_for
from gateway.domain.financien.bestedingsruimte import parse_euro
from gateway.reference import Product, ReferenceData
from gateway.web.forms.client import read_client
from gateway.web.forms.fields import FieldReader

PRODUCTREGELS = 3  # rows shown at first; "Extra productregel" adds one
MAX_PRODUCTREGELS = 20
MAX_RESULTATEN = 10

LEVERINGSVORMEN = {"ZIN": "Zorg in natura (ZIN)", "PGB": "Persoonsgebonden budget (PGB)"}
OVEREENSTEMMING = {"ja": "Ja, CJG en aanbieder zijn het eens", "nee": "Nee, het CJG beslist"}
EENHEDEN = {"01": "Minuut", "04": "Uur", "14": "Etmaal", "16": "Dagdeel (4 uur)", "82": "Stuks (output)",
            "83": "Euro's", "84": "Stuks (inspanning)"}  # WJ756
FREQUENTIES = {"1": "Per dag", "2": "Per week", "4": "Per maand",
               "6": "Totaal binnen geldigheidsduur toewijzing"}  # WMO757
EENHEID_EURO = "83"  # an Omvang in this unit is an amount: typed in euro, sent in eurocent
MAX_LDT = 99_999_999  # LDT_Volume and LDT_Budget (eurocent)
PRODUCTVELDEN = ("product", "ingangsdatum", "einddatum", "volume", "eenheid", "frequentie", "budget",
                 "referentie")

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
                  "budget": "budget (euro)", "referentie": "referentie"}


@dataclass
class Keuzes:
    """What the form offers: the served municipalities, the providers, the catalogue."""

    gemeenten: dict[str, Partij]
    aanbieders: dict[str, Partij]
    producten: dict[str, Product]  # "45/45A01" -> catalogue product


def keuzes(gemeenten: list[Partij], aanbieders: list[Partij], reference: ReferenceData) -> Keuzes:
    return Keuzes(gemeenten={p.code: p for p in gemeenten}, aanbieders={p.code: p for p in aanbieders},
                  producten={f"{p.categorie}/{p.code}": p
                             for p in sorted(reference.producten.values(), key=lambda p: (p.categorie, p.code))})


@dataclass
class Gelezen:
    formulier: Aanvraagformulier | None  # None when any field has an error
    fouten: dict[str, str]
    productregels: list[int] = field(default_factory=list)  # the form row of each AangevraagdProduct, in order


def read(waarden: Mapping[str, str], keuzes: Keuzes, today: date) -> Gelezen:
    f = FieldReader(waarden)
    gemeente = f.choice("gemeente", keuzes.gemeenten, "Kies de gemeente.")
    aanbieder = f.choice("aanbieder", keuzes.aanbieders, "Kies de aanbieder die met de ouders is afgesproken.")
    verwijzer = f.text("verwijzer", max_lengte=64)
    if verwijzer is None and gemeente is not None:
        verwijzer = f"CJG {keuzes.gemeenten[gemeente].naam}"[:64].strip()
    client = read_client(f)
    resultaten = _resultaten(f)
    hulpvraag = f.text("hulpvraag", verplicht=True, max_lengte=4000)
    contextanalyse = f.text("contextanalyse", verplicht=True, max_lengte=4000)
    toestemming_ouders = f.date_value("toestemming_ouders", verplicht=True)
    afstemming_datum = f.date_value("afstemming_datum", verplicht=True)
    overeenstemming = f.choice("overeenstemming", OVEREENSTEMMING, "Geef aan of CJG en aanbieder het eens zijn.")
    toelichting = f.text("toelichting", max_lengte=1000)
    leveringsvorm = f.choice("leveringsvorm", LEVERINGSVORMEN, "Kies ZIN of PGB.")
    productregels: list[int] = []
    producten = _producten(f, keuzes, today, productregels)
    # A required field without a value always has its error, so without errors all are there.
    if (f.fouten or gemeente is None or aanbieder is None or client is None or hulpvraag is None
            or contextanalyse is None or toestemming_ouders is None or afstemming_datum is None
            or leveringsvorm is None):
        return Gelezen(None, f.fouten, productregels)
    return Gelezen(Aanvraagformulier(aanbieder=aanbieder, gemeente=gemeente, verwijzer=verwijzer or "",
                                     client=client, resultaten=resultaten, producten=producten,
                                     hulpvraag=hulpvraag, contextanalyse=contextanalyse,
                                     toestemming_ouders=toestemming_ouders, afstemming_datum=afstemming_datum,
                                     overeenstemming=overeenstemming == "ja", toelichting=toelichting,
                                     leveringsvorm=leveringsvorm),
                   f.fouten, productregels)


def _resultaten(f: FieldReader) -> tuple[str, ...]:
    regels = tuple(r.strip() for r in f.clean("resultaten").split("\n") if r.strip())
    if not regels:
        f.fouten["resultaten"] = "Vul ten minste één beoogd resultaat in (één per regel)."
    elif len(regels) > MAX_RESULTATEN:
        f.fouten["resultaten"] = f"Hoogstens {MAX_RESULTATEN} resultaten; nu {len(regels)} regels."
    elif any(len(r) > 1000 for r in regels):
        f.fouten["resultaten"] = "Elk resultaat is hoogstens 1000 tekens."
    return regels


def _producten(f: FieldReader, keuzes: Keuzes, today: date, productregels: list[int]) -> tuple[ProductInvoer, ...]:
    """The filled-in product rows; `productregels` gets the form row of each."""
    producten = []
    for n in row_numbers(f.waarden):
        if not any(f.clean(f"{veld}_{n}") for veld in ("product", "ingangsdatum", "einddatum", "volume",
                                                        "budget", "referentie")):
            continue  # an empty row
        productregels.append(n)
        product = _product(f, n, keuzes, today)
        if product is not None:
            producten.append(product)
    if not productregels:
        f.fouten["producten"] = "Vraag ten minste één product aan."
    return tuple(producten)


def _product(f: FieldReader, n: int, keuzes: Keuzes, today: date) -> ProductInvoer | None:
    sleutel = f.choice(f"product_{n}", keuzes.producten, "Kies het product.")
    ingangsdatum = f.date_value(f"ingangsdatum_{n}", verplicht=True)
    einddatum = f.date_value(f"einddatum_{n}")
    eenheid = f.choice(f"eenheid_{n}", EENHEDEN, "", leeg_mag=True)
    frequentie = f.choice(f"frequentie_{n}", FREQUENTIES, "", leeg_mag=True)
    budget = euro(f, f"budget_{n}")
    catalogus = keuzes.producten[sleutel] if sleutel is not None else None
    eenheid = eenheid or (catalogus.eenheden[0] if catalogus is not None else None)
    # A product asked as a Budget has no Omvang (CD077/CD078): then the volume may stay empty.
    if eenheid == EENHEID_EURO:
        volume = euro(f, f"volume_{n}", verplicht=budget is None)
    else:
        volume = f.integer(f"volume_{n}", verplicht=budget is None, hoogstens=MAX_LDT)
    referentie = f.text(f"referentie_{n}", max_lengte=36)
    if (catalogus is None or eenheid is None or ingangsdatum is None or any(
            f"{veld}_{n}" in f.fouten for veld in ("volume", "budget", "eenheid", "frequentie"))):
        return None
    return ProductInvoer(referentie=referentie or referentie_for(today, f.waarden["sleutel"], n),
                         categorie=catalogus.categorie, code=catalogus.code,
                         ingangsdatum=ingangsdatum, einddatum=einddatum, volume=volume,
                         eenheid=eenheid, frequentie=frequentie or catalogus.frequenties[0], budget=budget)


def euro(f: FieldReader, naam: str, *, verplicht: bool = False) -> int | None:
    """An amount typed in euro ("1.234,56", "1234.56", "1234", "€ 1.234") as eurocent: the
    messages count in eurocent, people in euro."""
    waarde = f.clean(naam)
    if not waarde:
        if verplicht:
            f.fouten[naam] = "Vul een bedrag in euro in."
        return None
    eurocent = parse_euro(waarde)
    if eurocent is None:
        f.fouten[naam] = "Vul een bedrag in euro in, bijvoorbeeld 1.234,56 of 1234.56."
        return None
    if eurocent > MAX_LDT:
        f.fouten[naam] = f"Hoogstens {euro_tekst(MAX_LDT)}."
        return None
    return eurocent


def euro_tekst(eurocent: int) -> str:
    """Eurocent as the form shows an amount: 123456 -> "1.234,56" (parse_euro reads it back)."""
    euros, cents = divmod(eurocent, 100)
    return f"{euros:,}".replace(",", ".") + f",{cents:02d}"


def row_numbers(waarden: Mapping[str, str]) -> list[int]:
    """The product rows present in the posted form (1..MAX_PRODUCTREGELS)."""
    nummers = set()
    for key in waarden:
        naam, _, nummer = key.rpartition("_")
        if naam in PRODUCTVELDEN and nummer.isdigit() and 1 <= int(nummer) <= MAX_PRODUCTREGELS:
            nummers.add(int(nummer))
    return sorted(nummers) or list(range(1, PRODUCTREGELS + 1))


def label(veld: str) -> str:
    if veld in LABELS:
        return LABELS[veld]
    naam, _, nummer = veld.rpartition("_")
    if naam in _PRODUCTLABELS and nummer.isdigit():
        return f"Product {nummer}: {_PRODUCTLABELS[naam]}"
    return veld


# For the rule check of a form with field errors: a stand-in for each field in error, valid
# for the form, so the rest of the form can be written as a message and checked in the same
# round. What the rules then say about a stand-in is dropped (gateway.web.formulier).
_STANDIN = {"bsn": "999990019", "geslacht": "0", "achternaam": "-", "contact_soort": "01",
            "straatnaam": "-", "huisnummer": "1", "postcode": "1000AA", "plaatsnaam": "-",
            "hulpvraag": "-", "contextanalyse": "-", "resultaten": "-", "overeenstemming": "ja",
            "leveringsvorm": "ZIN", "volume": "1"}
_DATUMVELDEN = ("geboortedatum", "toestemming_ouders", "afstemming_datum", "ingangsdatum")


def with_standins(waarden: Mapping[str, str], fouten: Mapping[str, str], keuzes: Keuzes,
                  today: date) -> dict[str, str]:
    """`waarden` with a stand-in in each field that has an error; an optional field is left
    empty. A form without any product row has no stand-in: `read` still finds it wrong."""
    vervangen = dict(waarden)
    for veld in fouten:
        naam, _, nummer = veld.rpartition("_")
        basis = naam if naam in PRODUCTVELDEN and nummer.isdigit() else veld
        if basis == "gemeente":
            vervangen[veld] = next(iter(keuzes.gemeenten), "")
        elif basis == "aanbieder":
            vervangen[veld] = next(iter(keuzes.aanbieders), "")
        elif basis == "product":
            vervangen[veld] = next(iter(keuzes.producten), "")
        elif basis in _DATUMVELDEN:
            vervangen[veld] = today.isoformat()
        elif basis == "volume" and vervangen.get(f"budget_{nummer}", "").strip():
            vervangen[veld] = ""
        else:
            vervangen[veld] = _STANDIN.get(basis, "")
    return vervangen
