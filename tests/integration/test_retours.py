"""A provider's retour (JW302 on our JW301, JW320 on our JW319) is never lost: it is stored and
applied to what it answers whatever its own rules say, one that answers nothing is marked,
a later one is kept and changes nothing (design.md §5, §7; facts §3). The JW301 and JW319 come
through the real route. SQLite, and PostgreSQL with GATEWAY_TEST_DATABASE_URL."""
from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from gateway.db.models import Bericht, Bevinding, PostbusItem, Toewijzing
from tests.backoffice import login
from tests.conftest import auth
from tests.route import (
    aanvragen,
    besluit,
    echo_retour_for,
    fetch,
    json_auth,
    post,
    postbus,
    request,
    retour_for,
    run_work,
)
from tests.support import edit, example

BAD_BSN = ("<jw302:Bsn>999994323</jw302:Bsn>", "<jw302:Bsn>123456789</jw302:Bsn>")  # fails the 11-proef
VALIDATIE = "/api/v1/validatie"
THREADS = 6
NOT_MATCHED = "Niet gekoppeld: dit retourbericht beantwoordt geen bericht dat de gateway aan deze aanbieder heeft verstuurd"


def _jw301(client, parties, published, app, identificatie: str = "RET-AGJ1"):
    """An AGJ granted automatically: its JW301, fetched from the provider's postbus."""
    assert post(client, parties["provider"], request("AGJ", identificatie)).status_code == 202
    assert run_work(app, published) == ["done"]
    [item] = postbus(client, parties["provider"])
    return item, fetch(client, parties["provider"], item)


def _jw319(client, parties, published, app):
    """An AGJ the CJG rejects: its JW319, fetched from the provider's postbus."""
    post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "RET-AGJ2"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert besluit(client, parties["gemeente"], aanvraag["id"],
                   {"besluit": "afwijzen", "reden_afwijzing": "7"}).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    assert item["message"] == "JW319"
    return item, fetch(client, parties["provider"], item)


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    rest = page[start:]
    following = re.search(r"<h[23] id=", rest[10:])
    return rest[: following.start() + 10] if following else rest


def _rows(client, anchor: str) -> list[str]:
    """The body rows of a list on the deadlines page."""
    section = _section(client.get("/termijnen").text, anchor)
    body = section.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in section else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _page(client, bericht_id: int) -> str:
    response = client.get(f"/berichten/{bericht_id}")
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def _without_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "id"}


