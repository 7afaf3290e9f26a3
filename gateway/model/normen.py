"""The product norms of the catalogue (design.md §7): is a requested product "within the norms",
and may an aanvraag be granted without a human decision?

Pure functions over `mappings/producten.toml` as loaded by `gateway.reference`: no database,
no XML. The caller turns an AangevraagdProduct (AGJ or JW315) into an `AangevraagdProductNorm`.

"Within the norms" means, for one requested product in the catalogue:
  * its Eenheid is one of the product's `eenheden` and its Frequentie one of its `frequenties`;
  * its Volume is not above `norm_volume` (compared only when eenheid and frequentie are the
    allowed ones: 10 minuten per dag says nothing against a norm of 8 uur per week);
  * it has a ToewijzingEinddatum not after `maximum_einddatum(ingangsdatum, max_maanden)`.

Months (producten.toml: "both dates count; 2026-01-01 t/m 2026-12-31 is 12 months"): a
period of n months starting on day d ends on the day before day d, n calendar months later.
When that month has no day d (31 → 30 April, 29-31 → February), day d is clamped to the
month's last day first and the period ends the day before that. So 2026-01-01 + 12 ends on
2026-12-31, 2026-09-15 + 12 on 2027-09-14, 2026-11-30 + 3 on 2027-02-27 (clamped to 28, minus
one day) and 2028-02-29 + 12 on 2029-02-27.

Automatic grant (design.md §4 and §7): an AGJ with Overeenstemming 1 ("ja") and Leveringsvorm
ZIN or PGB whose every product is within the norms and marked `automatisch` in the catalogue.
"Only AGJ messages are granted automatically; a JW315 never is unless a product says so": a
product says so with its own flag `automatisch_jw315` (default false), so the default
catalogue grants no JW315 by itself. Any other message is never granted automatically.
"""
from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from gateway.model.datum import datum_nl
from gateway.reference import Product

# WJ756 Eenheid: (singular, plural), for the case worker's messages.
EENHEID_LABELS: dict[str, tuple[str, str]] = {
    "01": ("minuut", "minuten"),
    "04": ("uur", "uur"),
    "14": ("etmaal", "etmalen"),
    "16": ("dagdeel", "dagdelen"),
    "82": ("stuk", "stuks"),
    "83": ("euro", "euro"),
    "84": ("stuk", "stuks"),
}
# WMO757 Frequentie.
FREQUENTIE_LABELS: dict[str, str] = {
    "1": "per dag",
    "2": "per week",
    "4": "per maand",
    "6": "totaal binnen de geldigheidsduur",
}
EENHEID_EURO = "83"  # Volume in eurocent (ijw-facts: amounts and Eenheid 83 are in eurocent)

JA = "1"  # LDT_JaNee / COD260
LEVERINGSVORMEN = ("ZIN", "PGB")


@dataclass(frozen=True)
class AangevraagdProductNorm:
    """What the norms look at in one AangevraagdProduct (AGJ or JW315).

    `volume`, `eenheid` and `frequentie` are the Omvang; `budget` (eurocent) is there for a
    request that carries a Budget instead of an Omvang, which the catalogue's norms (all in an
    Omvang) cannot assess."""

    categorie: str | None
    code: str | None
    volume: int | None
    eenheid: str | None
    frequentie: str | None
    # AGJ and JW315 demand a ToewijzingIngangsdatum; None is a year Python cannot hold (after
    # 9999), which the schema accepts and no rule refuses.
    ingangsdatum: date | None
    einddatum: date | None
    budget: int | None = None


@dataclass(frozen=True)
class NormAfwijking:
    """One way a requested product is outside the norms.

    `code` is machine-readable: onbekend_product, geen_omvang, eenheid, frequentie, volume,
    geen_einddatum or duur. `message` is Dutch, for the CJG case worker."""

    code: str
    message: str


