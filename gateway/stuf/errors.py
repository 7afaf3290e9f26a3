"""The one error of the envelope layer."""
from __future__ import annotations

from gateway.errors import GatewayError

_OMSCHRIJVING_MAX = 200  # StUF Foutomschrijving


def cut(text: str, limit: int = _OMSCHRIJVING_MAX) -> str:
    """`text` within `limit` characters, an ellipsis showing where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EnvelopFout(GatewayError):
    """A broken envelope. Received, it is answered with a SOAP Fault carrying a Fo03 with this
    code, plek and omschrijving; in an answer to what we sent, it makes the attempt a failed one.
    `omschrijving` is cut to the 200 characters a Foutomschrijving holds."""

    status, slug, title = 500, "envelop", "Envelop afgekeurd"

    def __init__(self, code: str, omschrijving: str, plek: str = "client"):
        self.code = code
        self.plek = plek
        self.omschrijving = cut(omschrijving)
        super().__init__(f"{code}: {self.omschrijving}", extra={"code": code, "plek": plek})