def test_a_jw302_whose_echo_breaks_cs002_is_recorded_and_rejects_the_jw301(client, parties, published, app,
                                                                          sessions, users):
    item, jw301 = _jw301(client, parties, published, app)
    xml = echo_retour_for(jw301, {"ToegewezenProduct": "9332"}, [BAD_BSN])
    # Validatie first: the verdict and report the message will get, and nothing changes.
    checked = client.post(VALIDATIE, content=xml, headers=auth(parties["provider"]))
    assert checked.status_code == 202 and checked.json()["id"] is None
    assert postbus(client, parties["provider"], "opgehaald")[0]["id"] == item["id"]

    answer = post(client, parties["provider"], xml)
    assert answer.status_code == 202, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert answer.headers["location"] == f"/api/v1/berichten/{body['id']}"
    assert (body["status"], body["message"], body["level"]) == ("rejected", "JW302", 2)
    [rule] = body["rules"]
    assert (rule["code"], rule["retourcode"], rule["location"]) == ("CS002", "0001", "/Bericht/Client/Bsn")
    assert "elfproef" in rule["explanation"]
    assert body["answers"] == {"message": "JW301", "identificatie": item_identificatie(sessions, item),
                               "matched": True, "postbus_id": item["id"], "postbus_status": "afgekeurd",
                               "effect": "recorded"}
    assert _without_id(checked.json()) == _without_id(body)

    # Applied to the JW301 as any retour with error codes: afgekeurd, flagged for the CJG, and
    # its toewijzing marked for the next JW301 (a rejected JW301 counts as not sent, OP286).
    assert [i["id"] for i in postbus(client, parties["provider"], "afgekeurd")] == [item["id"]]
    with sessions() as session:
        stored = session.get(PostbusItem, item["id"])
        assert (stored.retour_bericht_id, stored.aandacht_cjg, stored.retourcodes) == (body["id"], True,
                                                                                       ["0200", "9332"])
        assert session.scalar(select(Toewijzing.gewijzigd)) is True
        row = session.get(Bericht, body["id"])
        assert (row.status, row.niveau, row.retourcodes) == ("rejected", 2, ["0001"])
        assert session.scalars(select(Bevinding.code).where(Bevinding.bericht_id == row.id)).all() == ["CS002"]

    shown = client.get(answer.headers["location"], headers=json_auth(parties["provider"])).json()
    assert (shown["status"], shown["level"], [r["code"] for r in shown["rules"]]) == ("rejected", 2, ["CS002"])
    assert shown["rules"] == body["rules"]
    assert shown["answers"] == body["answers"]
    assert shown["links"]["answers"] == f"/api/v1/postbus/{item['id']}"

    login(client, "marieke")
    page = _page(client, body["id"])
    assert "CS002" in page and "/Bericht/Client/Bsn" in page
    assert f'<a href="/berichten/{item["id"]}">JW301 {item["id"]}</a>' in page
    assert "De eerste retour op dit bericht: deze bepaalt de status in de postbus." in page
    assert "afgekeurd door de aanbieder" in page
    [afgekeurd] = _rows(client, "afgekeurd")
    assert f'href="/berichten/{item["id"]}"' in afgekeurd and "9332" in afgekeurd

    # The same bytes again: the first answer, byte for byte, and nothing applied twice.
    again = post(client, parties["provider"], xml)
    assert (again.status_code, again.content, again.headers["location"]) == (202, answer.content,
                                                                             answer.headers["location"])
    assert again.headers["idempotent-replay"] == "true"


def item_identificatie(sessions, item: dict) -> str:
    with sessions() as session:
        return session.get(Bericht, item["id"]).identificatie


def test_a_confirming_jw302_whose_echo_breaks_cs002_still_confirms_the_jw301(client, parties, published, app):
    # Every echoed class 0200 and no other code: no error code, so the JW301 is confirmed
    # (the postbus rule: only codes besides 0200/0233 reject), though the echo breaks CS002.
    item, jw301 = _jw301(client, parties, published, app)
    answer = post(client, parties["provider"], echo_retour_for(jw301, edits=[BAD_BSN]))
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["status"], [r["code"] for r in body["rules"]]) == ("rejected", ["CS002"])
    assert (body["answers"]["postbus_status"], body["answers"]["effect"]) == ("bevestigd", "recorded")
    assert [i["id"] for i in postbus(client, parties["provider"], "bevestigd")] == [item["id"]]


def test_a_jw320_with_a_code_marks_the_jw319_afgekeurd(client, parties, published, app, users):
    item, jw319 = _jw319(client, parties, published, app)
    xml = echo_retour_for(jw319, {"Antwoord": "9355"})
    checked = client.post(VALIDATIE, content=xml, headers=auth(parties["provider"]))
    answer = post(client, parties["provider"], xml)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["status"], body["message"], body["level"], body["rules"]) == ("accepted", "JW320", 0, [])
    assert body["answers"]["message"] == "JW319" and body["answers"]["postbus_status"] == "afgekeurd"
    assert (body["answers"]["postbus_id"], body["answers"]["effect"]) == (item["id"], "recorded")
    assert _without_id(checked.json()) == _without_id(body)
    assert [i["id"] for i in postbus(client, parties["provider"], "afgekeurd")] == [item["id"]]
    login(client, "marieke")
    [afgekeurd] = _rows(client, "afgekeurd")
    assert f'href="/berichten/{item["id"]}"' in afgekeurd and "9355" in afgekeurd
    assert f'<a href="/berichten/{item["id"]}">JW319 {item["id"]}</a>' in _page(client, body["id"])


