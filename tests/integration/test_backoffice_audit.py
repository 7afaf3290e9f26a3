"""The access log page /audit and its CSV export (administrators only). That the table itself
refuses UPDATE and DELETE is tested in test_backoffice_auth.py."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.db.models import AuditRegel
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.web import audit as audit_page
from tests.backoffice import login

MOMENT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
_TEST_OBJECT = re.compile(r"<td>test (\w+)</td>")


def add_entries(sessions, *entries: dict) -> list[int]:
    """Access-log entries written directly (as the other pages' views would); returns ids."""
    with unit_of_work(sessions) as session:
        return [audit.record(session, **{"gebruiker": "tester", "actie": audit.BEKIJKEN, "now": MOMENT, **e}).id
                for e in entries]


def shown(html: str) -> list[str]:
    """The object ids of the `test` entries on the page, in page order."""
    return _TEST_OBJECT.findall(html)


def test_admin_sees_entries_of_other_users_newest_first_with_links(client, users, sessions):
    login(client, "marieke")  # the log-in itself is an entry
    add_entries(sessions,
                {"gebruiker": "marieke", "object_type": "bericht", "object_id": 41, "client_id": 7,
                 "adres": "10.1.2.3", "now": MOMENT},
                {"gebruiker": "marieke", "object_type": "client", "object_id": 7, "client_id": 7,
                 "now": MOMENT + timedelta(minutes=1)},
                {"gebruiker": "marieke", "actie": audit.BESLUITEN, "object_type": "aanvraag", "object_id": 12,
                 "client_id": 7, "now": MOMENT + timedelta(minutes=2)},
                {"gebruiker": "marieke", "object_type": "beschikking", "object_id": 3, "client_id": 7,
                 "now": MOMENT + timedelta(minutes=3)})
    login(client, "beheer")
    page = client.get("/audit")
    assert page.status_code == 200
    html = page.text
    assert '<a href="/berichten/41">bericht 41</a>' in html
    assert '<a href="/clienten/7">client 7</a>' in html
    assert '<a href="/aanvragen/12">aanvraag 12</a>' in html
    assert '<a href="/beschikkingen/3">beschikking 3</a>' in html
    assert '<a href="/clienten/7">7</a>' in html  # the client column
    assert "20 november 2026, 10:00" in html  # Dutch time (UTC+1 in November)
    assert "10.1.2.3" in html and "Besluit genomen" in html and "Ingelogd" in html
    # Newest first: beheer's log-in, then the beschikking view, ..., the bericht view last.
    positions = [html.index(s) for s in ("beschikking 3", "aanvraag 12", "client 7</a>", "bericht 41")]
    assert positions == sorted(positions)
    with sessions() as session:  # viewing the page is not itself logged
        assert session.scalar(select(AuditRegel).where(AuditRegel.gebruiker == "beheer",
                                                       AuditRegel.actie != audit.INLOGGEN)) is None


def test_an_object_without_a_page_is_shown_without_a_link(client, users, sessions):
    add_entries(sessions, {"object_type": "toegangslog"}, {"object_type": "bericht", "object_id": "abc"})
    login(client, "beheer")
    html = client.get("/audit").text
    assert "<td>toegangslog</td>" in html
    assert "<td>bericht abc</td>" in html


def test_filters_user_action_client(client, users, sessions):
    add_entries(sessions,
                {"object_type": "test", "object_id": "a", "gebruiker": "anna", "client_id": 1},
                {"object_type": "test", "object_id": "b", "gebruiker": "bert", "client_id": 1,
                 "actie": audit.BESLUITEN},
                {"object_type": "test", "object_id": "c", "gebruiker": "anna", "client_id": 2,
                 "actie": audit.BESLUITEN})
    login(client, "beheer")
    assert shown(client.get("/audit").text) == ["c", "b", "a"]
    assert shown(client.get("/audit?gebruiker=anna").text) == ["c", "a"]
    assert shown(client.get("/audit?gebruiker=Anna").text) == ["c", "a"]  # names are lower case
    assert shown(client.get("/audit?actie=besluiten").text) == ["c", "b"]
    assert shown(client.get("/audit?client=1").text) == ["b", "a"]
    combined = client.get("/audit?gebruiker=anna&actie=besluiten&client=2")
    assert shown(combined.text) == ["c"]
    assert '<option value="besluiten" selected>' in combined.text and 'value="anna"' in combined.text
    assert shown(client.get("/audit?gebruiker=niemand").text) == []


def test_the_action_filter_offers_every_action_of_the_log(client, users):
    login(client, "beheer")
    html = client.get("/audit").text
    for actie in (audit.BEKIJKEN, audit.BESLUITEN, audit.AANVRAAG_INGEVOERD, audit.INLOGGEN,
                  audit.INLOGGEN_MISLUKT, audit.UITLOGGEN, audit.EXPORTEREN, audit.TOKEN_AANGEMAAKT,
                  audit.TOKEN_INGETROKKEN):
        assert f'<option value="{actie}"' in html
        assert actie in audit_page.LABELS


@pytest.mark.parametrize(("utc", "van", "tot", "inside"), [
    # Winter (UTC+1): 23 November Dutch time is 22 Nov 23:00 UTC up to 23 Nov 23:00 UTC.
    (datetime(2026, 11, 22, 22, 59), "2026-11-23", "2026-11-23", False),
    (datetime(2026, 11, 22, 23, 0), "2026-11-23", "2026-11-23", True),
    (datetime(2026, 11, 23, 22, 59), "2026-11-23", "2026-11-23", True),
    (datetime(2026, 11, 23, 23, 0), "2026-11-23", "2026-11-23", False),
    # Summer (UTC+2): 1 July Dutch time ends at 1 July 22:00 UTC.
    (datetime(2026, 7, 1, 21, 59), "", "2026-07-01", True),
    (datetime(2026, 7, 1, 22, 0), "", "2026-07-01", False),
    (datetime(2026, 6, 30, 22, 0), "2026-07-01", "", True),
    (datetime(2026, 6, 30, 21, 59), "2026-07-01", "", False),
])
def test_period_is_inclusive_in_dutch_time(client, users, sessions, utc, van, tot, inside):
    add_entries(sessions, {"object_type": "test", "object_id": "x", "now": utc.replace(tzinfo=UTC)})
    login(client, "beheer")
    page = client.get("/audit", params={"van": van, "tot": tot})
    assert page.status_code == 200
    assert shown(page.text) == (["x"] if inside else [])


@pytest.mark.parametrize(("params", "veld", "melding"), [
    ({"van": "23-13-2026"}, "van", "geldige datum"),
    ({"tot": "2026-02-30"}, "tot", "geldige datum"),
    ({"tot": "0001-01-01"}, "tot", "geldige datum"),
    ({"van": "2026-11-23", "tot": "2026-11-01"}, "tot", "vóór de begindatum"),
    ({"client": "999994323x"}, "client", "interne cliëntnummer"),
    ({"client": "-1"}, "client", "interne cliëntnummer"),
    ({"actie": "verwijderen"}, "actie", "Kies een actie"),
    ({"gebruiker": "x" * 65}, "gebruiker", "hoogstens 64"),
])
def test_invalid_filters_show_the_page_again_with_400_and_the_error_beside_the_field(
        client, users, sessions, params, veld, melding):
    add_entries(sessions, {"object_type": "test", "object_id": "x"})
    login(client, "beheer")
    page = client.get("/audit", params=params)
    assert page.status_code == 400
    html = page.text
    assert f'id="fout-{veld}"' in html and melding in html
    assert f'aria-describedby="fout-{veld}"' in html
    assert shown(html) == []  # no results under a filter that was not understood
    for name, value in params.items():
        if name != "actie":
            assert f'value="{value}"' in html  # what was typed stays in the form
    assert client.get("/audit.csv", params=params).status_code == 400


def test_invalid_page_marker_is_400(client, users):
    login(client, "beheer")
    page = client.get("/audit?voor=abc")
    assert page.status_code == 400 and "Deze pagina bestaat niet" in page.text


def test_keyset_pagination_100_per_page_newest_first(client, users, sessions):
    ids = add_entries(sessions, *({"object_type": "test", "object_id": str(i), "now": MOMENT + timedelta(seconds=i)}
                                  for i in range(250)))
    login(client, "beheer")
    seen: list[str] = []
    url = "/audit?gebruiker=tester"
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        pages += 1
        on_page = shown(page.text)
        assert len(on_page) == (100 if pages < 3 else 50)
        seen += on_page
        match = re.search(r'<a href="([^"]+)">Oudere regels</a>', page.text)
        url = match.group(1).replace("&amp;", "&") if match else None
        if url:
            assert "gebruiker=tester" in url and "voor=" in url  # the filters stay on
    assert pages == 3
    assert seen == [str(i) for i in reversed(range(250))]
    second = client.get(f"/audit?gebruiker=tester&voor={ids[150]}")
    assert shown(second.text)[:2] == ["149", "148"]
    assert "Nieuwste regels" in second.text


def test_exactly_100_entries_has_no_next_page(client, users, sessions):
    add_entries(sessions, *({"object_type": "test", "object_id": str(i)} for i in range(100)))
    login(client, "beheer")
    page = client.get("/audit?gebruiker=tester")
    assert len(shown(page.text)) == 100 and "Oudere regels" not in page.text


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def test_csv_export_has_header_and_entries_and_is_logged(client, users, sessions, monkeypatch):
    monkeypatch.setattr(audit_page, "EXPORT_BATCH", 7)  # several batches, streamed
    ids = add_entries(sessions, *({"object_type": "test", "object_id": str(i), "client_id": i % 3 or None,
                                   "adres": "192.0.2.1", "now": MOMENT + timedelta(seconds=i)}
                                  for i in range(20)))
    login(client, "beheer")
    response = client.get("/audit.csv?gebruiker=tester")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="toegangslog-20261123.csv"'
    rows = read_csv(response)
    assert rows[0] == list(audit.CSV_KOLOMMEN)
    assert [int(r[0]) for r in rows[1:]] == list(reversed(ids))
    last = dict(zip(rows[0], rows[1], strict=True))
    assert last == {"id": str(ids[19]), "tijdstip": "2026-11-20T09:00:19+00:00", "gebruiker": "tester",
                    "actie": "bekijken", "object_type": "test", "object_id": "19", "client_id": "1",
                    "adres": "192.0.2.1"}
    assert dict(zip(rows[0], rows[-1], strict=True))["client_id"] == ""  # 0 % 3: no client
    with sessions() as session:
        [export] = session.scalars(select(AuditRegel).where(AuditRegel.actie == audit.EXPORTEREN)).all()
    assert export.gebruiker == "beheer" and export.object_type == "toegangslog"
    assert export.adres == "testclient"
    # Without filters the export holds everything older than itself, log-ins included; a
    # second export shows the first.
    everything = read_csv(client.get("/audit.csv"))
    acties = [r[3] for r in everything[1:]]
    assert acties.count("bekijken") == 20 and "inloggen" in acties and acties[0] == "exporteren"


def test_csv_export_applies_the_filters(client, users, sessions):
    add_entries(sessions, {"object_type": "test", "object_id": "a", "client_id": 5},
                {"object_type": "test", "object_id": "b", "client_id": 6})
    login(client, "beheer")
    rows = read_csv(client.get("/audit.csv?client=6"))
    assert [r[5] for r in rows[1:]] == ["b"]
    assert read_csv(client.get("/audit.csv?tot=2026-11-19")) == [list(audit.CSV_KOLOMMEN)]


@pytest.mark.parametrize("username", ["marieke", "fenna"])
def test_cjg_and_finance_may_not_open_the_log_or_parties(client, users, sessions, username):
    login(client, username)
    for path in ("/audit", "/audit.csv", "/audit?gebruiker=beheer", "/partijen"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Geen toegang" in response.text
    with sessions() as session:
        assert session.scalar(select(AuditRegel).where(AuditRegel.actie == audit.EXPORTEREN)) is None


def test_audit_needs_a_session(client, users):
    for path in ("/audit", "/audit.csv", "/partijen"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
