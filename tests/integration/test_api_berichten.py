"""POST /api/v1/berichten: every status of the contract (design.md §5, §7), on a real database."""
from __future__ import annotations

import json

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.db.models import Bericht, Outbox, Zorglevering
from gateway.messages import BY_NAME
from tests.conftest import auth
from tests.support import edit, example, reference, schemas

# The JW305/JW307 examples name toewijzing 100001: it must exist (TR019).
pytestmark = pytest.mark.usefixtures("toewijzing_100001")

URL = "/api/v1/berichten"
VALIDATIE = "/api/v1/validatie"
BAD_BSN = ("<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
ENTRY_KEYS = ["code", "retourcode", "location", "explanation", "remedy"]


def retour(response) -> etree._Element:
    """The retour in `response`, checked against our own XSD for its namespace."""
    assert response.headers["content-type"].startswith("application/xml")
    tree = etree.fromstring(response.content).getroottree()
    schema = schemas().for_namespace(etree.QName(tree.getroot()).namespace)
    assert schema.is_valid(tree), schema.xsd.error_log
    return tree.getroot()


def codes_at(root, path: str) -> list[str]:
    ns = {"r": etree.QName(root).namespace}
    return [e.text for e in root.findall(f"{path}/r:RetourCodes/r:RetourCode", ns)]


def stored(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Bericht))


def test_accepted_jw305_gets_header_only_jw306(client, parties, sessions):
    response = client.post(URL, content=example("JW305"), headers=auth(parties["provider"]))
    assert response.status_code == 202
    root = retour(response)
    assert etree.QName(root).namespace == BY_NAME["JW306"].namespace
    assert codes_at(root, "r:Header") == []
    assert root.find("{*}Client") is None
    assert response.headers["location"].startswith("/api/v1/berichten/")
    with sessions() as session:
        row = session.scalar(select(Bericht))
        assert (row.status, row.berichttype, row.bsn, row.afzender) == ("accepted", "JW305", "999994323", "12345678")
        # A start is recorded by the intake itself (the next message's rules need it): no outbox work.
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0
        assert session.scalar(select(func.count()).select_from(Zorglevering)) == 1


def test_level2_rejection_is_header_only_with_0001(client, parties):
    bad_bsn = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
    response = client.post(URL, content=bad_bsn, headers=auth(parties["provider"]))
    assert response.status_code == 422
    root = retour(response)
    assert codes_at(root, "r:Header") == ["0001"]
    assert root.find("{*}Client") is None
    report = client.get(response.headers["location"], headers=auth(parties["provider"])).json()
    assert report["status"] == "rejected" and report["level"] == 2
    assert report["retourcodes"] == ["0001"]
    rule = next(r for r in report["rules"] if r["code"] == "CS002")
    assert rule["location"] == "/Bericht/Client/Bsn" and rule["retourcode"] == "0001"
    # What the rule checks and what the sender should change, in plain Dutch (design.md §7).
    assert list(rule) == ENTRY_KEYS
    assert (rule["explanation"], rule["remedy"]) == (reference().explain("CS002"), reference().remedy("CS002"))


def test_reversed_dates_are_rejected(client, parties):
    reversed_period = edit(example("AGJ"), "<agj:ToewijzingEinddatum>2027-03-14", "<agj:ToewijzingEinddatum>2026-09-01")
    response = client.post(URL, content=reversed_period, headers=auth(parties["provider"]))
    assert response.status_code == 422
    assert codes_at(retour(response), "r:Header") == ["0001"]


def test_reused_identificatie_gets_9056_in_the_header(client, parties):
    headers = auth(parties["provider"])
    assert client.post(URL, content=example("JW305"), headers=headers).status_code == 202
    other = edit(example("JW305"), "<jw305:Begindatum>2026-09-21", "<jw305:Begindatum>2026-09-20")
    response = client.post(URL, content=other, headers=headers)
    assert response.status_code == 422
    root = retour(response)
    assert codes_at(root, "r:Header") == ["9056"]
    assert root.find("{*}Client") is None