def _unmatched(client, parties, published, app) -> dict:
    """Retours that answer nothing the gateway sent to provider 12345678: a JW302 on a JW301
    the gateway never sent; a JW302 copying a JW301 sent to another provider (addressed to
    the caller, as it must be); a JW320 copying this provider's JW301 (no JW319 has that
    identificatie). Returns them with the ids of the two JW301s."""
    own, jw301 = _jw301(client, parties, published, app)
    other_agj = edit(request("AGJ", "RET-ANDER"), "<agj:Afzender>12345678<", "<agj:Afzender>87654321<")
    assert post(client, parties["other"], other_agj).status_code == 202, "AGJ of the other provider"
    run_work(app, published)
    [for_other] = postbus(client, parties["other"])
    # retour_for copies Identificatie and Dagtekening; its Ontvanger stays 12345678, the caller.
    retour_to_other = retour_for(fetch(client, parties["other"], for_other))
    assert b"<jw302:Ontvanger>12345678<" in retour_to_other
    jw320 = retour_for(jw301).replace(b"jw302", b"jw320").replace(b"<jw320:BerichtCode>437<",
                                                                 b"<jw320:BerichtCode>489<")
    return {"never sent": example("JW302"), "sent to another": retour_to_other, "JW320": jw320}, \
        (own["id"], for_other["id"])


def test_a_retour_that_answers_nothing_is_stored_marked_and_shown(client, parties, published, app, sessions,
                                                                users):
    cases, (own_item, other_item) = _unmatched(client, parties, published, app)
    ids = {}
    for name, xml in cases.items():
        checked = client.post(VALIDATIE, content=xml, headers=auth(parties["provider"]))
        answer = post(client, parties["provider"], xml)
        assert answer.status_code == 202, (name, answer.text)
        body = answer.json()
        ids[name] = body["id"]
        assert body["status"] == "accepted", name  # no rule of the standard fails: the mark says it
        [rule] = body["rules"]
        assert (rule["code"], rule["retourcode"]) == ("AG003", None), name
        assert rule["location"] == "/Bericht/Header/BerichtIdentificatie/Identificatie"
        assert rule["explanation"].startswith(NOT_MATCHED) and "gemeente 0363 aan 12345678" in rule["explanation"]
        assert body["answers"]["matched"] is False and body["answers"]["effect"] == "unmatched", name
        assert (body["answers"]["postbus_id"], body["answers"]["postbus_status"]) == (None, None)
        assert _without_id(checked.json()) == _without_id(body), name
        shown = client.get(answer.headers["location"], headers=json_auth(parties["provider"])).json()
        assert shown["answers"] == body["answers"] and shown["rules"] == body["rules"], name
        assert "answers" not in shown["links"]
        # Replay: the first answer again.
        again = post(client, parties["provider"], xml)
        assert again.content == answer.content and again.headers["idempotent-replay"] == "true"
    jw320 = client.get(f"/api/v1/berichten/{ids['JW320']}", headers=json_auth(parties["provider"])).json()
    assert (jw320["message"], jw320["answers"]["message"]) == ("JW320", "JW319")
    # Both JW301s are untouched; the retours are stored as sent.
    assert [i["id"] for i in postbus(client, parties["provider"], "opgehaald")] == [own_item]
    assert [i["id"] for i in postbus(client, parties["other"], "opgehaald")] == [other_item]
    with sessions() as session:
        assert {session.get(Bericht, i).status for i in ids.values()} == {"accepted"}
        assert session.get(Bericht, ids["never sent"]).inhoud == cases["never sent"]
        niveaus = session.scalars(select(Bevinding.niveau).where(Bevinding.code == "AG003")).all()
        assert niveaus == [3, 3, 3]

    login(client, "marieke")
    for name, bericht_id in ids.items():
        page = _page(client, bericht_id)
        assert NOT_MATCHED in page and "AG003" in page, name
        assert "van gemeente 0363 aan aanbieder 12345678" in page
    rows = _rows(client, "retours-aandacht")
    assert len(rows) == 3
    for bericht_id in ids.values():
        [row] = [r for r in rows if f'href="/berichten/{bericht_id}"' in r]
        assert "niet gekoppeld" in row


