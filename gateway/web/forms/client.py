"""The client's part of the aanvraagformulier: the person and the address, in the formats
the AGJ message's schema asks."""
from __future__ import annotations

import re

from gateway.domain.aanvraag.aanvraagformulier import ClientInvoer
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.web.forms.fields import FieldReader

GESLACHTEN = {"1": "Mannelijk", "2": "Vrouwelijk", "0": "Onbekend"}  # COD046
CONTACTSOORTEN = {"01": "BRP-adres", "02": "Correspondentie-adres", "03": "Verblijfadres"}  # COD757
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_VOORLETTERS = re.compile(r"[a-zA-ZÀ-ỳ]+")  # LDT_Voorletters


def read_client(f: FieldReader) -> ClientInvoer | None:
    bsn = _bsn(f)
    geboortedatum = f.date_value("geboortedatum", verplicht=True)
    geslacht = f.choice("geslacht", GESLACHTEN, "Kies het geslacht (of 'Onbekend').")
    achternaam = f.text("achternaam", verplicht=True, max_lengte=200)
    voorvoegsel = f.text("voorvoegsel", max_lengte=10)
    voornamen = f.text("voornamen", max_lengte=200)
    voorletters = _voorletters(f, voornamen)
    contact = read_contact(f)
    if bsn is None or geboortedatum is None or geslacht is None or achternaam is None or contact is None:
        return None
    return ClientInvoer(bsn, geboortedatum, geslacht, achternaam, voorvoegsel, voornamen, voorletters, contact)


def read_contact(f: FieldReader) -> Contact | None:
    soort = f.choice("contact_soort", CONTACTSOORTEN, "Kies de soort adres.")
    straatnaam = f.text("straatnaam", verplicht=True, max_lengte=24)
    huisnummer = f.integer("huisnummer", verplicht=True, hoogstens=99999)
    huisletter = f.text("huisletter", max_lengte=1)
    toevoeging = f.text("toevoeging", max_lengte=4)
    postcode = _postcode(f)
    plaatsnaam = f.text("plaatsnaam", verplicht=True, max_lengte=80)
    telefoon = _telefoon(f)
    email = f.text("email", max_lengte=80)
    if email is not None and ("@" not in email or any(c.isspace() for c in email)):
        f.fouten["email"] = "Dit is geen e-mailadres."
    if soort is None or straatnaam is None or huisnummer is None or postcode is None or plaatsnaam is None:
        return None
    return Contact(soort=soort, straatnaam=straatnaam, huisnummer=huisnummer, huisletter=huisletter,
                   huisnummertoevoeging=toevoeging, postcode=postcode, plaatsnaam=plaatsnaam,
                   landcode="NL", telefoon=telefoon, emailadres=email)


def _bsn(f: FieldReader) -> str | None:
    waarde = re.sub(r"[\s.]", "", f.waarden.get("bsn", ""))
    if not waarde:
        f.fouten["bsn"] = "Vul het BSN in."
        return None
    if len(waarde) == 8 and waarde.isdigit():
        waarde = "0" + waarde  # an 8-digit BSN is written with a leading zero
    if len(waarde) != 9 or not waarde.isdigit():
        f.fouten["bsn"] = "Een BSN bestaat uit 9 cijfers."
        return None
    return waarde


def _voorletters(f: FieldReader, voornamen: str | None) -> str | None:
    waarde = re.sub(r"[\s.]", "", f.clean("voorletters"))
    if not waarde and voornamen:  # derived from the first names: "Jan Pieter" -> "JP"
        waarde = "".join(deel[0] for deel in voornamen.replace("-", " ").split()
                         if _VOORLETTERS.fullmatch(deel[0]))[:6]
    if not waarde:
        return None
    if not _VOORLETTERS.fullmatch(waarde) or len(waarde) > 6:
        f.fouten["voorletters"] = "Alleen letters, hoogstens 6 (punten mogen, die vallen weg)."
        return None
    return waarde


def _postcode(f: FieldReader) -> str | None:
    waarde = re.sub(r"\s", "", f.clean("postcode")).upper()
    if not waarde:
        f.fouten["postcode"] = "Vul de postcode in."
        return None
    if not _POSTCODE.fullmatch(waarde):
        f.fouten["postcode"] = "Een postcode is 4 cijfers en 2 letters, zoals 1012 LG."
        return None
    return waarde


def _telefoon(f: FieldReader) -> str | None:
    waarde = re.sub(r"[\s\-()]", "", f.clean("telefoon"))
    for landnummer in ("+31", "0031"):
        if waarde.startswith(landnummer):
            waarde = "0" + waarde[len(landnummer):]
    if not waarde:
        return None
    if not waarde.isdigit() or len(waarde) > 15:
        f.fouten["telefoon"] = "Alleen cijfers (spaties en streepjes mogen), hoogstens 15."
        return None
    return waarde