def test_level4_echoes_client_with_codes_per_class(client, parties):
    unknown = edit(example("JW305"), "<ijw:Code>45A01</ijw:Code>", "<ijw:Code>41A01</ijw:Code>")
    response = client.post(URL, content=unknown, headers=auth(parties["provider"]))
    assert response.status_code == 422
    root = retour(response)
    assert codes_at(root, "r:Header") == ["0200"]
    assert codes_at(root, "r:Client") == ["0200"]
    # 41A01 is not in category 45 (S329), nor the product of toewijzing 100001 (IV075: 9019)
    assert codes_at(root, "r:Client/r:StartProducten/r:StartProduct") == ["9019", "S329"]


def test_replay_returns_the_first_answer(client, parties, sessions):
    headers = auth(parties["provider"])
    first = client.post(URL, content=example("JW305"), headers=headers)
    again = client.post(URL, content=example("JW305"), headers=headers)
    assert again.status_code == first.status_code == 202
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replay"] == "true"
    assert "idempotent-replay" not in first.headers
    assert stored(sessions) == 1


def test_replay_of_a_rejection_is_the_same_rejection(client, parties, sessions):
    bad = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
    headers = auth(parties["provider"])
    first = client.post(URL, content=bad, headers=headers)
    again = client.post(URL, content=bad, headers=headers)
    assert (again.status_code, again.content) == (first.status_code, first.content) == (422, first.content)
    assert stored(sessions) == 1


def test_not_well_formed_is_400_problem_and_stored(client, parties, sessions):
    response = client.post(URL, content=b"<Bericht><open></Bericht>", headers=auth(parties["provider"]))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
    assert problem["errors"][0]["line"] == 1
    assert response.headers["location"]
    assert stored(sessions) == 1


def test_schema_errors_list_line_and_path(client, parties):
    bad = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>99999432X</jw305:Bsn>")
    response = client.post(URL, content=bad, headers=auth(parties["provider"]))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and errors[0]["line"] == 19  # the line of <Bsn>
    assert "Bsn" in errors[0]["path"] and errors[0]["message"]
    report = client.get(response.headers["location"], headers=auth(parties["provider"])).json()
    assert (report["status"], report["level"], report["rules"][0]["code"]) == ("invalid", 1, "XSD")
    assert report["rules"][0]["retourcode"] is None
    assert report["rules"][0]["explanation"] == f"{reference().explain('XSD')} ({errors[0]['message']})"
    assert report["rules"][0]["remedy"] == reference().remedy("XSD")


def test_wrong_berichtcode_and_version_are_schema_errors(client, parties):
    headers = auth(parties["provider"])
    wrong_code = edit(example("JW305"), "<jw305:BerichtCode>438<", "<jw305:BerichtCode>440<")
    wrong_version = edit(example("JW305"), "<jw305:BerichtSubversie>2<", "<jw305:BerichtSubversie>1<")
    assert client.post(URL, content=wrong_code, headers=headers).status_code == 400
    assert client.post(URL, content=wrong_version, headers=headers).status_code == 400


def test_doctype_and_entities_are_refused(client, parties):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<Bericht>&lol2;</Bericht>")
    response = client.post(URL, content=bomb, headers=auth(parties["provider"]))
    assert response.status_code == 400
    assert "DOCTYPE" in response.json()["detail"]
    assert response.json()["errors"][0]["line"] == 1


def test_unknown_namespace_is_400(client, parties):
    response = client.post(URL, content=b'<Bericht xmlns="urn:iets-anders"/>', headers=auth(parties["provider"]))
    assert response.status_code == 400
    assert "onbekend bericht" in response.json()["errors"][0]["message"]


def test_a_message_we_send_is_not_received(client, parties):
    response = client.post(URL, content=example("JW301"), headers=auth(parties["gemeente"]))
    assert response.status_code == 400
    assert response.json()["type"].endswith("unexpected-message")


def test_missing_or_bad_token_is_401_and_not_stored(client, parties, sessions):
    assert client.post(URL, content=example("JW305"), headers={"Content-Type": "application/xml"}).status_code == 401
    response = client.post(URL, content=example("JW305"), headers=auth("nope"))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert stored(sessions) == 0


