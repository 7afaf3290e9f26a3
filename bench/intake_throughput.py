"""Throughput of the synchronous check of one JW305, in messages per second.

Two messages: the 1.8 KB example (one StartProduct) and a 3.6 KB JW305 with five
StartProducts, the size issue 2 names for scale. Prints, for each, in one run:
  1. lxml parse + XSD validation alone (the floor any check costs);
  2. our full in-process check of levels 1-2 (safe parse with limits, XSD, level-2 rules);
  3. the same plus the level-4 rules that need only code lists (TR135, TR378, TR381);
  4. (3) plus the answer: the JW306 rendered and passed by the self-check (our XSD and level-2
     rules on the rendered tree, `uitgaand.self_check`), serialised.
Target (issue 2): (2) at least 50 % of (1).

Run: .venv/bin/python bench/intake_throughput.py [--seconds N] [--rounds N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from gateway.domain.berichten.uitgaand import self_check
from gateway.reference import load_reference
from gateway.render.retour import render_retour
from gateway.rules.check import check_message
from gateway.settings import PROJECT_ROOT
from gateway.xml.schemas import load_schemas
from tests.support import TODAY, example, jw305_with_products


def rate(func, seconds: float) -> float:
    for _ in range(200):  # warm up
        func()
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(100):
            func()
        count += 100
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0, help="per variant per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    schemas = load_schemas(PROJECT_ROOT / "schemas")
    reference = load_reference(PROJECT_ROOT / "mappings")
    for label, body in (("JW305 example, 1 StartProduct", example("JW305")),
                        ("JW305, 5 StartProducts", jw305_with_products(5))):
        measure(label, body, schemas, reference, args.seconds, args.rounds)


def measure(label, body, schemas, reference, seconds, rounds) -> None:
    xsd = schemas.for_message("JW305").xsd
    plain_parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def lxml_only():
        assert xsd.validate(etree.fromstring(body, plain_parser).getroottree())

    def level_1_2():
        assert check_message(body, schemas=schemas, reference=reference, today=TODAY, max_level=2).accepted

    def level_1_2_4():
        assert check_message(body, schemas=schemas, reference=reference, today=TODAY).accepted

    def answered():
        result = check_message(body, schemas=schemas, reference=reference, today=TODAY)
        retour = render_retour(result.parsed, result.outcome, identificatie="R00000000001", today=TODAY,
                               schemas=schemas)
        assert self_check(retour, schemas=schemas, reference=reference, today=TODAY).body

    # Rounds alternate the variants so that load from elsewhere on the machine hits all of
    # them alike; the median of the rounds is printed.
    samples: dict[str, list[float]] = {"base": [], "ours": [], "codes": [], "answer": []}
    for _ in range(rounds):
        samples["base"].append(rate(lxml_only, seconds))
        samples["ours"].append(rate(level_1_2, seconds))
        samples["codes"].append(rate(level_1_2_4, seconds))
        samples["answer"].append(rate(answered, seconds))
    base, ours, with_codes, answer = (statistics.median(samples[k]) for k in ("base", "ours", "codes", "answer"))
    print(f"{label}, {len(body)} bytes")
    print(f"  lxml parse + XSD validate     : {base:8.0f} msg/s  ({1e6 / base:6.1f} us/msg)")
    print(f"  full check, levels 1-2        : {ours:8.0f} msg/s  ({1e6 / ours:6.1f} us/msg)"
          f"  = {100 * ours / base:.0f} % of lxml alone (target >= 50 %)")
    print(f"  levels 1-2 + level 4 (codes)  : {with_codes:8.0f} msg/s  ({1e6 / with_codes:6.1f} us/msg)"
          f"  = {100 * with_codes / base:.0f} %")
    print(f"  + JW306, self-checked         : {answer:8.0f} msg/s  ({1e6 / answer:6.1f} us/msg)"
          f"  = {100 * answer / base:.0f} %")


if __name__ == "__main__":
    main()
