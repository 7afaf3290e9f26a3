"""The decision form of one aanvraag (`POST /aanvragen/{id}/besluit`): the posted fields as
the same `BesluitInvoer` the API builds, or the errors per field."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import cast

from gateway import dateinput as dates
from gateway.db.models import Aanvraag, AanvraagProduct
from gateway.domain.aanvraag import besluiten
from gateway.domain.aanvraag.aanvragen import REDENEN_AFWIJZING
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.model.normen import EENHEID_LABELS, FREQUENTIE_LABELS

# The choices of the form; "wijzigen" is a toekennen with the CJG's own values.
TOEKENNEN, WIJZIGEN, AFWIJZEN, ONDERZOEK = "toekennen", "wijzigen", "afwijzen", "in_onderzoek"
KEUZE_LABELS = {TOEKENNEN: "Toekennen zoals gevraagd", WIJZIGEN: "Toekennen met wijzigingen",
                AFWIJZEN: "Afwijzen", ONDERZOEK: "In onderzoek nemen"}
CONTACT_VELDEN = ("straatnaam", "huisnummer", "huisletter", "toevoeging", "postcode", "plaatsnaam", "telefoon")
_VOLUME = re.compile(r"\d{1,8}")
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_TELEFOON = re.compile(r"[0-9]{6,15}")


@dataclass
class Formulier:
    """The decision form: what is filled in (prefilled with the request) and the errors."""

    waarden: dict[str, str]
    fouten: dict[str, str] = field(default_factory=dict)
    fout: str | None = None


def field_name(product: AanvraagProduct, name: str) -> str:
    return f"p{product.volgnummer}_{name}"


def prefilled(aanvraag: Aanvraag) -> Formulier:
    waarden = {"besluit": "", "reden_afwijzing": "", "woonplaatsbeginsel": "", "motivering": ""}
    for p in aanvraag.producten:
        waarden.update({
            field_name(p, "volume"): "" if p.volume is None else str(p.volume),
            field_name(p, "eenheid"): p.eenheid or "", field_name(p, "frequentie"): p.frequentie or "",
            field_name(p, "ingangsdatum"): p.ingangsdatum.isoformat() if p.ingangsdatum else "",
            field_name(p, "einddatum"): p.einddatum.isoformat() if p.einddatum else ""})
    waarden.update({f"contact_{name}": "" for name in CONTACT_VELDEN})
    return Formulier(waarden)


def parse_form(form: dict[str, str], aanvraag: Aanvraag) -> tuple[besluiten.BesluitInvoer | None, Formulier]:
    """The posted decision as the service's input, or None with the errors per field (and
    the values as entered, to show the form again)."""
    formulier = prefilled(aanvraag)
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
    motivering = waarden["motivering"] or None
    if motivering is not None and len(motivering) > besluiten.MOTIVERING_MAX:
        fouten["motivering"] = (f"De motivering is {len(motivering)} tekens lang; ten hoogste "
                                f"{besluiten.MOTIVERING_MAX} tekens.")
    if keuze == AFWIJZEN:
        rejection = _rejection(waarden, fouten)
        return (None if fouten or rejection is None else replace(rejection, motivering=motivering)), formulier
    producten = tuple(_product_changes(aanvraag, waarden, fouten)) if keuze == WIJZIGEN else ()
    contacten = _contact(waarden, fouten)
    if fouten:
        return None, formulier
    return besluiten.BesluitInvoer(besluit=besluiten.TOEKENNEN, producten=producten,
                                   contactgegevens=contacten, motivering=motivering), formulier


def _rejection(waarden: dict[str, str], fouten: dict[str, str]) -> besluiten.BesluitInvoer | None:
    reden = waarden["reden_afwijzing"]
    woonplaats = waarden["woonplaatsbeginsel"]
    if reden not in REDENEN_AFWIJZING:
        fouten["reden_afwijzing"] = "Kies de reden van de afwijzing."
    elif reden == besluiten.WOONPLAATSBEGINSEL and not re.fullmatch(r"\d{4}", woonplaats):
        fouten["woonplaatsbeginsel"] = ("Bij reden 8 (woonplaatsbeginsel) hoort de gemeentecode (4 cijfers) "
                                        "van de verantwoordelijke gemeente.")
    if fouten:
        return None
    return besluiten.BesluitInvoer(
        besluit=besluiten.AFWIJZEN, reden_afwijzing=reden,
        woonplaatsbeginsel=woonplaats if reden == besluiten.WOONPLAATSBEGINSEL else None)


def _has_omvang(product: AanvraagProduct) -> bool:
    return product.budget is None or product.volume is not None


def _product_changes(aanvraag: Aanvraag, waarden: dict[str, str], fouten: dict[str, str]):
    """A ProductBesluit for every product whose values differ from the request, carrying
    only the values that differ (the rest stays as asked)."""
    for p in aanvraag.producten:
        changes: dict = {}
        if _has_omvang(p):
            volume = _volume(waarden, fouten, field_name(p, "volume"))
            eenheid = _code(waarden, fouten, field_name(p, "eenheid"), EENHEID_LABELS, "Kies een eenheid.")
            frequentie = _code(waarden, fouten, field_name(p, "frequentie"), FREQUENTIE_LABELS,
                               "Kies een frequentie.")
            for name, value, asked in (("volume", volume, p.volume), ("eenheid", eenheid, p.eenheid),
                                       ("frequentie", frequentie, p.frequentie)):
                if value is not None and value != asked:
                    changes[name] = value
        ingang = _date(waarden, fouten, field_name(p, "ingangsdatum"), required=True,
                       missing="Vul een ingangsdatum in.")
        eind = _date(waarden, fouten, field_name(p, "einddatum"), required=p.einddatum is not None,
                     missing="Vul een einddatum in; de einddatum weghalen kan niet.")
        if ingang is not None and eind is not None and eind < ingang:
            fouten[field_name(p, "einddatum")] = "De einddatum ligt vóór de ingangsdatum."
        for name, day, asked_day in (("ingangsdatum", ingang, p.ingangsdatum), ("einddatum", eind, p.einddatum)):
            if day is not None and day != asked_day:
                changes[name] = day
        if changes:
            # A requested product always carries its ReferentieAanbieder (the intake requires it).
            yield besluiten.ProductBesluit(referentie_aanbieder=cast(str, p.referentie_aanbieder), **changes)


def _volume(waarden: dict[str, str], fouten: dict[str, str], name: str) -> int | None:
    text = waarden.get(name, "")
    if not text:
        fouten[name] = "Vul een volume in."
    elif not _VOLUME.fullmatch(text):
        fouten[name] = "Het volume is een geheel getal van 1 tot en met 99999999."
    elif int(text) == 0:
        fouten[name] = "Een volume van 0 kan niet worden toegekend; wijs af als er niets wordt toegekend."
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
