"""The forms of `/gebruikers`: a new user, a user's role and municipalities, a new password.

Municipalities are checkboxes `gemeente_<code>` (one per municipality of the gateway) and
`alle_gemeenten`: all of them, also one added later. The service checks the codes again
against the CBS list and the gateway's municipalities: a posted form can name any code."""
from __future__ import annotations

from dataclasses import dataclass, field

from gateway.domain.beheer.gebruikers import ADMIN, CJG, FINANCE, MIN_WACHTWOORD

ROLLEN = {CJG: "CJG-medewerker", FINANCE: "Financiën", ADMIN: "Beheerder"}
_PREFIX = "gemeente_"


@dataclass
class Invoer:
    """What was posted, for the form shown again, and the errors per field."""

    gebruikersnaam: str = ""
    rol: str = CJG
    alle_gemeenten: bool = True
    gemeenten: list[str] = field(default_factory=list)  # the ticked codes
    fouten: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str] | None:
        """The municipalities as the service takes them (None: all)."""
        return None if self.alle_gemeenten else self.gemeenten


def read_new(form: dict[str, str]) -> tuple[Invoer, str]:
    """A new user and its initial password."""
    invoer = _rol_en_gemeenten(form)
    invoer.gebruikersnaam = form.get("gebruikersnaam", "").strip()
    if not invoer.gebruikersnaam:
        invoer.fouten["gebruikersnaam"] = "Vul een gebruikersnaam in."
    wachtwoord = read_password(form, invoer.fouten)
    return invoer, wachtwoord


def read_change(form: dict[str, str]) -> Invoer:
    return _rol_en_gemeenten(form)


def read_password(form: dict[str, str], fouten: dict[str, str]) -> str:
    """The password as typed (never trimmed: spaces count); an error when it is too short or
    the repetition differs."""
    wachtwoord, herhaling = form.get("wachtwoord", ""), form.get("wachtwoord_herhaald", "")
    if len(wachtwoord) < MIN_WACHTWOORD:
        fouten["wachtwoord"] = f"Een wachtwoord heeft minstens {MIN_WACHTWOORD} tekens."
    elif wachtwoord != herhaling:
        fouten["wachtwoord"] = "De twee wachtwoorden zijn niet gelijk."
    return wachtwoord


def _rol_en_gemeenten(form: dict[str, str]) -> Invoer:
    invoer = Invoer(rol=form.get("rol", "").strip(), alle_gemeenten=form.get("alle_gemeenten") == "ja",
                    gemeenten=sorted(k[len(_PREFIX):] for k, v in form.items() if k.startswith(_PREFIX) and v == "ja"))
    if invoer.rol not in ROLLEN:
        invoer.fouten["rol"] = "Kies een rol."
    if not invoer.alle_gemeenten and not invoer.gemeenten:
        invoer.fouten["gemeenten"] = "Kies minstens één gemeente, of ‘alle gemeenten’."
    return invoer
