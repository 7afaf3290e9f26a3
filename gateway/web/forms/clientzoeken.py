"""The client search's one field (`/clienten?q=`)."""
from __future__ import annotations

from dataclasses import dataclass

from gateway.readmodels.clienten import MAX_ZOEKTEKST


@dataclass(frozen=True)
class Zoekvraag:
    q: str  # as typed, stripped: shown again in the form
    fout: str | None = None


def read(q: str) -> Zoekvraag:
    text = q.strip()
    if len(text) > MAX_ZOEKTEKST or not text.isprintable():
        return Zoekvraag(text[:MAX_ZOEKTEKST], f"Zoek op een naam, BSN, toewijzingnummer, referentie, "
                                               f"berichtidentificatie of beschikkingnummer (hoogstens "
                                               f"{MAX_ZOEKTEKST} tekens).")
    return Zoekvraag(text)
