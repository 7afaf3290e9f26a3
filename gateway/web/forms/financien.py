"""The filters of the finance pages: the volume report (`/financien`) and the exceptions
list (`/financien/uitzonderingen`), each with a period and the parties to choose from."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from starlette.datastructures import QueryParams

from gateway import dateinput as dates
from gateway.domain.financien import rapportage


@dataclass
class VolumeFilters:
    invoer: dict[str, str]  # as typed (the period defaults to this year up to today)
    fouten: dict[str, str] = field(default_factory=dict)
    van: date | None = None
    tot: date | None = None

    @property
    def aanbieder(self) -> str | None:
        return self.invoer["aanbieder"] or None

    @property
    def gemeenten(self) -> list[str] | None:
        """A finance user reports on every gemeente the gateway serves, or on the chosen one."""
        return [self.invoer["gemeente"]] if self.invoer["gemeente"] else None

    def as_params(self, periode: rapportage.Periode) -> dict[str, str]:
        """The filters for the API's CSV and XLSX links."""
        params = {"van": periode.van.isoformat(), "tot": periode.tot.isoformat()}
        if self.aanbieder:
            params["aanbieder"] = self.aanbieder
        if self.invoer["gemeente"]:
            params["gemeente"] = self.invoer["gemeente"]
        return params


def volume_filters(q: QueryParams, today: date, *, aanbieders: list[tuple[str, str]],
                   gemeenten: list[tuple[str, str]]) -> VolumeFilters:
    f = VolumeFilters({"van": q.get("van", "").strip() or date(today.year, 1, 1).isoformat(),
                       "tot": q.get("tot", "").strip() or today.isoformat(),
                       "aanbieder": q.get("aanbieder", "").strip(), "gemeente": q.get("gemeente", "").strip()})
    invoer, fouten = f.invoer, f.fouten
    f.van, f.tot = dates.parse_date(invoer["van"]), dates.parse_date(invoer["tot"])
    if f.van is None:
        fouten["van"] = dates.HINT
    if f.tot is None:
        fouten["tot"] = dates.HINT
    if f.van is not None and f.tot is not None and (fout := _periode_fout(f.van, f.tot)) is not None:
        fouten[fout[0]] = fout[1]
    _choice(invoer, fouten, "aanbieder", aanbieders, "Kies een aanbieder uit de lijst.")
    _choice(invoer, fouten, "gemeente", gemeenten, "Kies een gemeente uit de lijst.")
    return f


def _periode_fout(van: date, tot: date) -> tuple[str, str] | None:
    """The API's period rule (rapportage.check_periode) as (field, Dutch sentence)."""
    reason = rapportage.check_periode(van, tot)
    if reason is None:
        return None
    veld = "van" if van < rapportage.EARLIEST else "tot"
    return veld, f"Ongeldige periode: {reason}."


@dataclass
class ExceptionFilters:
    invoer: dict[str, str]
    van: date
    tot: date
    fouten: dict[str, str] = field(default_factory=dict)


def exception_filters(q: QueryParams, today: date, *, aanbieders: list[tuple[str, str]]) -> ExceptionFilters:
    """The default period is the current calendar year."""
    f = ExceptionFilters({"aanbieder": q.get("aanbieder", "").strip(), "van": q.get("van", "").strip(),
                          "tot": q.get("tot", "").strip()}, van=date(today.year, 1, 1), tot=date(today.year, 12, 31))
    _choice(f.invoer, f.fouten, "aanbieder", aanbieders, "Kies een aanbieder uit de lijst.")
    for name in ("van", "tot"):
        if f.invoer[name]:
            parsed = dates.parse_date(f.invoer[name])
            if parsed is None:
                f.fouten[name] = dates.HINT
            else:
                setattr(f, name, parsed)
    if "van" not in f.fouten and "tot" not in f.fouten and (reden := rapportage.check_periode(f.van, f.tot)):
        f.fouten["tot"] = f"Deze periode kan niet: {reden}."
    return f


def _choice(invoer: dict[str, str], fouten: dict[str, str], name: str, options: list[tuple[str, str]],
            melding: str) -> None:
    if invoer[name] and invoer[name] not in {code for code, _ in options}:
        fouten[name] = melding
