"""The trajectory of an aanvraag for the API (`/api/v1/aanvragen/{id}/traject`, `/clienten/{bsn}/
traject`): the work-process steps reached (design §1), each with its date and the message that
moved it. The steps are derived once, in gateway.readmodels.tijdlijn, which the back office's
client page shows as well.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag
from gateway.readmodels import tijdlijn

# The message that moves a step, where the step has more than one (20: the JW301 confirmed by
# its JW302); otherwise the step's first message.
_BEPALEND = {"17A": None, "17B": None, "18/20A": "JW301", "20": "JW302", "21": "JW305", "23": "JW307"}


def as_json(session: Session, aanvragen: list[Aanvraag], today: date) -> list[dict]:
    return [{"aanvraag_id": t.aanvraag.id, "bsn": t.aanvraag.bsn, "aanbieder": t.aanvraag.aanbieder,
             "huidige_stap": t.huidige_stap,
             "stappen": [{"stap": s.stap, "omschrijving": s.omschrijving, "datum": s.datum.isoformat(),
                          "bericht_id": _bericht_id(s)} for s in t.stappen if s.datum is not None]}
            for t in tijdlijn.trajecten(session, aanvragen, today)]


def _bericht_id(stap: tijdlijn.Stap) -> int | None:
    label = _BEPALEND.get(stap.stap)
    chosen = next((link for link in stap.berichten if link.label == label), None) if label else None
    chosen = chosen or (stap.berichten[0] if stap.berichten else None)
    return chosen.bericht_id if chosen else None
