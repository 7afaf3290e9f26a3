"""A stream of distinct AGJ aanvraagformulieren that are granted automatically: each its own
client (TR374 allows one open request per client), Identificatie and ReferentieAanbieder."""
from __future__ import annotations

import re

from tests.support import example


def bsn(n: int) -> str:
    """The n-th valid BSN (11-proef) from 100000000 on, none of them the examples' client."""
    candidate = 100_000_000 + 1000 * n
    while True:
        digits = [int(c) for c in f"{candidate:09d}"]
        total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
        if total % 11 == 0:
            return f"{candidate:09d}"
        candidate += 1


def agj(n: int, prefix: str = "S") -> bytes:
    xml = example("AGJ").replace(b"999994323", bsn(n).encode())
    xml = re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>{prefix}{n:08d}<".encode(), xml, count=1)
    return re.sub(rb"<agj:ReferentieAanbieder>[^<]+<", f"<agj:ReferentieAanbieder>{prefix}-REF-{n}<".encode(), xml)
