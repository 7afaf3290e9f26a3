"""Data for the back-office benchmark: a PostgreSQL database with 1 M stored messages.

Generated inside PostgreSQL (INSERT … SELECT over generate_series), so a million rows take
about a minute rather than an hour of round trips. The shape follows a mid-sized region: one
gemeente, 60 providers, 100 000 clients with on average ten messages each (aanvragen, JW301,
JW302, starts and stops, their answers), one in ten messages rejected with a rule finding, and
the aanvragen, toewijzingen, deliveries and signals those messages stand for. BSNs are
synthetic nine-digit numbers (the pages search and show them; none checks the 11-proef).
Every message carries the bytes of a real example message (about 1.5 KB), so the table has a
realistic width.

Run on its own to (re)build: .venv/bin/python bench/backoffice_data.py [--messages N] [--reset]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import BenchDatabase

DATABASE = "gateway_bench_backoffice"
GEMEENTE = "0363"
PROVIDERS = 60
CLIENTS = 100_000
# Message types in a realistic mix (per 20 messages), with their direction.
MIX = ["AGJ", "JW315", "JW301", "JW301", "JW302", "JW302", "JW305", "JW305", "JW305", "JW305",
       "JW307", "JW307", "JW307", "JW305", "JW307", "JW319", "JW320", "JW317", "JW305", "JW307"]
OUTBOUND = ("JW301", "JW319")


DB = BenchDatabase(DATABASE)


def sqlalchemy_url() -> str:
    return DB.sqlalchemy_url


def ensure(messages: int, reset: bool = False) -> None:
    """Build the database unless it already holds `messages` messages."""
    DB.ensure(count_sql="SELECT count(*) FROM bericht", expected=messages, what="messages",
              generate=lambda conn: _generate(conn, messages), reset=reset)


def _generate(conn: psycopg.Connection, messages: int) -> None:
    example = (ROOT.parent / "shared" / "examples" / "JW305-start-zorg.xml")
    body = example.read_bytes() if example.exists() else b"<Bericht/>" * 150
    mix = "ARRAY[" + ",".join(f"'{t}'" for t in MIX) + "]"
    outbound = "ARRAY[" + ",".join(f"'{t}'" for t in OUTBOUND) + "]"
    run = conn.execute
    run("INSERT INTO partij (soort, code, naam, aangemaakt_op) VALUES ('gemeente', %s, 'Gemeente', now())",
        (GEMEENTE,))
    run(f"""INSERT INTO partij (soort, code, naam, aangemaakt_op)
            SELECT 'aanbieder', lpad((10000000 + p)::text, 8, '0'), 'Aanbieder ' || p, now()
            FROM generate_series(1, {PROVIDERS}) p""")
    run(f"""INSERT INTO client (gemeente, bsn, bijgewerkt_op)
            SELECT '{GEMEENTE}', (100000000 + c)::text, now() FROM generate_series(1, {CLIENTS}) c""")
    # Message i is about client (i % CLIENTS) at provider (client % PROVIDERS); its
    # toewijzing number is the client's; one in ten is rejected (a start or a JW317, never
    # the aanvraag, so every client has one).
    run(f"""
        CREATE TEMP TABLE gen AS
        SELECT i, ({mix})[1 + i % {len(MIX)}] AS soort, 1 + i % {CLIENTS} AS client,
               1 + (i % {CLIENTS}) % {PROVIDERS} AS provider, i % 10 = 7 AS rejected,
               timestamptz '2024-01-01' + (i * interval '1 minute' * 1.05) AS moment
        FROM generate_series(1, {messages}) i""")
    run(f"""
        INSERT INTO bericht (id, richting, partij_id, berichttype, afzender, ontvanger, identificatie,
                             dagtekening, bsn, status, niveau, retourcodes, uniek_sleutel, inhoud,
                             inhoud_sha256, ontvangen_op, antwoord_status, antwoord_type, antwoord)
        SELECT g.i,
               CASE WHEN g.soort = ANY({outbound}) THEN 'uit' ELSE 'in' END,
               p.id, g.soort,
               CASE WHEN g.soort = ANY({outbound}) OR g.soort IN ('JW302', 'JW320') THEN '{GEMEENTE}' ELSE p.code END,
               CASE WHEN g.soort = ANY({outbound}) OR g.soort IN ('JW302', 'JW320') THEN p.code ELSE '{GEMEENTE}' END,
               'B' || lpad(g.i::text, 9, '0'), g.moment::date, (100000000 + g.client)::text,
               CASE WHEN g.rejected THEN 'rejected' ELSE 'accepted' END,
               CASE WHEN g.rejected THEN 2 ELSE 0 END,
               CASE WHEN g.rejected THEN '["0001"]'::json ELSE '[]'::json END,
               NULL, %s, md5(g.i::text) || md5((g.i + 1)::text), g.moment,
               CASE WHEN g.rejected THEN 422 ELSE 202 END, 'application/xml', %s
        FROM gen g JOIN partij p ON p.soort = 'aanbieder' AND p.code = lpad((10000000 + g.provider)::text, 8, '0')
        ORDER BY g.i""", (body, body[:600]))
    run("SELECT setval(pg_get_serial_sequence('bericht', 'id'), (SELECT max(id) FROM bericht))")
    # Outbound messages wait in, or went through, the provider's postbus; the newest are new.
    run(f"""INSERT INTO postbus_item (bericht_id, partij_id, berichttype, status, aangemaakt_op, retourcodes,
                                      aandacht_cjg)
            SELECT b.id, b.partij_id, b.berichttype,
                   CASE WHEN b.id > {messages} - 2000 THEN 'nieuw' ELSE 'bevestigd' END, b.ontvangen_op,
                   '[]'::json, false
            FROM bericht b WHERE b.richting = 'uit'""")
    run("""INSERT INTO kenmerk (bericht_id, soort, waarde)
           SELECT i, 'toewijzingnummer', (100000 + client)::text FROM gen
           WHERE soort NOT IN ('AGJ', 'JW315')""")
    run("""INSERT INTO kenmerk (bericht_id, soort, waarde)
           SELECT i, 'referentie', 'REF-' || client || '-' || (i % 7) FROM gen WHERE soort IN ('AGJ', 'JW315', 'JW301')""")
    run("""INSERT INTO bevinding (bericht_id, code, retourcode, niveau, locatie)
           SELECT i, 'TR135', '8848', 2, '/Bericht/Header/Dagtekening' FROM gen WHERE rejected""")
    # What the accepted messages stand for: one aanvraag, toewijzing and delivery per client.
    run(f"""
        INSERT INTO aanvraag (bericht_id, soort, gemeente, aanbieder, bsn, dagtekening, ontvangen_op,
                              leveringsvorm, status, automatisch, beoordeling, antwoord_uiterlijk, termijn)
        SELECT min(g.i), 'AGJ', '{GEMEENTE}', lpad((10000000 + g.provider)::text, 8, '0'),
               (100000000 + g.client)::text, min(g.moment)::date, min(g.moment)::date, 'ZIN',
               CASE WHEN g.client % 50 = 0 THEN 'te_beoordelen' ELSE 'toegekend' END,
               g.client % 50 <> 0, '[]'::json, min(g.moment)::date + 7, '5 werkdagen'
        FROM gen g WHERE g.soort = 'AGJ' AND NOT g.rejected GROUP BY g.client, g.provider""")
    run("""INSERT INTO aanvraag_product (aanvraag_id, volgnummer, soort, referentie_aanbieder, categorie, code,
                                         ingangsdatum, einddatum, volume, eenheid, frequentie, status)
           SELECT id, 1, 'aangevraagd', 'REF-' || bsn, '45', '45A01', dagtekening, dagtekening + 180,
                  6, '04', '2', status FROM aanvraag""")
    run(f"""
        INSERT INTO toewijzing (gemeente, nummer, aanbieder, bsn, aanvraag_id, referentie_aanbieder, categorie,
                                code, ingangsdatum, einddatum, volume, eenheid, frequentie, toewijzingsdatum,
                                toewijzingstijd, gewijzigd, aangemaakt_op)
        SELECT '{GEMEENTE}', 100000 + (bsn::int - 100000000), aanbieder, bsn, id, 'REF-' || bsn, '45', '45A01',
               dagtekening, dagtekening + 180, 6, '04', '2', dagtekening, '10:00:00', false, now()
        FROM aanvraag WHERE status = 'toegekend'""")
    run("""
        INSERT INTO zorglevering (gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum,
                                  toewijzing_ingangsdatum, bericht_id, actief_sleutel, aangemaakt_op)
        SELECT t.gemeente, t.aanbieder, t.bsn, t.nummer, '45', '45A01', t.ingangsdatum + 3, t.ingangsdatum,
               a.bericht_id, t.bsn || '|' || t.nummer || '|45A01|' || (t.ingangsdatum + 3), now()
        FROM toewijzing t JOIN aanvraag a ON a.id = t.aanvraag_id""")
    run("""INSERT INTO zorglevering_stop (zorglevering_id, reden, einddatum, bericht_id, actief_sleutel, aangemaakt_op)
           SELECT id, '02', begindatum + 150, bericht_id, 'stop|' || id, now() FROM zorglevering WHERE id % 3 = 0""")
    run("""INSERT INTO signaal (gemeente, aanbieder, bsn, toewijzingnummer, soort, melding, datum, sleutel, aangemaakt_op)
            SELECT gemeente, aanbieder, bsn, nummer, 'geen_start', 'Geen start ontvangen', ingangsdatum + 14,
                   'geen_start|' || nummer, now() FROM toewijzing WHERE nummer % 10 = 0""")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true", help="Drop and rebuild the benchmark database.")
    args = parser.parse_args()
    ensure(args.messages, args.reset)
