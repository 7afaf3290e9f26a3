"""The query of the decision queue (`/aanvragen?status=&soort=&na=`): the filters and the
keyset position of a next page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gateway.domain.aanvraag.aanvragen import AFGEWEZEN, IN_ONDERZOEK, OPEN, TE_BEOORDELEN, TOEGEKEND
from gateway.readmodels.aanvragen import Key

# The queue's choices: a status (or the open ones together) and a kind of request.
OPEN_VIEW = "open"
STATUS_LABELS = {TE_BEOORDELEN: "te beoordelen", IN_ONDERZOEK: "in onderzoek", TOEGEKEND: "toegekend",
                 AFGEWEZEN: "afgewezen"}
STATUS_FILTER = {OPEN_VIEW: "wacht op het CJG (te beoordelen en in onderzoek)", **STATUS_LABELS}
SOORT_LABELS = {"AGJ": "aanvraagformulier (AGJ)", "JW315": "verzoek om toewijzing (JW315)",
                "JW317": "verzoek om wijziging (JW317)"}


@dataclass
class Filters:
    status: str
    soort: str
    key: Key | None = None
    fouten: dict[str, str] = field(default_factory=dict)

    @property
    def statuses(self) -> tuple[str, ...]:
        """The sections the view shows: both open statuses, or the one asked for."""
        return OPEN if self.status == OPEN_VIEW else (self.status,)


def read(status: str, soort: str, na: str) -> Filters:
    f = Filters(status, soort)
    if status not in STATUS_FILTER:
        f.fouten["status"] = "Kies een status uit de lijst."
    if soort and soort not in SOORT_LABELS:
        f.fouten["soort"] = "Kies een soort uit de lijst."
    f.key = parse_key(status, na) if not f.fouten and na else None
    if na and not f.fouten and f.key is None:
        f.fouten["na"] = "Deze vervolgpagina bestaat niet; begin opnieuw bovenaan de lijst."
    return f


def parse_key(status: str, na: str) -> Key | None:
    """The keyset position of a next page: "uiterlijk.ontvangen.id" for open ones, the id for
    decided ones; None when it is malformed (or when the view has two sections)."""
    if status == OPEN_VIEW:
        return None
    parts = na.split(".")
    try:
        if status in OPEN and len(parts) == 3 and parts[2].isdigit() and len(parts[2]) <= 10:
            return date.fromisoformat(parts[0]), date.fromisoformat(parts[1]), int(parts[2])
        if status not in OPEN and len(parts) == 1 and na.isdigit() and len(na) <= 10:
            return (int(na),)
    except ValueError:
        return None
    return None
