"""A domain service's refusal, with the HTTP status that fits and a Dutch explanation.

The API turns it into problem+json; the back office shows the text."""
from __future__ import annotations


class DomainFout(Exception):
    def __init__(self, status: int, slug: str, detail: str):
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
