"""A refused decision says in words what is missing: no Python `None` in the answer."""
from __future__ import annotations

from tests.route import aanvragen, besluit, post, request, run_work

GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"


def _open_aanvraag(client, parties, published, app, identificatie: str) -> dict:
    post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, identificatie))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    return aanvraag


def test_afwijzen_without_a_reason_names_the_missing_field_not_none(client, parties, published, app):
    aanvraag = _open_aanvraag(client, parties, published, app, "AGJ91")
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen"})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "None" not in detail
    assert "reden_afwijzing" in detail and "ontbreekt" in detail


def test_afwijzen_with_an_unknown_reason_quotes_it(client, parties, published, app):
    aanvraag = _open_aanvraag(client, parties, published, app, "AGJ92")
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "12"})
    assert answer.status_code == 422
    assert answer.json()["detail"].endswith("niet '12'")
