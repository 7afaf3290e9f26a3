"""How an aanvraag's answer deadline stands, as the queue and the aanvraag page show it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.db.models import Aanvraag
from gateway.domain.aanvraag.aanvragen import OPEN
from gateway.readmodels import termijnen


@dataclass
class Termijn:
    label: str
    klasse: str
    toelichting: str = ""


def termijn(aanvraag: Aanvraag, today: date) -> Termijn | None:
    """The deadline in Dutch working days (counted by `termijnen.stand`, as on /termijnen);
    None once answered. A date outside the holiday calendar shows as "onbekend" here, where
    /termijnen counts calendar days: this page has a label, not a number, to show."""
    if aanvraag.status not in OPEN or aanvraag.afgehandeld_op is not None:
        return None
    uiterlijk = aanvraag.antwoord_uiterlijk
    werkdagen = termijnen.stand(today, uiterlijk, outside_calendar=termijnen.UNKNOWN)
    if werkdagen is None:
        return Termijn("onbekend", "let-op")
    if uiterlijk < today:
        te_laat = -werkdagen
        return Termijn("verlopen", "fout", f"{te_laat} {_werkdagen(te_laat)} over de termijn"
                       if te_laat else "over de termijn")
    if uiterlijk == today:
        return Termijn("vandaag", "let-op")
    return Termijn(f"nog {werkdagen} {_werkdagen(werkdagen)}", "let-op" if werkdagen <= 1 else "goed")


def _werkdagen(n: int) -> str:
    return "werkdag" if n == 1 else "werkdagen"
