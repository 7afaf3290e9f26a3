"""The OpenAPI document tells the truth: schemathesis generates schema-valid requests for
every operation of `/openapi.json` and checks the gateway's answers against the document.

Per operation, with a provider token and with a municipality token, on the embedded SQLite
default: no server error, no undocumented status code or content type, no answer that breaks
its documented schema, and no schema-valid request rejected (400/422). Bounded and
deterministic: a few examples per operation, derandomized, no example database.
"""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.domain.financien import rapportage
from tests.conftest import auth
from tests.route import run_work
from tests.support import example

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# An XML message is valid by its XSD and the iJw rules, which the OpenAPI schema (a string) cannot
# express: schemathesis sends strings such as `<data></data>`, which the gateway rightly refuses
# with 400. For these operations every check runs except the acceptance of "valid" data.
XML_BODY = {"/api/v1/berichten", "/api/v1/validatie"}
XML_TYPES = ("application/xml", "text/xml")
EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def known(app, client, parties, published) -> dict[str, dict[str, str]]:
    """Something to find, as path parameters per operation: an AGJ granted as asked, with its
    aanvraag, its beschikking and the JW301 in the provider's postbus."""
    sent = client.post("/api/v1/berichten", content=example("AGJ"), headers=auth(parties["provider"]))
    assert sent.status_code == 202
    run_work(app, published)
    [aanvraag] = client.get("/api/v1/aanvragen", headers=auth(parties["gemeente"])).json()["items"]
    [jw301] = client.get("/api/v1/postbus", headers=auth(parties["provider"])).json()["items"]
    nummer = client.get(aanvraag["href"], headers=auth(parties["gemeente"])).json()["beschikking"]["nummer"]
    return {"/api/v1/berichten/": {"bericht_id": sent.headers["Location"].rsplit("/", 1)[1]},
            "/api/v1/postbus/": {"bericht_id": str(jw301["id"])},
            "/api/v1/aanvragen/": {"aanvraag_id": str(aanvraag["id"])},
            "/api/v1/beschikkingen/": {"nummer": nummer}}


@pytest.mark.parametrize("kind", ["provider", "gemeente"])
def test_every_operation_answers_as_documented(client, parties, known, kind):
    schema = openapi.from_dict(client.get("/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    headers = {"Authorization": f"Bearer {parties[kind]}"}
    for operation in operations:
        checks = CHECKS if operation.path in XML_BODY else [*CHECKS, positive_data_acceptance]
        # The document's own examples first (the example messages of POST berichten/validatie).
        for strategy in schema.get_strategies_from_examples(operation, headers=headers):
            _exercise(client, strategy, checks, max_examples=1)
        strategy = operation.as_strategy(headers=headers)
        if operation.path == "/api/v1/rapportages/volumes":
            strategy = st.tuples(strategy, _periods()).map(_with_period)
        _exercise(client, strategy, checks, max_examples=EXAMPLES_PER_OPERATION)
        # A drawn id is rarely one that exists: what the GETs answer about the stored ones too.
        # (Not the POSTs: whether a decision or a bezwaar fits an existing case is the case's
        # state, which no schema says; on an unknown id they answer 404 above.)
        fixed = next((ids for prefix, ids in known.items() if operation.path.startswith(prefix)), None)
        if operation.method.upper() == "GET" and fixed and operation.path_parameters:
            strategy = operation.as_strategy(headers=headers, path_parameters=fixed)
            _exercise(client, strategy, checks, max_examples=1)


def _exercise(client, strategy, checks, *, max_examples: int) -> None:
    @given(case=strategy)
    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
        if "data" in kwargs:
            kwargs["content"] = kwargs.pop("data")
        if case.media_type in XML_TYPES and isinstance(case.body, str):
            # schemathesis wraps a string in an XML element of its own; the message goes as it is.
            kwargs["content"] = case.body.encode("utf-8")
        kwargs.pop("cookies", None)  # the gateway's API reads none
        case.validate_response(client.request(**kwargs), checks=checks)

    run()


def _periods():
    """A period the report accepts: JSON Schema cannot say that `tot` is not before `van` and the
    period shorter than the maximum (the operation's description does, and answers 400 otherwise)."""
    days = (rapportage.LATEST - rapportage.EARLIEST).days
    return st.tuples(st.integers(0, days), st.integers(0, 366)).map(
        lambda p: (date.fromordinal(rapportage.EARLIEST.toordinal() + p[0]),
                   min(date.fromordinal(rapportage.EARLIEST.toordinal() + p[0] + p[1]), rapportage.LATEST)))


def _with_period(drawn):
    case, (van, tot) = drawn
    case.query = {**(case.query or {}), "van": van.isoformat(), "tot": tot.isoformat()}
    return case
