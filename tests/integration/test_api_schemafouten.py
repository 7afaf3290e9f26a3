"""A level-1 rejection of POST /api/v1/berichten through the API: 400 problem+json whose
`errors` carry the line, the path, the Dutch message and libxml2's original (design.md §5,
§7); the same Dutch text in the rule report and on the back office's message page."""
from __future__ import annotations

import html

from tests.backoffice import login
from tests.conftest import auth
from tests.support import edit, example, reference

URL = "/api/v1/berichten"
DATUM = ("<ijw:Datum>2018-02-22<", "<ijw:Datum>22-02-2018<")
DUTCH_DATE = ("Datum: de waarde '22-02-2018' is geen geldige datum; schrijf een datum als JJJJ-MM-DD, "
              "bijvoorbeeld 2026-09-22, zonder tijdzone.")


def test_a_schema_error_answers_in_dutch_with_line_path_and_the_original(client, parties):
    response = client.post(URL, content=edit(example("JW305"), *DATUM), headers=auth(parties["provider"]))
    assert (response.status_code, response.headers["content-type"]) == (400, "application/problem+json")
    [error] = response.json()["errors"]
    assert error == {
        "line": 21,
        "path": "/jw305:Bericht/jw305:Client/jw305:Geboortedatum/ijw:Datum",
        "message": DUTCH_DATE,
        "original": "Element '{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}Datum': '22-02-2018' is not a "
                    "valid value of the atomic type '{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}LDT_Datum'.",
    }
    report = client.get(response.headers["location"], headers=auth(parties["provider"])).json()
    assert report["rules"][0]["explanation"] == f"{reference().explain('XSD')} ({DUTCH_DATE})"


def test_an_unknown_namespace_answers_with_the_expected_one(client, parties):
    body = edit(example("JW305"), 'xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/jw305/schema"',
                'xmlns:jw305="http://www.istandaarden.nl/ijw/3_1/jw305/schema"')
    response = client.post(URL, content=body, headers=auth(parties["provider"]))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"].endswith("een JW305 (BerichtCode 438) heeft als namespace "
                                     "http://www.istandaarden.nl/ijw/3_2/jw305/schema.")
    assert (error["line"], error["path"], error["original"]) == (2, "/", None)


def test_not_well_formed_xml_answers_in_dutch_with_the_original(client, parties):
    response = client.post(URL, content=b"<Bericht><open></Bericht>", headers=auth(parties["provider"]))
    assert response.status_code == 400
    problem = response.json()
    [error] = problem["errors"]
    assert error["message"] == problem["detail"] == (
        "geen goedgevormde XML: de openingstag <open> (regel 1) wordt afgesloten met </Bericht>; elke tag moet "
        "worden afgesloten met zijn eigen naam")
    assert error["original"].startswith("Opening and ending tag mismatch: open line 1 and Bericht")


def test_the_message_page_shows_the_dutch_text_and_the_original(client, parties, users):
    response = client.post(URL, content=edit(example("JW305"), *DATUM), headers=auth(parties["provider"]))
    login(client, "marieke")
    page = client.get(response.headers["location"].replace("/api/v1", ""))
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert f"Melding: {DUTCH_DATE}" in text
    assert "is not a valid value of the atomic type" in text  # the stored answer, with the original
