"""The volume report as the finance page shows it: the totals and the two charts, drawn
server-side as inline SVG (gateway.web.grafieken)."""
from __future__ import annotations

from urllib.parse import urlencode

from gateway.domain.financien import rapportage
from gateway.web import grafieken

API = "/api/v1/rapportages/volumes"
REEKSEN = ("toegewezen", "gedeclareerd")


def report_context(rows: list[dict], maandreeks: list[rapportage.Maandbedrag] | None, namen: dict[str, str],
                   periode: rapportage.Periode, params: dict[str, str], producten) -> dict:
    """`rows` as the API's JSON rows; `maandreeks` None when the period has too many months."""
    # Chart 1: per provider the sum of its rows' amounts (toegewezen: rows with a tariff).
    per_aanbieder: dict[str, list[float]] = {}
    for row in rows:
        totals = per_aanbieder.setdefault(row["aanbieder"], [0.0, 0.0])
        totals[0] += row["toegewezen_bedrag"] or 0.0
        totals[1] += row["gedeclareerd_bedrag"] or 0.0
    aanbieder_totalen = [(f"{namen.get(code) or 'onbekende aanbieder'} ({code})", [round(v, 2) for v in totals])
                         for code, totals in per_aanbieder.items()]
    # Chart 2: month by month.
    maanden, lijn = [], None
    if maandreeks is not None:
        maanden = [(grafieken.maand_nl(m.maand), round(m.toegewezen_eurocent / 100, 2),
                    round(m.gedeclareerd_eurocent / 100, 2)) for m in maandreeks]
        if any(t or g for _, t, g in maanden):
            lijn = grafieken.lijndiagram([m[0] for m in maanden],
                                         [(REEKSEN[0], [m[1] for m in maanden]),
                                          (REEKSEN[1], [m[2] for m in maanden])])
    return dict(periode=periode, rows=rows, namen=namen,
                productnamen={key: p.naam for key, p in producten.items()},
                totaal_toegewezen=sum(r["toegewezen_bedrag"] or 0.0 for r in rows),
                totaal_gedeclareerd=sum(r["gedeclareerd_bedrag"] for r in rows),
                staven=grafieken.staafdiagram(aanbieder_totalen, REEKSEN), aanbieder_totalen=aanbieder_totalen,
                lijn=lijn, maandreeks=maanden, te_lang=maandreeks is None,
                csv_url=f"{API}?{urlencode({**params, 'format': 'csv'})}",
                csv_nl_url=f"{API}?{urlencode({**params, 'format': 'csv-nl'})}",
                xlsx_url=f"{API}?{urlencode({**params, 'format': 'xlsx'})}")
