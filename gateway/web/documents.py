"""The beschikking as a readable, printable HTML document for the parents (in Dutch).

`render_beschikking` takes the dict from `gateway.domain.aanvraag.beschikkingen.as_json`. The Jinja2
environment autoescapes everything (the hulpvraag and the bezwaar texts come from outside) and
uses StrictUndefined, so a missing key fails loudly instead of printing an empty line; keys that
older stored beschikkingen lack are read with `.get` in the template.

`render_beschikking_pdf` prints the same HTML to PDF with WeasyPrint (its print stylesheet,
A4). The letter loads nothing from outside, and its fetcher refuses every URL anyway: text from
a message must never make the gateway fetch a file or call a host while it renders.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gateway.clock import NL, as_utc
from gateway.model.datum import datum_nl
from gateway.model.normen import EENHEID_LABELS, bedrag

TEMPLATES = Path(__file__).parent / "templates"

def moment_nl(value: datetime | None) -> str:
    """A stored timestamp (UTC) as Dutch wall-clock time, in the pages' one date format:
    '23 november 2026, 14:05'."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(NL)
    return f"{datum_nl(local.date())}, {local:%H:%M}"


def eenheid_nl(code: str | None) -> str:
    """A WJ756 Eenheid in words, the code as a detail: '04' -> 'uur (eenheid 04)'."""
    if code in EENHEID_LABELS:
        return f"{EENHEID_LABELS[code][1]} (eenheid {code})"
    return f"eenheid {code or 'onbekend'}"


def euro(eurocent: int | None) -> str:
    """Eurocent as a Dutch amount: 123456 -> '€ 1.234,56'."""
    return "onbekend" if eurocent is None else bedrag(eurocent)


GEWIST = "Gewist na afloop van de bewaartermijn"


def gewist_nl(value: str | date | datetime | None) -> str:
    """What every view shows for data the retention purge removed, with the day it did."""
    return f"{GEWIST} ({datum_nl(value)})" if value else GEWIST


def bsn_masked(bsn: str | None) -> str:
    """Only the last four digits: '999994323' -> '*****4323'."""
    bsn = (bsn or "").strip()
    if len(bsn) <= 4:
        return "*" * len(bsn)
    return "*" * (len(bsn) - 4) + bsn[-4:]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(datum_nl=datum_nl, moment_nl=moment_nl, euro=euro, bsn_masked=bsn_masked,
                       gewist=gewist_nl, eenheid_nl=eenheid_nl)
    return env


def render_beschikking(data: dict) -> str:
    # Past the retention period only the beschikking's number, date and kind are left.
    template = "beschikking_gewist.html" if data.get("gewist") else "beschikking.html"
    return environment().get_template(template).render(b=data)


def render_beschikking_pdf(data: dict) -> bytes:
    """The letter as a PDF (A4), titled with the beschikking's number."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads pango and cairo

    pdf = HTML(string=render_beschikking(data), base_url=None, url_fetcher=_refusing_fetcher()).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)


def pdf_filename(nummer: str) -> str:
    """A Content-Disposition file name from a beschikking number (digits, letters, dashes)."""
    safe = "".join(c for c in nummer if c.isalnum() or c == "-")[:40] or "beschikking"
    return f"beschikking-{safe}.pdf"


@lru_cache(maxsize=1)
def _refusing_fetcher():
    from weasyprint.urls import URLFetcher

    class Refusing(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"de beschikking haalt niets op ({url[:60]})")

    return Refusing()