def maximum_einddatum(ingangsdatum: date, max_maanden: int) -> date:
    """The last Einddatum (inclusive) of a period of `max_maanden` months from `ingangsdatum`:
    the day before the same day of the month `max_maanden` months later, that day clamped to
    the month's last day (see the module docstring)."""
    if max_maanden < 1:
        raise ValueError(f"max_maanden must be at least 1, not {max_maanden}")
    months = ingangsdatum.month - 1 + max_maanden
    year, month = ingangsdatum.year + months // 12, months % 12 + 1
    day = min(ingangsdatum.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def check_norms(product_request: AangevraagdProductNorm,
                catalogue: Mapping[tuple[str, str], Product]) -> list[NormAfwijking]:
    """Every way `product_request` is outside the norms of its catalogue product; an empty
    list means within the norms. An unknown product has no norms to compare with, so beyond
    `onbekend_product` only a missing Einddatum (outside every norm) is reported."""
    afwijkingen: list[NormAfwijking] = []
    request = product_request
    product = catalogue.get((request.categorie or "", request.code or ""))
    if product is None:
        afwijkingen.append(NormAfwijking("onbekend_product", _unknown_product(request)))
    else:
        afwijkingen.extend(_omvang(request, product))
    if request.einddatum is None:
        afwijkingen.append(NormAfwijking(
            "geen_einddatum", "Geen einddatum aangevraagd; zonder einddatum valt een product buiten de norm."))
    elif product is not None:
        # The one place that needs the start: one Python cannot hold fails here, as it always has.
        assert request.ingangsdatum is not None, "an ingangsdatum after the year 9999"
        uiterlijk = maximum_einddatum(request.ingangsdatum, product.max_maanden)
        if request.einddatum > uiterlijk:
            afwijkingen.append(NormAfwijking(
                "duur",
                f"Looptijd {_datum(request.ingangsdatum)} t/m {_datum(request.einddatum)} is langer "
                f"dan de norm van {_maanden(product.max_maanden)} (einddatum uiterlijk "
                f"{_datum(uiterlijk)})."))
    return afwijkingen


def within_norms(product_request: AangevraagdProductNorm,
                 catalogue: Mapping[tuple[str, str], Product]) -> bool:
    return not check_norms(product_request, catalogue)


def automatically_grantable(message_type: str, products: Sequence[AangevraagdProductNorm],
                            catalogue: Mapping[tuple[str, str], Product],
                            overeenstemming: str | None = None,
                            leveringsvorm: str | None = None, *, client_wijkt_af: bool = False) -> bool:
    """True when the aanvraag may be granted without a CJG decision (design.md §4, §7).

    AGJ: Overeenstemming "1", Leveringsvorm "ZIN" or "PGB", and every product within the norms
    and marked `automatisch`. JW315: every product within the norms and marked
    `automatisch_jw315` (Overeenstemming and Leveringsvorm do not exist there). Anything else,
    and a request without products, is never granted automatically; nor is one whose client
    differs from the client known by that BSN (`client_wijkt_af`, design.md §9): a person
    chooses who it is about first."""
    if client_wijkt_af:
        return False
    if message_type == "AGJ":
        if overeenstemming != JA or leveringsvorm not in LEVERINGSVORMEN:
            return False
        flag = "automatisch"
    elif message_type == "JW315":
        flag = "automatisch_jw315"
    else:
        return False
    return bool(products) and all(_grantable(p, catalogue, flag) for p in products)


def _grantable(request: AangevraagdProductNorm, catalogue: Mapping[tuple[str, str], Product],
               flag: str) -> bool:
    product = catalogue.get((request.categorie or "", request.code or ""))
    return product is not None and getattr(product, flag) and not check_norms(request, catalogue)


def _omvang(request: AangevraagdProductNorm, product: Product) -> list[NormAfwijking]:
    norm = f"de norm is {_norm_omvang(product)}"
    if request.volume is None or request.eenheid is None or request.frequentie is None:
        asked = "Budget aangevraagd in plaats van een omvang" if request.budget is not None else \
            "Geen omvang aangevraagd"
        return [NormAfwijking("geen_omvang", f"{asked} voor product {product.code}; {norm}.")]
    afwijkingen: list[NormAfwijking] = []
    if request.eenheid not in product.eenheden:
        afwijkingen.append(NormAfwijking(
            "eenheid", f"Eenheid {request.eenheid} ({_eenheid_label(request.eenheid)}) past niet bij "
                       f"product {product.code}; {norm}."))
    if request.frequentie not in product.frequenties:
        afwijkingen.append(NormAfwijking(
            "frequentie", f"Frequentie {request.frequentie} ({_frequentie_label(request.frequentie)}) past "
                          f"niet bij product {product.code}; {norm}."))
    if not afwijkingen and request.volume > product.norm_volume:
        afwijkingen.append(NormAfwijking(
            "volume", f"Volume {hoeveelheid(request.volume, request.eenheid)} "
                      f"{_frequentie_label(request.frequentie)} is meer dan de norm van "
                      f"{_getal(product.norm_volume, request.eenheid)}."))
    return afwijkingen


def _unknown_product(request: AangevraagdProductNorm) -> str:
    if not request.code:
        return (f"Geen productcode aangevraagd (categorie {request.categorie or '-'}); "
                "zonder product uit de productcatalogus is er geen norm.")
    return (f"Product {request.code} in categorie {request.categorie or '-'} staat niet in de "
            "productcatalogus; daarvoor is geen norm.")


def _norm_omvang(product: Product) -> str:
    """E.g. "ten hoogste 8 uur per week (eenheid 04, frequentie 2)"; a product with several
    eenheden or frequenties lists the allowed codes."""
    if len(product.eenheden) == 1 and len(product.frequenties) == 1:
        eenheid, frequentie = product.eenheden[0], product.frequenties[0]
        return (f"ten hoogste {hoeveelheid(product.norm_volume, eenheid)} {_frequentie_label(frequentie)} "
                f"(eenheid {eenheid}, frequentie {frequentie})")
    eenheden = " of ".join(f"{e} ({_eenheid_label(e)})" for e in product.eenheden)
    frequenties = " of ".join(f"{f} ({_frequentie_label(f)})" for f in product.frequenties)
    return f"ten hoogste {product.norm_volume}, eenheid {eenheden}, frequentie {frequenties}"


def omvang(volume: int, eenheid: str | None, frequentie: str | None) -> str:
    """An Omvang as text: "4 uur per week", "€ 15.000,00 voor de hele toewijzing"."""
    return f"{hoeveelheid(volume, eenheid)} {FREQUENTIE_LABELS.get(frequentie or '', '')}".rstrip()


def hoeveelheid(volume: int, eenheid: str | None) -> str:
    """A volume with its unit: "4 uur", "1 minuut", "€ 15.000,00"."""
    if eenheid == EENHEID_EURO:
        return bedrag(volume)
    singular, plural = EENHEID_LABELS.get(eenheid or "", (f"eenheid {eenheid}", f"eenheid {eenheid}"))
    return f"{volume} {singular if volume == 1 else plural}"


def _getal(volume: int, eenheid: str) -> str:
    return bedrag(volume) if eenheid == EENHEID_EURO else str(volume)


def bedrag(eurocent: int) -> str:
    """Eurocent as a Dutch amount: 123456 -> "€ 1.234,56"."""
    sign = "-" if eurocent < 0 else ""
    euros, cents = divmod(abs(int(eurocent)), 100)
    return f"{sign}€ {euros:,}".replace(",", ".") + f",{cents:02d}"


def _eenheid_label(eenheid: str) -> str:
    return EENHEID_LABELS[eenheid][0] if eenheid in EENHEID_LABELS else "onbekende eenheid"


def _frequentie_label(frequentie: str) -> str:
    return FREQUENTIE_LABELS.get(frequentie, "onbekende frequentie")


def _maanden(n: int) -> str:
    return "1 maand" if n == 1 else f"{n} maanden"


def _datum(day: date) -> str:
    return datum_nl(day)
