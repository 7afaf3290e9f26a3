"""An assignment as the level-3 rules and the JW317 handling see it: the current version of
one ToegewezenProduct, without database or XML."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

TBGT = "6"  # WMO757: totaal binnen geldigheidsduur toewijzing


@dataclass(frozen=True)
class ToewijzingStand:
    nummer: int
    categorie: str | None
    code: str | None
    ingangsdatum: date
    einddatum: date | None
    volume: int | None = None
    eenheid: str | None = None
    frequentie: str | None = None
    budget: int | None = None

    def actueel_op(self, day: date) -> bool:
        """Valid on or after `day` (OP087: a JW301 carries every assignment valid on or after
        its date; JW317 TR349-TR351 speak of the same "current" assignments). Deleted
        assignments (RedenWijziging 13) never reach this type."""
        return self.einddatum is None or self.einddatum >= day
