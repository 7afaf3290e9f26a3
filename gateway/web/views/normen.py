"""Products against their catalogue norms, as Dutch text (the check itself is
`gateway.model.normen`, the same the intake used)."""
from __future__ import annotations

from dataclasses import dataclass

from gateway.context import Context
from gateway.db.models import Aanvraag, AanvraagProduct
from gateway.domain.aanvraag import aanvragen
from gateway.model import normen
from gateway.model.normen import check_norms
from gateway.reference import Product
from gateway.web.documents import euro


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


def product_rows(aanvraag: Aanvraag, ctx: Context) -> list[ProductRegel]:
    """Each product of `aanvraag` against its catalogue norm."""
    catalogue = ctx.reference.producten
    result = []
    for product in aanvraag.producten:
        known = catalogue.get((product.categorie or "", product.code or ""))
        getoetst = product.ingangsdatum is not None
        afwijkingen = [a.message for a in check_norms(aanvragen.norm_request(product), catalogue)] \
            if getoetst else []
        gevraagd = omvang_text(product.volume, product.eenheid, product.frequentie, product.budget)
        result.append(ProductRegel(product, known.naam if known else None, gevraagd,
                                   norm_text(known) if known else None, getoetst, afwijkingen,
                                   _granted_values(product)))
    return result


def norm_text(product: Product) -> str:
    """E.g. "ten hoogste 8 uur per week, hoogstens 12 maanden"."""
    if len(product.eenheden) == 1 and len(product.frequenties) == 1:
        omvang = normen.omvang(product.norm_volume, product.eenheden[0], product.frequenties[0])
    else:
        omvang = f"{product.norm_volume} ({' of '.join(product.eenheden)}; {' of '.join(product.frequenties)})"
    return f"ten hoogste {omvang}, hoogstens {_maanden(product.max_maanden)}"


def product_label(product: Product) -> str:
    """E.g. '45A01 Jeugdhulp ambulant individueel — norm: ten hoogste 8 uur per week, 12 maanden',
    for the aanvraagformulier's list of products."""
    if len(product.eenheden) == 1 and len(product.frequenties) == 1:
        eenheid, frequentie = product.eenheden[0], product.frequenties[0]
        norm = f"ten hoogste {normen.omvang(product.norm_volume, eenheid, frequentie)}"
    else:
        norm = f"ten hoogste {product.norm_volume}"
    automatisch = "" if product.automatisch else "; CJG beslist altijd"
    return (f"{product.code} {product.naam} (categorie {product.categorie}) — norm: {norm}, "
            f"{_maanden(product.max_maanden)}{automatisch}")


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


def _maanden(n: int) -> str:
    return "1 maand" if n == 1 else f"{n} maanden"
