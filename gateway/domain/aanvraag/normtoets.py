"""Why a grant needs a motivering (design.md §9): per product, the ways what is granted lies
outside the product's norms (§7) or is less than what was asked.

Pure: it compares a product as asked with the `Inhoud` a decision grants for it, against the
catalogue. The besluit service demands a motivering when the list is not empty; the back
office also asks a second approval when an item is outside the norms (`buiten_norm`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.db.models import AanvraagProduct
from gateway.domain.aanvraag.toewijzingen import Inhoud
from gateway.model.datum import datum_nl as _datum
from gateway.model.normen import AangevraagdProductNorm, check_norms, hoeveelheid, omvang
from gateway.reference import Product

BUITEN_NORM, MINDER_DAN_GEVRAAGD = "buiten_norm", "minder_dan_gevraagd"


@dataclass(frozen=True)
class GrantAfwijking:
    referentie: str
    soort: str  # BUITEN_NORM or MINDER_DAN_GEVRAAGD
    message: str  # Dutch, for the case worker and the beschikking's reader


def afwijkingen(product: AanvraagProduct, inhoud: Inhoud,
                catalogue: Mapping[tuple[str, str], Product]) -> list[GrantAfwijking]:
    ref = product.referentie_aanbieder or f"product {product.volgnummer}"
    found = [GrantAfwijking(ref, BUITEN_NORM, a.message) for a in check_norms(_as_norm(inhoud), catalogue)]
    found.extend(GrantAfwijking(ref, MINDER_DAN_GEVRAAGD, text) for text in _less_than_asked(product, inhoud))
    return found


def minder_dan_gevraagd(product: AanvraagProduct, inhoud: Inhoud) -> list[str]:
    """How `inhoud` grants less than `product` asked, in Dutch sentences; empty when it does not
    (the beschikking calls such a grant partial)."""
    return _less_than_asked(product, inhoud)


def _as_norm(inhoud: Inhoud) -> AangevraagdProductNorm:
    return AangevraagdProductNorm(inhoud.categorie, inhoud.code, inhoud.volume, inhoud.eenheid,
                                  inhoud.frequentie, inhoud.ingangsdatum, inhoud.einddatum, inhoud.budget)


def _less_than_asked(product: AanvraagProduct, inhoud: Inhoud) -> list[str]:
    """Less volume in the same unit, another unit or frequency (which cannot be shown to be no
    less: the facts give no conversion between units), or a shorter period."""
    found = []
    if product.volume is not None and inhoud.volume is not None:
        if (inhoud.eenheid, inhoud.frequentie) != (product.eenheid, product.frequentie):
            found.append(f"Toegekend {omvang(inhoud.volume, inhoud.eenheid, inhoud.frequentie)} in plaats van "
                         f"de gevraagde {omvang(product.volume, product.eenheid, product.frequentie)}.")
        elif inhoud.volume < product.volume:
            found.append(f"Toegekend {hoeveelheid(inhoud.volume, inhoud.eenheid)} van de gevraagde "
                         f"{omvang(product.volume, product.eenheid, product.frequentie)}.")
    if product.ingangsdatum is not None and inhoud.ingangsdatum > product.ingangsdatum:
        found.append(f"Ingangsdatum {_datum(inhoud.ingangsdatum)} ligt later dan de gevraagde "
                     f"{_datum(product.ingangsdatum)}.")
    if inhoud.einddatum is not None and (product.einddatum is None or inhoud.einddatum < product.einddatum):
        gevraagd = "zonder einddatum" if product.einddatum is None else f"tot en met {_datum(product.einddatum)}"
        found.append(f"Einddatum {_datum(inhoud.einddatum)} ligt eerder dan gevraagd ({gevraagd}).")
    return found
