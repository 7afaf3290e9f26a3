"""Charts for the back office as plain geometry for inline SVG (issue 6, /financien).

No JavaScript and no chart library: a page renders the numbers worked out here into an
<svg> of rects, a polyline and text, so it works offline and under the strict CSP. Every
function is pure (numbers in, coordinates out) and unit-tested in tests/unit/test_grafieken.py.
A chart without data is `None`; the template then says "geen gegevens" instead of drawing
an empty frame.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MAANDEN_KORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
# One colour per series (toegewezen, gedeclareerd), distinguishable for the common colour
# blindnesses (blue/orange); the legend and the table carry the same information in text.
KLEUREN = ("#1f5fa8", "#d9822b", "#5b8a3c", "#7d4e9e")


# --------------------------------------------------------------------------- numbers in Dutch


def getal_nl(value: float, decimalen: int = 2) -> str:
    """1234.5 -> '1.234,50' (dot for thousands, comma for decimals); no '-0,00'."""
    text = f"{abs(value):,.{decimalen}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if value < 0 and round(abs(value), decimalen) != 0 else "") + text


def bedrag_nl(euro: float | None, decimalen: int = 2) -> str:
    """An amount in euro: 1234.5 -> '€ 1.234,50'; None -> '–' (no amount)."""
    return "–" if euro is None else f"€ {getal_nl(euro, decimalen)}"


def procent_nl(fractie: float | None) -> str:
    """0.0306 -> '3,1 %'; None -> '–'."""
    return "–" if fractie is None else f"{getal_nl(fractie * 100, 1)} %"


def maand_nl(maand: date) -> str:
    return f"{MAANDEN_KORT[maand.month - 1]} {maand.year}"


# --------------------------------------------------------------------------- scales


def nette_stap(span: float, aantal: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × a power of ten) that divides `span` into at most about
    `aantal` intervals."""
    if span <= 0:
        return 1.0
    ruw = span / aantal
    macht = 10 ** math.floor(math.log10(ruw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * macht >= ruw * (1 - 1e-9):
            return factor * macht
    return 10 * macht  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class Schaal:
    """A linear map from values [laag, hoog] to pixels [begin, eind] (eind may be < begin: an
    upward y axis)."""

    laag: float
    hoog: float
    begin: float
    eind: float

    def __call__(self, value: float) -> float:
        return self.begin + (value - self.laag) / (self.hoog - self.laag) * (self.eind - self.begin)


def schaal(waarden: Sequence[float], begin: float, eind: float, aantal: int = 5) -> tuple[Schaal, list[float]]:
    """A scale over the values and zero, widened to round ticks, and those ticks. All values
    zero (or none): the scale 0-1, so bars of zero stay at the axis."""
    laag, hoog = min(0.0, *waarden) if waarden else 0.0, max(0.0, *waarden) if waarden else 0.0
    if laag == hoog:
        hoog = 1.0
    stap = nette_stap(hoog - laag, aantal)
    laag_t, hoog_t = math.floor(laag / stap + 1e-9) * stap, math.ceil(hoog / stap - 1e-9) * stap
    ticks = [round(laag_t + i * stap, 10) for i in range(round((hoog_t - laag_t) / stap) + 1)]
    return Schaal(laag_t, hoog_t, begin, eind), ticks


def tick_label(value: float, ticks: Sequence[float], *, euro: bool = True) -> str:
    """A tick in Dutch, with decimals only when the step needs them."""
    stap = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimalen = 0 if stap >= 1 and float(stap).is_integer() else 2 if stap < 0.1 else 1
    text = getal_nl(value, decimalen)
    return f"€ {text}" if euro else text


def _f(value: float) -> float:
    return round(value, 1)


# --------------------------------------------------------------------------- bar chart


@dataclass(frozen=True)
class Staaf:
    x: float
    y: float
    breedte: float
    hoogte: float
    waarde: float
    reeks: int
    kleur: str
    tekst: str  # for the bar's <title>: "Zorg BV, toegewezen: € 1.234,00"


@dataclass(frozen=True)
class Staafgroep:
    label: str
    label_y: float
    staven: tuple[Staaf, ...]


@dataclass(frozen=True)
class Streep:
    positie: float
    label: str


@dataclass(frozen=True)
class Legenda:
    x: float
    y: float
    naam: str
    kleur: str


@dataclass(frozen=True)
class Staafdiagram:
    """Horizontal bars: per group (a provider) one bar per series, left of them the label."""

    breedte: int
    hoogte: int
    links: float  # x of the plot area
    rechts: float
    boven: float
    onder: float
    nul: float  # x of value 0
    groepen: tuple[Staafgroep, ...]
    streepjes: tuple[Streep, ...]
    legenda: tuple[Legenda, ...]


def staafdiagram(groepen: Sequence[tuple[str, Sequence[float]]], reeksen: Sequence[str], *, breedte: int = 760,
                 labelbreedte: int = 220, staafhoogte: int = 14, tussenruimte: int = 14,
                 euro: bool = True) -> Staafdiagram | None:
    """`groepen`: (label, one value per series). None when there is no group."""
    if not groepen:
        return None
    links, rechts, boven = float(labelbreedte), float(breedte - 50), 34.0
    groephoogte = staafhoogte * len(reeksen) + tussenruimte
    onder = boven + groephoogte * len(groepen)
    x, ticks = schaal([v for _, values in groepen for v in values], links, rechts)
    nul = x(0.0)
    result = []
    for i, (label, values) in enumerate(groepen):
        top = boven + i * groephoogte + tussenruimte / 2
        staven = []
        for j, value in enumerate(values):
            end = x(value)
            staven.append(Staaf(x=_f(min(nul, end)), y=_f(top + j * staafhoogte), breedte=_f(abs(end - nul)),
                                hoogte=staafhoogte - 2, waarde=value, reeks=j, kleur=KLEUREN[j % len(KLEUREN)],
                                tekst=f"{label}, {reeksen[j]}: "
                                      + (bedrag_nl(value) if euro else getal_nl(value))))
        result.append(Staafgroep(label=label, label_y=_f(top + staafhoogte * len(values) / 2 + 4),
                                 staven=tuple(staven)))
    return Staafdiagram(
        breedte=breedte, hoogte=int(onder + 28), links=links, rechts=rechts, boven=boven, onder=_f(onder),
        nul=_f(nul), groepen=tuple(result),
        streepjes=tuple(Streep(_f(x(t)), tick_label(t, ticks, euro=euro)) for t in ticks),
        legenda=_legenda(reeksen, links))


def _legenda(reeksen: Sequence[str], links: float) -> tuple[Legenda, ...]:
    return tuple(Legenda(x=_f(links + i * 160), y=10.0, naam=naam, kleur=KLEUREN[i % len(KLEUREN)])
                 for i, naam in enumerate(reeksen))


# --------------------------------------------------------------------------- line chart


@dataclass(frozen=True)
class Punt:
    x: float
    y: float
    waarde: float
    tekst: str


@dataclass(frozen=True)
class Lijn:
    naam: str
    kleur: str
    punten: tuple[Punt, ...]

    @property
    def points(self) -> str:
        """The polyline's `points` attribute."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.punten)


@dataclass(frozen=True)
class Lijndiagram:
    breedte: int
    hoogte: int
    links: float
    rechts: float
    boven: float
    onder: float
    nul: float  # y of value 0
    lijnen: tuple[Lijn, ...]
    streepjes: tuple[Streep, ...]  # y ticks
    xlabels: tuple[Streep, ...]  # x positions with the period's label (thinned when many)
    legenda: tuple[Legenda, ...]


def lijndiagram(labels: Sequence[str], reeksen: Sequence[tuple[str, Sequence[float]]], *, breedte: int = 760,
                hoogte: int = 300, max_labels: int = 12, euro: bool = True) -> Lijndiagram | None:
    """One line per series over the labelled points (months). None without points. A single
    point sits in the middle (the template marks every point, so one month is still seen)."""
    if not labels:
        return None
    links, rechts, boven, onder = 90.0, float(breedte - 50), 34.0, float(hoogte - 36)
    y, ticks = schaal([v for _, values in reeksen for v in values], onder, boven)
    n = len(labels)

    def x(i: int) -> float:
        return (links + rechts) / 2 if n == 1 else links + i * (rechts - links) / (n - 1)

    lijnen = tuple(
        Lijn(naam=naam, kleur=KLEUREN[j % len(KLEUREN)], punten=tuple(
            Punt(x=_f(x(i)), y=_f(y(v)), waarde=v,
                 tekst=f"{labels[i]}, {naam}: " + (bedrag_nl(v) if euro else getal_nl(v)))
            for i, v in enumerate(values)))
        for j, (naam, values) in enumerate(reeksen))
    elke = math.ceil(n / max_labels)
    return Lijndiagram(
        breedte=breedte, hoogte=hoogte, links=links, rechts=rechts, boven=boven, onder=onder, nul=_f(y(0.0)),
        lijnen=lijnen, streepjes=tuple(Streep(_f(y(t)), tick_label(t, ticks, euro=euro)) for t in ticks),
        xlabels=tuple(Streep(_f(x(i)), labels[i]) for i in range(0, n, elke)),
        legenda=_legenda([naam for naam, _ in reeksen], links))
