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
    return of_entries([rule_report.of_stored(reference, row) for row in findings], productregels)


def of_entries(entries: list[rule_report.ReportEntry], productregels: list[int]) -> list[dict]:
    """The report's entries with the form field each points at."""
    result = []
    for report in entries:
        veld = veld_van_locatie(report.location, productregels)
        result.append({"code": report.code, "retourcode": report.retourcode, "locatie": report.location,
                       "uitleg": report.explanation, "oplossing": report.remedy, "melding": report.detail,
                       "veld": veld, "veldlabel": label(veld) if veld else None})
    return result


def field_errors(rapport: list[dict]) -> dict[str, str]:
    """Beside each field, in words, the rules that rejected it (the code only in brackets: the
    CJG reads what is wrong, the code is for a question to the beheerder)."""
    per_veld: dict[str, list[dict]] = {}
    for regel in rapport:
        if regel["veld"] and regel["code"] not in [r["code"] for r in per_veld.setdefault(regel["veld"], [])]:
            per_veld[regel["veld"]].append(regel)
    return {veld: " ".join(f"{_in_woorden(r)} (regel {r['code']})" for r in regels)
            for veld, regels in per_veld.items()}


def _in_woorden(regel: dict) -> str:
    tekst = (regel["oplossing"] or regel["uitleg"] or "Afgekeurd door deze regel.").strip()
    return tekst if tekst.endswith((".", "!", "?")) else tekst + "."
