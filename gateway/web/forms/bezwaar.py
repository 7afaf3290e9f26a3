"""The bezwaar forms on a beschikking's page: registering one (`POST /beschikkingen/{id}/bezwaren`)
and deciding one (`POST /beschikkingen/{id}/bezwaren/{bezwaar_id}/afhandeling`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gateway import dateinput as dates

VELDEN = ("ontvangen_op", "indiener", "toelichting")
# A refusal of the service (BezwaarFout.slug) shown beside the form field it is about.
_VELD_VAN_FOUT = {"datum": "ontvangen_op", "indiener": "indiener", "toelichting": "toelichting"}


@dataclass
class Bezwaar:
    invoer: dict[str, str]  # as typed, the date as the date field can show it again
    ontvangen_op: date | None = None
    fouten: dict[str, str] = field(default_factory=dict)


def read(form: dict[str, str]) -> Bezwaar:
    gelezen = Bezwaar({k: form.get(k, "").strip() for k in VELDEN})
    invoer, fouten = gelezen.invoer, gelezen.fouten
    gelezen.ontvangen_op = dates.parse_date(invoer["ontvangen_op"])
    if gelezen.ontvangen_op is None:
        fouten["ontvangen_op"] = "Vul een geldige datum van ontvangst in, bijvoorbeeld 23-11-2026."
    else:
        invoer["ontvangen_op"] = gelezen.ontvangen_op.isoformat()
    if not invoer["indiener"]:
        fouten["indiener"] = "Vul in wie het bezwaar indient."
    elif len(invoer["indiener"]) > 200:
        fouten["indiener"] = "Ten hoogste 200 tekens."
    return gelezen


def refused(gelezen: Bezwaar, slug: str, detail: str) -> None:
    """The service's refusal as the error of its field, as a sentence."""
    gelezen.fouten[_VELD_VAN_FOUT.get(slug, "ontvangen_op")] = detail[:1].upper() + detail[1:] + (
        "" if detail.endswith(".") else ".")


def read_uitkomst(form: dict[str, str]) -> str:
    """The chosen outcome as sent; the service refuses anything but its three outcomes."""
    return form.get("uitkomst", "").strip()[:20]
