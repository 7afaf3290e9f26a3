"""Time of the level-2 rules of one JW323 declaration, by the number of prestaties.

Declarations of 1, 100, 1,500 and 5,000 valid prestaties (distinct ReferentieNummers and
ToewijzingNummers, five lines per client, written without indentation). Each is parsed and
XSD-validated once; then `check_rules(max_level=2)` runs on the parsed message again and
again (a fresh RuleContext each run, as every check has), and the median is printed, with
the full offline `check_message(max_level=2)` where the message fits the intake's limits.
1,500 lines stay within the 1 MiB body cap and 50,000 elements; 5,000 lines exceed both,
so that size is parsed with raised limits and only its rule time is measured.

Run: .venv/bin/python bench/declaratie_rules.py [--runs N] [--sizes 1,100,1500,5000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.reference import load_reference
from gateway.rules.check import check_message, check_rules, check_schema
from gateway.settings import PROJECT_ROOT
from gateway.xml.safe import Limits
from gateway.xml.schemas import load_schemas
from tests.support import TODAY, valid_bsns

M, B = "jw323", "ijw"
LINES_PER_CLIENT = 5
BEDRAG = 16 * 9800  # 16 uur × 9800, as the example's line
INTAKE_LIMITS = Limits()
UNBOUNDED = Limits(max_bytes=64 * 1024 * 1024, max_elements=10_000_000)


def _prestatie(n: int) -> str:
    return (f"<{M}:Prestatie><{M}:ProductReferentie><{B}:ReferentieNummer>P{n:09d}"
            f"</{B}:ReferentieNummer></{M}:ProductReferentie>"
            f"<{M}:ToewijzingNummer>{100001 + n}</{M}:ToewijzingNummer>"
            f"<{M}:ProductCategorie>45</{M}:ProductCategorie><{M}:ProductCode>45A01</{M}:ProductCode>"
            f"<{M}:ProductPeriode><{B}:Begindatum>2026-10-01</{B}:Begindatum>"
            f"<{B}:Einddatum>2026-10-31</{B}:Einddatum></{M}:ProductPeriode>"
            f"<{M}:GeleverdVolume>16</{M}:GeleverdVolume><{M}:Eenheid>04</{M}:Eenheid>"
            f"<{M}:ProductTarief>9800</{M}:ProductTarief><{M}:IngediendBedrag>"
            f"<{B}:Bedrag>{BEDRAG}</{B}:Bedrag><{B}:DebetCredit>D</{B}:DebetCredit>"
            f"</{M}:IngediendBedrag></{M}:Prestatie>")


def declaratie(lines: int) -> bytes:
    """A valid JW323 (the example's Header and period) with `lines` debit lines."""
    bsns = valid_bsns((lines + LINES_PER_CLIENT - 1) // LINES_PER_CLIENT)
    clients = "".join(
        f"<{M}:Client><{M}:Bsn>{bsn}</{M}:Bsn><{M}:Prestaties>"
        + "".join(_prestatie(n) for n in range(i * LINES_PER_CLIENT, min(lines, (i + 1) * LINES_PER_CLIENT)))
        + f"</{M}:Prestaties></{M}:Client>" for i, bsn in enumerate(bsns))
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f'<{M}:Bericht xmlns:{M}="http://www.istandaarden.nl/ijw/3_2/jw323/schema" '
        f'xmlns:{B}="http://www.istandaarden.nl/ijw/3_2/basisschema/schema">'
        f"<{M}:Header><{M}:BerichtCode>490</{M}:BerichtCode><{M}:BerichtVersie>3</{M}:BerichtVersie>"
        f"<{M}:BerichtSubversie>2</{M}:BerichtSubversie><{M}:Afzender>12345678</{M}:Afzender>"
        f"<{M}:Ontvanger>0363</{M}:Ontvanger><{M}:BerichtIdentificatie>"
        f"<{B}:Identificatie>VBJW3230001</{B}:Identificatie><{B}:Dagtekening>2026-11-05</{B}:Dagtekening>"
        f"</{M}:BerichtIdentificatie><{M}:XsdVersie><{B}:BasisschemaXsdVersie>1.0.0</{B}:BasisschemaXsdVersie>"
        f"<{B}:BerichtXsdVersie>1.0.0</{B}:BerichtXsdVersie></{M}:XsdVersie></{M}:Header>"
        f"<{M}:Declaratie><{M}:DeclaratieNummer>D202610001</{M}:DeclaratieNummer>"
        f"<{M}:DeclaratiePeriode><{B}:Begindatum>2026-10-01</{B}:Begindatum>"
        f"<{B}:Einddatum>2026-10-31</{B}:Einddatum></{M}:DeclaratiePeriode>"
        f"<{M}:DeclaratieDagtekening>2026-11-05</{M}:DeclaratieDagtekening>"
        f"<{M}:TotaalIngediendBedrag><{B}:TotaalBedrag>{lines * BEDRAG}</{B}:TotaalBedrag>"
        f"<{B}:DebetCredit>D</{B}:DebetCredit></{M}:TotaalIngediendBedrag>"
        f"<{M}:Clienten>{clients}</{M}:Clienten></{M}:Declaratie></{M}:Bericht>").encode()


def median_seconds(func, runs: int) -> float:
    func()  # warm up (compiled paths, caches)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _format(seconds: float) -> str:
    return f"{seconds * 1e6:9.0f} us" if seconds < 0.01 else f"{seconds * 1e3:9.1f} ms"


def measure(lines: int, schemas, reference, runs: int) -> None:
    body = declaratie(lines)
    fits = len(body) <= INTAKE_LIMITS.max_bytes and lines * 16 < INTAKE_LIMITS.max_elements
    parsed = check_schema(body, schemas=schemas, limits=UNBOUNDED)
    assert not parsed.schema_errors, parsed.schema_errors[:3]

    def rules():
        assert check_rules(parsed, reference=reference, today=TODAY, max_level=2).accepted

    def whole():
        assert check_message(body, schemas=schemas, reference=reference, today=TODAY, max_level=2).accepted

    rule_time = median_seconds(rules, runs)
    line = f"{lines:6d} prestaties, {len(body) / 1024:7.0f} KiB: level-2 rules {_format(rule_time)}"
    if fits:
        line += f"   check_message(max_level=2) {_format(median_seconds(whole, runs))}"
    else:
        line += "   (beyond the intake's limits: rules on the parsed message only)"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21, help="timed runs per size (median)")
    parser.add_argument("--sizes", default="1,100,1500,5000")
    args = parser.parse_args()
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    reference = load_reference(PROJECT_ROOT / "mappings")
    for lines in (int(size) for size in args.sizes.split(",")):
        measure(lines, schemas, reference, args.runs)


if __name__ == "__main__":
    main()
