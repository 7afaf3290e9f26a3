"""RFC 9457 problem details: the one shape of every API error that is not a retour."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:jeugdhulp-gateway:problem:"


@dataclass
class Problem(Exception):
    status: int
    slug: str
    title: str
    detail: str
    extra: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"type": _TYPE + self.slug, "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}

    def body(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")
