"""The filters of the access log (`/audit`, `/audit.csv`): as typed, for the form, and as
parsed, for the query."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from gateway import dateinput as dates
from gateway.clock import start_of_day
from gateway.domain.beheer import audit
from gateway.http.deps import parse_id

ACTIES = tuple(audit.ACTIES)


@dataclass
class Filters:
    """The page's filters as typed (for the form) and as parsed (for the query)."""

    invoer: dict[str, str]
    fouten: dict[str, str] = field(default_factory=dict)
    gebruiker: str | None = None
    actie: str | None = None
    client_id: int | None = None
    van: datetime | None = None  # UTC, inclusive
    tot: datetime | None = None  # UTC, exclusive (the day after `tot`, Dutch time)

    def query_string(self, **extra: object) -> str:
        params = {k: v for k, v in self.invoer.items() if v}
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return urlencode(params)


def parse_filters(q: QueryParams) -> Filters:
    invoer = {name: q.get(name, "").strip() for name in ("gebruiker", "actie", "client", "van", "tot")}
    f = Filters(invoer=invoer)
    if invoer["gebruiker"]:
        if len(invoer["gebruiker"]) > 64:
            f.fouten["gebruiker"] = "Een gebruikersnaam is hoogstens 64 tekens."
        else:
            f.gebruiker = invoer["gebruiker"].lower()
    if invoer["actie"]:
        if invoer["actie"] in ACTIES:
            f.actie = invoer["actie"]
        else:
            f.fouten["actie"] = "Kies een actie uit de lijst."
    if invoer["client"]:
        f.client_id = parse_id(invoer["client"])
        if f.client_id is None:
            f.fouten["client"] = "Vul het interne cliëntnummer in (alleen cijfers), niet het BSN."
    van_dag = _date(invoer["van"], "van", f.fouten)
    tot_dag = _date(invoer["tot"], "tot", f.fouten)
    if van_dag and tot_dag and van_dag > tot_dag:
        f.fouten["tot"] = "De einddatum ligt vóór de begindatum."
    elif not f.fouten:
        f.van = start_of_day(van_dag) if van_dag else None
        f.tot = start_of_day(tot_dag + timedelta(days=1)) if tot_dag else None
    return f


def _date(text: str, name: str, fouten: dict[str, str]) -> date | None:
    if not text:
        return None
    value = dates.parse_date(text)
    if value is None:
        fouten[name] = dates.HINT
    return value


def page_after(q: QueryParams, f: Filters) -> int | None:
    """The id the page continues after ("voor"), or None for the newest; a malformed one is
    an error of the filters."""
    voor_text = q.get("voor", "").strip()
    voor = parse_id(voor_text) if voor_text else None
    if voor_text and voor is None:
        f.fouten["voor"] = "Deze pagina bestaat niet; begin opnieuw bij de nieuwste regels."
    return voor
