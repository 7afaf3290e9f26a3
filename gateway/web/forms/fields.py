"""Reading single fields of a posted form, collecting a Dutch error per field."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from gateway import dateinput as dates

_ONGELDIGE_TEKENS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


class FieldReader:
    """The posted values and the errors found so far; each reader gives the field's value,
    or None with an error under the field's name."""

    def __init__(self, waarden: Mapping[str, str]):
        self.waarden = waarden
        self.fouten: dict[str, str] = {}

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
