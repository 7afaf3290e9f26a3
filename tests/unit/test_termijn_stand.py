"""One count of a deadline's werkdagen (`termijnen.stand`) for /termijnen and the aanvraag
pages; outside the holiday calendar each page keeps its own fallback, named by the caller."""
from __future__ import annotations

from datetime import date

from gateway.db.models import Aanvraag
from gateway.readmodels import termijnen
from gateway.web.views.termijn import termijn


def test_stand_counts_werkdagen_both_ways():
    assert termijnen.stand(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert termijnen.stand(date(2026, 12, 24), date(2026, 12, 28)) == 1  # Christmas, Boxing Day, weekend
    assert termijnen.stand(date(2026, 12, 28), date(2026, 12, 24)) == -1
    assert termijnen.stand(date(2026, 11, 23), date(2026, 11, 18)) == -3


def test_outside_the_holiday_calendar_the_caller_chooses_the_fallback():
    today, old = date(2026, 11, 23), date(1950, 1, 2)
    assert termijnen.stand(today, old) == (old - today).days  # /termijnen: calendar days
    assert termijnen.stand(today, old, outside_calendar=termijnen.UNKNOWN) is None


def test_the_aanvraag_label_uses_the_same_count():
    def label(uiterlijk: date, today: date) -> tuple[str, str]:
        t = termijn(Aanvraag(status="te_beoordelen", antwoord_uiterlijk=uiterlijk, afgehandeld_op=None), today)
        return t.label, t.toelichting

    assert label(date(2026, 11, 18), date(2026, 11, 23)) == ("verlopen", "3 werkdagen over de termijn")
    assert label(date(2026, 11, 21), date(2026, 11, 22)) == ("verlopen", "over de termijn")  # Saturday, Sunday
    assert label(date(1950, 1, 2), date(2026, 11, 23)) == ("onbekend", "")
