"""What the OpenAPI document says, next to what the gateway does (the schemathesis run in
test_openapi_conformance.py checks the answers; these check the promises it cannot see)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

from sqlalchemy import select

from gateway.api.examples import FOLDER, REQUESTS
from gateway.api.openapi_models import AanvraagStatus
from gateway.api.postbus import PostbusFilter
from gateway.db.models import Bericht, Partij, PostbusItem
from gateway.db.session import unit_of_work
from gateway.domain.aanvraag import aanvragen
from gateway.domain.berichten import postbus
from gateway.messages import RECEIVABLE
from gateway.problems import PROBLEM_JSON
from tests.conftest import AGB, auth

BERICHTEN = "/api/v1/berichten"


def _operations(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_error_is_problem_json_and_no_fastapi_422_is_left(client):
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(spec)
    for path, method, operation in _operations(spec):
        for status, answer in operation["responses"].items():
            if int(status) >= 400 and (path, status) != ("/readyz", "503"):
                content = answer["content"]
                assert content[PROBLEM_JSON]["schema"]["$ref"].endswith("/ProblemPayload"), (path, method, status)
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in operation["responses"], (path, method)
        if operation.get("security"):
            assert {"401", "503"} <= operation["responses"].keys(), (path, method)
    problem = spec["components"]["schemas"]["ProblemPayload"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert spec["components"]["schemas"]["FoutregelPayload"]["properties"].keys() == {"line", "path", "message",
                                                                                        "original"}


def test_every_json_answer_has_a_model(client):
    spec = client.get("/openapi.json").json()
    for path, method, operation in _operations(spec):
        for status, answer in operation["responses"].items():
            json_content = answer.get("content", {}).get("application/json")
            if status.startswith("2") and json_content is not None:
                schema = json_content["schema"]
                assert "$ref" in schema or "anyOf" in schema, (path, method, status)


def test_xml_bodies_and_answers_are_documented_as_xml_with_the_example_messages(client):
    spec = client.get("/openapi.json").json()
    post = spec["paths"][BERICHTEN]["post"]
    assert "JW323" in post["summary"] and all(name in post["summary"] for name in RECEIVABLE)
    examples = post["requestBody"]["content"]["application/xml"]["examples"]
    assert set(examples) == set(REQUESTS) and {"AGJ", "JW305", "JW323"} <= examples.keys()
    for name, (filename, _) in REQUESTS.items():
        assert examples[name]["value"] == (FOLDER / filename).read_text(encoding="utf-8")
    responses = post["responses"]
    assert {"application/xml", "application/json"} == responses["202"]["content"].keys()
    assert {"application/xml", PROBLEM_JSON} == responses["422"]["content"].keys()
    for status in ("202", "400", "403", "422"):
        assert {"Location", "Idempotent-Replay"} <= responses[status]["headers"].keys(), status
    fetch = spec["paths"]["/api/v1/postbus/{bericht_id}"]["get"]["responses"]["200"]["content"]
    assert fetch.keys() == {"application/xml"} and {"JW301", "JW319"} <= fetch["application/xml"]["examples"].keys()
    assert "Location" in spec["paths"]["/api/v1/beschikkingen/{nummer}/bezwaren"]["post"]["responses"]["201"]["headers"]


def test_one_bearer_scheme_explains_both_token_kinds(client):
    spec = client.get("/openapi.json").json()
    [(name, scheme)] = spec["components"]["securitySchemes"].items()
    assert scheme["scheme"] == "bearer"
    assert "gateway provider add" in scheme["description"] and "gateway municipality add" in scheme["description"]
    for path, method, operation in _operations(spec):
        if path.startswith("/api/"):
            assert operation["security"] == [{name: []}], (path, method)


def test_enumerations_and_dates(client):
    spec = client.get("/openapi.json").json()

    def query(path):
        return {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}

    assert query("/api/v1/postbus")["status"]["enum"] == [*postbus.STATUSES, "alle"]
    assert get_args(PostbusFilter) == (*postbus.STATUSES, "alle")
    statuses = (aanvragen.TE_BEOORDELEN, aanvragen.IN_ONDERZOEK, aanvragen.TOEGEKEND, aanvragen.AFGEWEZEN)
    assert query("/api/v1/aanvragen")["status"]["enum"] == list(statuses) == list(get_args(AanvraagStatus))
    volumes = query("/api/v1/rapportages/volumes")
    assert volumes["format"]["enum"] == ["json", "csv", "csv-nl", "xlsx"]
    assert volumes["van"]["format"] == volumes["tot"]["format"] == "date"
    assert "null" not in str(volumes["aanbieder"]) and volumes["aanbieder"]["pattern"] == "^[0-9]{8}$"


def test_a_value_outside_an_enumeration_is_400_in_dutch(client, parties):
    response = client.get("/api/v1/postbus?status=gelezen", headers=auth(parties["provider"]))
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["errors"] == [{"path": "query.status", "message": problem["errors"][0]["message"]}]
    assert problem["detail"].startswith("status: is een van 'nieuw', 'opgehaald'") and "'alle'" in problem["detail"]
    limit = client.get("/api/v1/postbus?limit=0", headers=auth(parties["provider"])).json()
    assert limit["detail"] == "limit: is minstens 1"


def test_the_postbus_lists_every_status_with_alle_oldest_first(client, parties, sessions):
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with unit_of_work(sessions) as session:
        party = session.scalar(select(Partij).where(Partij.soort == "aanbieder", Partij.code == AGB))
        ids = []
        # Created in this order, oldest last: the list follows the creation time, not the id.
        for n, status in enumerate(("afgekeurd", "nieuw", "bevestigd", "opgehaald")):
            bericht = Bericht(richting="uit", partij_id=party.id, berichttype="JW301", status="accepted",
                              niveau=0, retourcodes=[], inhoud=b"<x/>", inhoud_sha256=f"x{n}")
            session.add(bericht)
            session.flush()
            session.add(PostbusItem(bericht_id=bericht.id, partij_id=party.id, berichttype="JW301", status=status,
                                    aangemaakt_op=start - timedelta(hours=n)))
            ids.append(bericht.id)
    headers = auth(parties["provider"])
    everything = client.get("/api/v1/postbus?status=alle", headers=headers).json()["items"]
    assert [(i["id"], i["status"]) for i in everything] == [
        (ids[3], "opgehaald"), (ids[2], "bevestigd"), (ids[1], "nieuw"), (ids[0], "afgekeurd")]
    assert [i["id"] for i in client.get("/api/v1/postbus", headers=headers).json()["items"]] == [ids[1]]
    assert [i["id"] for i in client.get("/api/v1/postbus?status=alle&limit=2", headers=headers).json()["items"]] \
        == [ids[3], ids[2]]
    # Another party's postbus stays its own.
    assert client.get("/api/v1/postbus?status=alle", headers=auth(parties["other"])).json()["items"] == []
