"""The rule report of an aanvraagformulier the intake rejected, pointed at the form's
fields: each stored finding with its Dutch explanation and remedy (the entries of
rule_report, as everywhere) and the field it came from."""
from __future__ import annotations

import re

from gateway.db.models import Bevinding
from gateway.reference import ReferenceData
from gateway.rules import report as rule_report
from gateway.web.forms.aanvraagformulier import label

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


def rapport(findings: list[Bevinding], reference: ReferenceData, productregels: list[int]) -> list[dict]:
    result = []
    for row in findings:
        report = rule_report.of_stored(reference, row)
        veld = veld_van_locatie(report.location, productregels)
        result.append({"code": report.code, "retourcode": report.retourcode, "locatie": report.location,
                       "uitleg": report.explanation, "oplossing": report.remedy, "melding": report.detail,
                       "veld": veld, "veldlabel": label(veld) if veld else None})
    return result


def field_errors(rapport: list[dict]) -> dict[str, str]:
    """Beside each field the rules that rejected it; the report itself is shown at the top."""
    codes_per_veld: dict[str, list[str]] = {}
    for regel in rapport:
        if regel["veld"] and regel["code"] not in codes_per_veld.setdefault(regel["veld"], []):
            codes_per_veld[regel["veld"]].append(regel["code"])
    return {veld: f"Afgekeurd door regel {', '.join(codes)}; zie het regelrapport bovenaan."
            for veld, codes in codes_per_veld.items()}