def test_afzender_not_the_caller_is_403_and_stored(client, parties, sessions):
    response = client.post(URL, content=example("JW305"), headers=auth(parties["other"]))
    assert response.status_code == 403
    assert response.headers["location"]
    assert stored(sessions) == 1
    report = client.get(response.headers["location"], headers=auth(parties["other"])).json()
    assert (report["status"], report["level"], report["rules"][0]["code"]) == ("rejected", 1, "AFZENDER")
    assert report["rules"][0]["explanation"].startswith(reference().explain("AFZENDER") + " (de Afzender")
    assert report["rules"][0]["remedy"] == reference().remedy("AFZENDER")


def test_oversize_is_413_and_limit_itself_is_read(client, parties, sessions):
    limit = 1024 * 1024
    too_big = b"<a>" + b"x" * (limit - 6) + b"</a>"  # limit + 1 bytes
    assert len(too_big) == limit + 1
    assert client.post(URL, content=too_big, headers=auth(parties["provider"])).status_code == 413
    assert stored(sessions) == 0
    exactly = too_big[:-2] + b">"  # not well-formed, but read: 400, not 413
    assert len(exactly) == limit
    assert client.post(URL, content=exactly, headers=auth(parties["provider"])).status_code == 400


def test_not_xml_content_type_is_415(client, parties, sessions):
    headers = {**auth(parties["provider"]), "Content-Type": "text/plain"}
    assert client.post(URL, content=example("JW305"), headers=headers).status_code == 415
    headers["Content-Type"] = "text/xml; charset=utf-8"
    assert client.post(URL, content=example("JW305"), headers=headers).status_code == 202
    assert stored(sessions) == 1


