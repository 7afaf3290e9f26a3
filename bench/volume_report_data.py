"""Data for the finance-report benchmark: a PostgreSQL database with 1 M toewijzingen, their
starts and stops, and 5 M declaration lines (prestaties).

Generated inside PostgreSQL (INSERT … SELECT over generate_series). The shape follows a large
region over four and a half years: one gemeente, 60 providers, the catalogue's products in every
frequentie (per dag, per week, per maand, TBGT) plus Budget toewijzingen; toewijzingen of one
to twelve months, some open-ended, one in a hundred deleted. Nine in ten have a start; two in
five a definitive stop, one in twenty a temporary stop and a new start, one in fifty a deleted
start. Every toewijzing is declared for five consecutive months (5 M lines in 70 monthly
declarations per provider); one in twenty lines is rejected, one in a hundred is a credit.
Rows are written in the order they arrive in a real region (toewijzingen by Ingangsdatum, starts
by Begindatum, prestaties by declared month), so the tables lie on disk in date order and the
date indexes narrow what a period reads, as they do in production.

Run on its own to (re)build: .venv/bin/python bench/volume_report_data.py [--reset]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import BenchDatabase

DATABASE = "gateway_bench_volumes"
GEMEENTE = "0363"
PROVIDERS = 60
TOEWIJZINGEN = 1_000_000
MONTHS_DECLARED = 5  # prestaties per toewijzing: 5 M lines
DECLARATION_MONTHS = 70  # 2022-01 .. 2027-10, one declaration per provider per month
# (categorie, code, eenheid, frequentie, volume) from the example catalogue
PRODUCTS = [("45", "45A01", "04", "2", 6), ("45", "45A02", "01", "4", 1200), ("41", "41A01", "16", "2", 8),
            ("54", "54A01", "84", "6", 20), ("43", "43A01", "14", "4", 31), ("42", "42A01", "82", "1", 2),
            ("55", "55A01", "83", "6", 1_500_000), ("46", "46A01", "14", "6", 28)]


DB = BenchDatabase(DATABASE)


def sqlalchemy_url() -> str:
    return DB.sqlalchemy_url


def ensure(reset: bool = False) -> None:
    """Build the database unless it already holds the toewijzingen."""
    DB.ensure(count_sql="SELECT count(*) FROM toewijzing", expected=TOEWIJZINGEN, what="toewijzingen",
              generate=_generate, reset=reset)


def _generate(conn: psycopg.Connection) -> None:
    run = conn.execute
    products = "(VALUES " + ", ".join(f"({n}, '{c}', '{p}', '{e}', '{f}', {v})"
                                      for n, (c, p, e, f, v) in enumerate(PRODUCTS)) + ")"
    run("INSERT INTO partij (soort, code, naam, aangemaakt_op) VALUES ('gemeente', %s, 'Gemeente', now())",
        (GEMEENTE,))
    run(f"""INSERT INTO partij (soort, code, naam, aangemaakt_op)
            SELECT 'aanbieder', (10000000 + p)::text, 'Aanbieder ' || p, now()
            FROM generate_series(1, {PROVIDERS}) p""")
    # One stored message per declaration (declaratie.bericht_id is unique); starts and stops
    # all point at the first (their messages are not what this benchmark reads).
    run(f"""INSERT INTO bericht (id, richting, partij_id, berichttype, status, niveau, retourcodes, inhoud,
                                 inhoud_sha256, ontvangen_op)
            SELECT i, 'in', (SELECT min(id) FROM partij), 'JW323', 'accepted', 0, '[]'::json, '<x/>'::bytea,
                   md5(i::text) || md5((i + 1)::text), now()
            FROM generate_series(1, {PROVIDERS * DECLARATION_MONTHS}) i""")
    run("SELECT setval(pg_get_serial_sequence('bericht', 'id'), (SELECT max(id) FROM bericht))")
    run(f"""INSERT INTO declaratie (id, bericht_id, gemeente, aanbieder, nummer, periode_begin, periode_eind,
                                    dagtekening, ingediend_eurocent, toegekend_eurocent, aangemaakt_op)
            SELECT (p - 1) * {DECLARATION_MONTHS} + k + 1, (p - 1) * {DECLARATION_MONTHS} + k + 1, '{GEMEENTE}',
                   (10000000 + p)::text, 'D' || k, date '2022-01-01' + k * interval '1 month',
                   (date '2022-01-01' + (k + 1) * interval '1 month' - interval '1 day')::date,
                   (date '2022-01-01' + (k + 1) * interval '1 month')::date, 0, 0, now()
            FROM generate_series(1, {PROVIDERS}) p, generate_series(0, {DECLARATION_MONTHS - 1}) k""")
    run("SELECT setval(pg_get_serial_sequence('declaratie', 'id'), (SELECT max(id) FROM declaratie))")
    # Toewijzing i: product i % 8 (every twentieth a Budget without product code), provider
    # 1 + i % 60, start spread over 2022-01-01 .. 2026-08, 30 .. 364 days long.
    run(f"""
        CREATE TEMP TABLE gen AS
        SELECT i, pr.*, 1 + i % {PROVIDERS} AS provider, i % 20 = 0 AS budget,
               date '2022-01-01' + (i * 37) % 1700 AS begin, 30 + (i * 13) % 335 AS length
        FROM generate_series(1, {TOEWIJZINGEN}) i
        JOIN {products} AS pr(n, categorie, code, eenheid, frequentie, volume) ON pr.n = i % {len(PRODUCTS)}""")
    run(f"""
        INSERT INTO toewijzing (id, gemeente, nummer, aanbieder, bsn, categorie, code, ingangsdatum, einddatum,
                                volume, eenheid, frequentie, budget, reden_wijziging, toewijzingsdatum,
                                toewijzingstijd, gewijzigd, aangemaakt_op)
        SELECT i, '{GEMEENTE}', i, (10000000 + provider)::text, (100000000 + i % 250000)::text, categorie,
               CASE WHEN budget THEN NULL ELSE code END, begin,
               CASE WHEN i % 100 = 1 THEN begin
                    WHEN i % 25 = 0 AND NOT budget AND frequentie <> '2' THEN NULL
                    ELSE begin + length - 1 END,
               CASE WHEN budget THEN NULL ELSE volume END, CASE WHEN budget THEN NULL ELSE eenheid END,
               CASE WHEN budget THEN NULL ELSE frequentie END,
               CASE WHEN budget THEN 100000 * (1 + i % 50) END,
               CASE WHEN i % 100 = 1 THEN '13' END, begin, '10:00:00', false, now()
        FROM gen ORDER BY begin, i""")
    run("SELECT setval(pg_get_serial_sequence('toewijzing', 'id'), (SELECT max(id) FROM toewijzing))")
    # Starts: nine in ten toewijzingen, a few days after the Ingangsdatum; one in fifty deleted.
    run(f"""
        INSERT INTO zorglevering (id, gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum,
                                  toewijzing_ingangsdatum, bericht_id, actief_sleutel, aangemaakt_op)
        SELECT i, '{GEMEENTE}', (10000000 + provider)::text, (100000000 + i % 250000)::text, i, categorie, code,
               begin + i % 10, begin, 1, CASE WHEN i % 50 <> 3 THEN 's' || i END, now()
        FROM gen WHERE i % 10 <> 0 ORDER BY begin + i % 10, i""")
    run("SELECT setval(pg_get_serial_sequence('zorglevering', 'id'), (SELECT max(id) FROM zorglevering))")
    # Stops: two in five definitive at three quarters of the toewijzing; one in twenty
    # temporary after 30 days, with a new start 30 days later (another zorglevering row).
    run("""INSERT INTO zorglevering_stop (zorglevering_id, reden, einddatum, bericht_id, actief_sleutel, aangemaakt_op)
           SELECT z.id, '02', z.begindatum + g.length * 3 / 4, 1, 'stop|' || z.id, now()
           FROM zorglevering z JOIN gen g ON g.i = z.id WHERE z.id % 5 IN (1, 2)""")
    run("""INSERT INTO zorglevering_stop (zorglevering_id, reden, einddatum, bericht_id, actief_sleutel, aangemaakt_op)
           SELECT z.id, '20', z.begindatum + 30, 1, 'tijdelijk|' || z.id, now()
           FROM zorglevering z WHERE z.id % 20 = 8""")
    run(f"""
        INSERT INTO zorglevering (gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum,
                                  toewijzing_ingangsdatum, bericht_id, actief_sleutel, aangemaakt_op)
        SELECT gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum + 60,
               toewijzing_ingangsdatum, 1, 'herstart' || id, now()
        FROM zorglevering WHERE id % 20 = 8 AND id <= {TOEWIJZINGEN}""")
    # Prestaties: each toewijzing declared for five consecutive calendar months from its start.
    run(f"""
        INSERT INTO prestatie (declaratie_id, gemeente, aanbieder, bsn, referentie, toewijzingnummer, categorie,
                               code, begindatum, einddatum, volume, eenheid, tarief_eurocent, bedrag_eurocent,
                               debet_credit, status, retourcodes, actief_sleutel)
        SELECT (g.provider - 1) * {DECLARATION_MONTHS}
                   + (extract(year from m.maand) - 2022) * 12 + extract(month from m.maand),
               '{GEMEENTE}', (10000000 + g.provider)::text, (100000000 + g.i % 250000)::text,
               'R' || g.i || '-' || m.k, g.i, g.categorie, CASE WHEN g.budget THEN '{PRODUCTS[0][1]}' ELSE g.code END,
               greatest(m.maand, g.begin), (m.maand + interval '1 month' - interval '1 day')::date,
               1 + (g.i + m.k) % 30, CASE WHEN g.budget THEN '83' ELSE g.eenheid END, 9800,
               CASE WHEN (g.i + m.k) % 100 = 5 THEN -1 ELSE 1 END * (1 + (g.i + m.k) % 30) * 9800,
               CASE WHEN (g.i + m.k) % 100 = 5 THEN 'C' ELSE 'D' END,
               CASE WHEN (g.i + m.k) % 20 = 9 THEN 'afgewezen' ELSE 'toegekend' END, '[]'::json,
               CASE WHEN (g.i + m.k) % 20 <> 9 THEN (10000000 + g.provider)::text || '|R' || g.i || '-' || m.k END
        FROM gen g
        CROSS JOIN LATERAL (SELECT k, (date_trunc('month', g.begin) + k * interval '1 month')::date AS maand
                            FROM generate_series(0, {MONTHS_DECLARED - 1}) k) m
        ORDER BY m.maand, g.provider, g.i""")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="Drop and rebuild the benchmark database.")
    args = parser.parse_args()
    ensure(args.reset)