def test_a_second_retour_is_kept_shown_and_changes_nothing(client, parties, published, app, sessions, users):
    item, jw301 = _jw301(client, parties, published, app)
    first = post(client, parties["provider"], retour_for(jw301))
    assert first.json()["answers"]["effect"] == "recorded" and first.json()["rules"] == []
    # A later retour that rejects what the first confirmed: kept, the status stays, the CJG looks.
    contradicting = retour_for(jw301, ["0200", "9332"])
    checked = client.post(VALIDATIE, content=contradicting, headers=auth(parties["provider"]))
    second = post(client, parties["provider"], contradicting)
    assert second.status_code == 202, second.text
    body = second.json()
    assert body["status"] == "accepted"
    assert body["answers"] == {**first.json()["answers"], "effect": "conflict"}
    assert body["answers"]["postbus_status"] == "bevestigd"
    [rule] = body["rules"]
    assert (rule["code"], rule["retourcode"]) == ("AG004", None)
    assert "blijft bevestigd" in rule["explanation"]
    assert _without_id(checked.json()) == _without_id(body)
    # The same answer as the first, in other bytes (its own IdentificatieRetour): a repeat.
    repeat = post(client, parties["provider"], edit(retour_for(jw301), "VBJW3020001", "VBJW3020002"))
    assert (repeat.json()["answers"]["effect"], [r["code"] for r in repeat.json()["rules"]]) == ("repeat", ["AG004"])
    assert [i["id"] for i in postbus(client, parties["provider"], "bevestigd")] == [item["id"]]
    with sessions() as session:
        stored = session.get(PostbusItem, item["id"])
        assert (stored.retour_bericht_id, stored.retourcodes, stored.aandacht_cjg) == (first.json()["id"], [], False)
        assert session.scalar(select(Toewijzing.gewijzigd)) is False  # the later rejection resends nothing

    login(client, "marieke")
    page = _page(client, body["id"])
    assert "Een latere retour die iets anders zegt dan de eerste." in page and "AG004" in page
    outbound = _page(client, item["id"])
    for retour in (first, second, repeat):
        assert f'data-bericht="{retour.json()["id"]}"' in outbound
    assert "latere retour die de eerste tegenspreekt, telt niet mee" in outbound
    assert "latere retour, telt niet mee" in outbound
    rows = _rows(client, "retours-aandacht")
    assert len(rows) == 1 and f'href="/berichten/{body["id"]}"' in rows[0] and "tegenstrijdig" in rows[0]


def test_retours_at_once_on_one_message_count_once(client, parties, published, app, sessions):
    """Different retours on one JW301 at the same moment: the conditional update lets exactly
    one set the postbus status; every other is stored and told it came later."""
    item, jw301 = _jw301(client, parties, published, app)
    bodies = [edit(retour_for(jw301, ["0200", "9332"] if n % 2 else []), "VBJW3020001", f"VBJW30200{n:02d}")
              for n in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda body: post(client, parties["provider"], body), bodies))
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    results = [a.json() for a in answers]  # in the order of `bodies`
    [n_winner] = [n for n, r in enumerate(results) if r["answers"]["effect"] == "recorded"]
    winner = results[n_winner]
    status = winner["answers"]["postbus_status"]
    assert status == ("afgekeurd" if n_winner % 2 else "bevestigd")
    for n, r in enumerate(results):
        assert r["answers"]["postbus_status"] == status
        if n != n_winner:  # even and odd bodies differ in their codes
            assert r["answers"]["effect"] == ("repeat" if n % 2 == n_winner % 2 else "conflict"), n
    with sessions() as session:
        stored = session.get(PostbusItem, item["id"])
        assert (stored.status, stored.retour_bericht_id) == (status, winner["id"])
        assert session.scalar(select(func.count()).select_from(Bericht).where(Bericht.berichttype == "JW302")) \
            == THREADS