def test_unknown_receiver_is_422_problem_without_retour(client, parties):
    other_gemeente = edit(example("JW305"), "<jw305:Ontvanger>0363<", "<jw305:Ontvanger>0344<")
    response = client.post(URL, content=other_gemeente, headers=auth(parties["provider"]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["location"]


def test_get_bericht_only_for_the_sender(client, parties):
    response = client.post(URL, content=example("JW305"), headers=auth(parties["provider"]))
    location = response.headers["location"]
    mine = client.get(location, headers=auth(parties["provider"]))
    assert mine.status_code == 200
    body = mine.json()
    assert {"id", "message", "status", "level", "retourcodes", "rules", "links"} <= body.keys()
    assert (body["message"], body["status"], body["level"], body["rules"]) == ("JW305", "accepted", 0, [])
    assert client.get(location, headers=auth(parties["other"])).status_code == 404
    assert client.get("/api/v1/berichten/999999", headers=auth(parties["provider"])).status_code == 404


def test_retour_from_provider_gets_json_not_a_retour(client, parties):
    # The example names a JW301 the gateway never sent: recorded, marked as matching nothing.
    response = client.post(URL, content=example("JW302"), headers=auth(parties["provider"]))
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["status"], body["message"], body["level"]) == ("accepted", "JW302", 0)
    assert [r["code"] for r in body["rules"]] == ["AG003"]
    assert body["answers"] == {"message": "JW301", "identificatie": "VBJW3010001", "matched": False,
                               "postbus_id": None, "postbus_status": None, "effect": "unmatched"}
    assert response.headers["location"] == f"/api/v1/berichten/{body['id']}"


def test_retour_must_be_addressed_to_the_caller(client, parties):
    response = client.post(URL, content=example("JW302"), headers=auth(parties["other"]))
    assert response.status_code == 403


def test_referentie_reused_gets_9347_and_open_request_9374(client, parties):
    headers = auth(parties["provider"])
    assert client.post(URL, content=example("AGJ"), headers=headers).status_code == 202
    # Same ReferentieAanbieder again, in a JW315 for another client: 9347 on the product.
    same_ref = edit(example("JW315"), "VB-REF-0003", "VB-REF-0001")
    response = client.post(URL, content=same_ref, headers=headers)
    assert response.status_code == 422, response.text
    root = retour(response)
    assert codes_at(root, "r:Client/r:AangevraagdeProducten/r:AangevraagdProduct") == ["9347"]
    assert codes_at(root, "r:Client") == ["0200"]
    # A second aanvraag for the same client while the first is unanswered: 9374.
    second = edit(example("AGJ"), "VBAGJ0001", "VBAGJ0002")
    second = edit(second, "VB-REF-0001", "VB-REF-0002")
    response = client.post(URL, content=second, headers=headers)
    assert response.status_code == 422
    assert codes_at(retour(response), "r:Client") == ["9374"]


def test_validatie_answers_the_same_and_stores_nothing(client, parties, sessions):
    headers = auth(parties["provider"])
    checked = client.post("/api/v1/validatie", content=example("JW305"), headers=headers)
    assert checked.status_code == 202
    retour(checked)
    bad = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
    rejected = client.post("/api/v1/validatie", content=bad, headers=headers)
    assert rejected.status_code == 422 and codes_at(retour(rejected), "r:Header") == ["0001"]
    assert client.post("/api/v1/validatie", content=b"<x", headers=headers).status_code == 400
    assert stored(sessions) == 0


def test_health_endpoints(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_openapi_lists_the_contract(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/berichten", "/api/v1/validatie", "/api/v1/berichten/{bericht_id}"} <= paths.keys()


def test_problem_json_shape(client):
    problem = json.loads(client.post(URL, content=b"<a/>").content)
    assert problem["status"] == 401 and problem["type"].startswith("urn:")


def test_validatie_refuses_a_message_we_send(client, parties):
    response = client.post("/api/v1/validatie", content=example("JW301"), headers=auth(parties["gemeente"]))
    assert response.status_code == 400
    assert response.json()["type"].endswith("unexpected-message")


def test_ids_that_cannot_exist_are_simply_not_found(client, parties):
    headers = auth(parties["provider"])
    for bericht_id in ("0", "abc", "99999999999999999999999", "-1", "²", "١٢"):  # non-ASCII digits too
        response = client.get(f"/api/v1/berichten/{bericht_id}", headers=headers)
        assert response.status_code == 404, bericht_id
        assert response.headers["content-type"] == "application/problem+json"


def test_routing_errors_are_problem_json(client):
    assert client.get("/api/v1/nope").headers["content-type"] == "application/problem+json"
    response = client.put("/api/v1/berichten")
    assert response.status_code == 405 and response.json()["status"] == 405


def test_401_names_the_scheme(client):
    response = client.post(URL, content=example("JW305"), headers={"Content-Type": "application/xml"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    lower = client.post(URL, content=example("JW305"),
                        headers={"Authorization": "bearer nope", "Content-Type": "application/xml"})
    assert lower.status_code == 401


def test_validatie_gives_the_answers_berichten_would(client, parties, sessions):
    validatie = "/api/v1/validatie"
    assert client.post(validatie, content=example("JW302"), headers=auth(parties["other"])).status_code == 403
    assert client.post(validatie, content=example("JW305"), headers=auth(parties["other"])).status_code == 403
    elsewhere = edit(example("JW305"), "<jw305:Ontvanger>0363<", "<jw305:Ontvanger>0599<")
    assert client.post(validatie, content=elsewhere, headers=auth(parties["provider"])).status_code == 422
    accepted = client.post(validatie, content=example("JW302"), headers=auth(parties["provider"]))
    assert accepted.status_code == 202
    assert (accepted.json()["id"], accepted.json()["status"], accepted.json()["answers"]["effect"]) == (
        None, "accepted", "unmatched")
    first = client.post(URL, content=example("JW305"), headers=auth(parties["provider"]))
    again = client.post(validatie, content=example("JW305"), headers=auth(parties["provider"]))
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replay"] == "true"
    assert stored(sessions) == 1


def json_report(response, status: int) -> dict:
    """The JSON rule report of validatie (design.md §7): its keys and each entry's, in order."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["accepted", "level", "retourcodes", "rules"]
    for rule in body["rules"]:
        assert list(rule) == ENTRY_KEYS
        # A gateway mark (AG003) adds what it found about this message to the explanation.
        assert rule["explanation"].startswith(reference().explain(rule["code"])), rule
        assert rule["remedy"] == reference().remedy(rule["code"]), rule
    return body


def as_json(token: str) -> dict[str, str]:
    return {**auth(token), "Accept": "application/json"}


def test_validatie_in_json_reports_a_rejection_with_explanation_and_remedy(client, parties, sessions):
    bad = edit(example("JW305"), *BAD_BSN)
    body = json_report(client.post(VALIDATIE, content=bad, headers=as_json(parties["provider"])), 422)
    assert body == {"accepted": False, "level": 2, "retourcodes": ["0001"], "rules": [
        {"code": "CS002", "retourcode": "0001", "location": "/Bericht/Client/Bsn",
         "explanation": reference().explain("CS002"), "remedy": reference().remedy("CS002")}]}
    assert stored(sessions) == 0
    # The same entries as the stored message's report; sent before, validatie answers what
    # was stored, as a replay.
    sent = client.post(URL, content=bad, headers=auth(parties["provider"]))
    assert client.get(sent.headers["location"], headers=auth(parties["provider"])).json()["rules"] == body["rules"]
    again = client.post(VALIDATIE, content=bad, headers=as_json(parties["provider"]))
    assert json_report(again, 422) == body
    assert again.headers["idempotent-replay"] == "true" and again.headers["location"] == sent.headers["location"]
    assert stored(sessions) == 1


def test_validatie_in_json_accepts_without_rules(client, parties, sessions):
    body = json_report(client.post(VALIDATIE, content=example("JW305"), headers=as_json(parties["provider"])), 202)
    assert body == {"accepted": True, "level": 0, "retourcodes": [], "rules": []}
    retour_json = client.post(VALIDATIE, content=example("JW302"), headers=as_json(parties["provider"]))
    # A retour too gets the report, not {"id", "status"}: this one answers no JW301 the
    # gateway sent, which the report says (AG003) without rejecting it.
    report = json_report(retour_json, 202)
    assert (report["accepted"], report["level"], report["retourcodes"]) == (True, 0, [])
    assert [rule["code"] for rule in report["rules"]] == ["AG003"]
    assert stored(sessions) == 0


def test_validatie_in_json_reports_level_3_and_level_4(client, parties):
    headers = as_json(parties["provider"])
    unknown = edit(example("JW305"), "<jw305:ToewijzingNummer>100001<", "<jw305:ToewijzingNummer>100009<")
    level3 = json_report(client.post(VALIDATIE, content=unknown, headers=headers), 422)
    assert (level3["accepted"], level3["level"]) == (False, 3)
    assert [(r["code"], r["retourcode"], r["location"]) for r in level3["rules"]] == [
        ("TR019", "9019", "/Bericht/Client/StartProducten/StartProduct")]
    assert level3["retourcodes"] == ["9019"]
    outside = edit(example("AGJ"), "<ijw:Code>45A01<", "<ijw:Code>99Z99<")
    level4 = json_report(client.post(VALIDATIE, content=outside, headers=headers), 422)
    assert (level4["accepted"], level4["level"]) == (False, 4)
    assert [r["code"] for r in level4["rules"]] == ["TR381"] and "S329" in level4["retourcodes"]
    # The retour XML carries the same codes.
    xml = client.post(VALIDATIE, content=outside, headers=auth(parties["provider"]))
    assert set(level4["retourcodes"]) <= {c for c in retour(xml).itertext() if c.strip()}


@pytest.mark.parametrize("accept, wants_json", [
    (None, False), ("application/xml", False), ("text/xml", False), ("*/*", False),
    ("application/json", True), ("application/json, application/xml;q=0.5", True),
    ("application/xml, application/json", False),  # a tie keeps the retour XML
    ("application/json;q=0", False), ("application/problem+json", False),
    # Weights outside 0..1 are no weights: such an entry counts as not acceptable.
    ("application/json;q=nan", False), ("application/json;q=inf, application/xml", False),
    ("application/json;q=2, application/xml;q=0.5", False),
])
def test_validatie_answers_json_only_when_asked_for(client, parties, accept, wants_json):
    headers = auth(parties["provider"]) | ({"Accept": accept} if accept else {})
    response = client.post(VALIDATIE, content=edit(example("JW305"), *BAD_BSN), headers=headers)
    assert response.status_code == 422
    if wants_json:
        assert json_report(response, 422)["retourcodes"] == ["0001"]
    else:  # the retour XML, as before
        assert codes_at(retour(response), "r:Header") == ["0001"]


def test_validatie_in_json_keeps_problem_json_before_the_rules_and_adds_the_report(client, parties):
    headers = as_json(parties["provider"])
    bad = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>99999432X</jw305:Bsn>")
    schema = client.post(VALIDATIE, content=bad, headers=headers)
    assert (schema.status_code, schema.headers["content-type"]) == (400, "application/problem+json")
    problem = schema.json()
    assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
    assert problem["errors"][0]["line"] == 19
    assert (problem["accepted"], problem["level"], problem["retourcodes"]) == (False, 1, [])
    [rule] = problem["rules"]
    assert (rule["code"], rule["retourcode"], rule["location"]) == ("XSD", None, problem["errors"][0]["path"])
    assert rule["explanation"] == f"{reference().explain('XSD')} ({problem['errors'][0]['message']})"
    assert rule["remedy"] == reference().remedy("XSD")
    not_xml = client.post(VALIDATIE, content=b"<x", headers=headers).json()
    assert [(r["code"], r["location"]) for r in not_xml["rules"]] == [("XSD", "/")]
    elsewhere = edit(example("JW305"), "<jw305:Ontvanger>0363<", "<jw305:Ontvanger>0599<")
    unknown = client.post(VALIDATIE, content=elsewhere, headers=headers)
    assert (unknown.status_code, unknown.headers["content-type"]) == (422, "application/problem+json")
    assert [(r["code"], r["remedy"]) for r in unknown.json()["rules"]] == [("ONTVANGER", reference().remedy("ONTVANGER"))]
    other = client.post(VALIDATIE, content=example("JW305"), headers=as_json(parties["other"]))
    assert other.status_code == 403 and [r["code"] for r in other.json()["rules"]] == ["AFZENDER"]
    sent = client.post(VALIDATIE, content=example("JW301"), headers=as_json(parties["gemeente"]))
    assert sent.status_code == 400 and [r["code"] for r in sent.json()["rules"]] == ["BERICHTSOORT"]


def test_openapi_describes_the_rule_report_fields(client):
    spec = client.get("/openapi.json").json()
    schemas_ = spec["components"]["schemas"]
    entry = schemas_["RegelPayload"]["properties"]
    assert set(entry) == set(ENTRY_KEYS) and entry["remedy"]["description"].startswith("Hoe op te lossen")
    validatie = spec["paths"][VALIDATIE]["post"]
    assert "Accept: application/json" in validatie["description"]
    for status in ("202", "422"):
        content = validatie["responses"][status]["content"]
        assert {"application/xml", "application/json"} <= content.keys()
        json_schema = content["application/json"]["schema"]
        # 202 with JSON is the report, or a JW302/JW320's retour JSON; 422 only the report.
        refs = [s["$ref"] for s in json_schema.get("anyOf", [json_schema])]
        assert refs[0].endswith("/ValidatiePayload")
        assert len(refs) == (2 if status == "202" else 1)
    assert set(schemas_["ValidatiePayload"]["properties"]) == {"accepted", "level", "retourcodes", "rules"}
    get = spec["paths"]["/api/v1/berichten/{bericht_id}"]["get"]["responses"]["200"]
    assert get["content"]["application/json"]["schema"]["$ref"].endswith("/BerichtPayload")


def test_openapi_describes_xml_bodies_and_bearer_auth(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/berichten"]["post"]["requestBody"]["content"]
    assert "application/xml" in body
    assert any(s.get("scheme") == "bearer" for s in spec["components"]["securitySchemes"].values())
