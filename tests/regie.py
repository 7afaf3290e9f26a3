"""Building JW305/JW307 messages for the delivery tests: one message, any number of classes."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from tests.support import example

_COUNTER = itertools.count(1)
DAGTEKENING = "2026-11-20"


@dataclass(frozen=True)
class Start:
    begindatum: str = "2026-09-21"
    status: str = "1"
    nummer: str | None = "100001"
    categorie: str | None = "45"
    code: str | None = "45A01"
    ingangsdatum: str | None = "2026-09-15"  # ToewijzingIngangsdatum

    def body(self, prefix: str) -> str:
        parts = []
        if self.nummer is not None:
            parts.append(f"<{prefix}:ToewijzingNummer>{self.nummer}</{prefix}:ToewijzingNummer>")
        if self.categorie is not None:
            code = f"<ijw:Code>{self.code}</ijw:Code>" if self.code else ""
            parts.append(f"<{prefix}:Product><ijw:Categorie>{self.categorie}</ijw:Categorie>{code}</{prefix}:Product>")
        if self.ingangsdatum is not None:
            parts.append(f"<{prefix}:ToewijzingIngangsdatum>{self.ingangsdatum}</{prefix}:ToewijzingIngangsdatum>")
        parts.append(f"<{prefix}:Begindatum>{self.begindatum}</{prefix}:Begindatum>")
        return "".join(parts)


@dataclass(frozen=True)
class Stop(Start):
    reden: str = "31"
    einddatum: str = "2026-10-30"

    def body(self, prefix: str) -> str:
        return (super().body(prefix) + f"<{prefix}:RedenBeeindiging>{self.reden}</{prefix}:RedenBeeindiging>"
                f"<{prefix}:Einddatum>{self.einddatum}</{prefix}:Einddatum>")


def message(*classes: Start, dagtekening: str = DAGTEKENING) -> bytes:
    """A JW305 (all Start) or JW307 (all Stop) with these classes and its own Identificatie."""
    stop = isinstance(classes[0], Stop)
    prefix, name, plural, single = ("jw307", "JW307", "StopProducten", "StopProduct") if stop else (
        "jw305", "JW305", "StartProducten", "StartProduct")
    xml = example(name).decode()
    xml = re.sub(r"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>T{next(_COUNTER):09d}<", xml, count=1)
    xml = re.sub(r"(<ijw:Dagtekening>)[^<]+(</ijw:Dagtekening>)", rf"\g<1>{dagtekening}\g<2>", xml, count=1)
    products = "".join(f"<{prefix}:{single}>{c.body(prefix)}<{prefix}:StatusAanlevering>{c.status}"
                       f"</{prefix}:StatusAanlevering></{prefix}:{single}>" for c in classes)
    xml = re.sub(rf"<{prefix}:{plural}>.*</{prefix}:{plural}>",
                 f"<{prefix}:{plural}>{products}</{prefix}:{plural}>", xml, flags=re.S)
    return xml.encode()
