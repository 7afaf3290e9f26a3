"""The deadlines page (/termijnen): answers to requests, retours on our messages, missing
starts and stops, counted in Dutch werkdagen, most overdue first; masked BSNs, links to the
client page; nothing changed by the GET."""
from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gateway.clock import local_date
from gateway.db.models import Aanvraag, Base, Bericht, Client, PostbusItem, Toewijzing
from gateway.db.session import unit_of_work
from gateway.domain.levering import signalen
from gateway.model.werkdagen import add_werkdagen, is_werkdag, werkdagen_between
from gateway.readmodels.termijnen import stand
from gateway.web.documents import datum_nl
from tests.backoffice import login
from tests.integration.test_leveringen import ACCEPTED, send
from tests.regie import Start
from tests.route import besluit, fetch, post, postbus, request, retour_for, run_work
from tests.support import TODAY

X, Y, Z, W = "999994323", "999980919", "999900006", "999900018"
LATER = TODAY + timedelta(days=22)  # Tuesday 15 December 2026


def _agj(identificatie: str, referentie: str, bsn: str, *, geen_overeenstemming: bool = False) -> bytes:
    name = "AGJ-GEEN-OVEREENSTEMMING" if geen_overeenstemming else "AGJ"
    known = Y if geen_overeenstemming else X
    return request(name, identificatie, referentie, [(f"<agj:Bsn>{known}<", f"<agj:Bsn>{bsn}<")] if bsn != known else [])


def _section(html: str, anchor: str) -> str:
    """The part of the page from the heading with id `anchor` to the next heading."""
    start = html.index(f'id="{anchor}"')
    rest = html[start:]
    following = re.search(r"<h[23] id=", rest[10:])
    return rest[: following.start() + 10] if following else rest


def _rows(section: str) -> list[str]:
    body = section.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in section else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _client_ids(sessions) -> dict[str, int]:
    with sessions() as session:
        return {bsn: id_ for id_, bsn in session.execute(select(Client.id, Client.bsn))}


def _counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name != "sessie"}


@pytest.fixture
def situation(client, parties, sessions, published, app, move_clock, users):
    """Y's aanvraag waits for the CJG; W's too, put in onderzoek (answer due 8 weeks after its
    Dagtekening); X's is granted (JW301 left in the postbus, not
    fetched); Z's is granted and its JW301 rejected by the provider. Then the clock moves on
    three weeks."""
    assert post(client, parties["provider"], _agj("TRM-Y", "REF-TRM-Y", Y, geen_overeenstemming=True)).status_code == 202
    assert post(client, parties["provider"], _agj("TRM-W", "REF-TRM-W", W, geen_overeenstemming=True)).status_code == 202
    assert post(client, parties["provider"], _agj("TRM-X", "REF-TRM-X", X)).status_code == 202
    assert post(client, parties["provider"], _agj("TRM-Z", "REF-TRM-Z", Z)).status_code == 202
    run_work(app, published)
    items = postbus(client, parties["provider"])
    assert len(items) == 2
    with sessions() as session:
        by_bsn = {session.get(Bericht, i["id"]).bsn: i for i in items}
        aanvraag_w = session.scalar(select(Aanvraag.id).where(Aanvraag.bsn == W))
    rejected = fetch(client, parties["provider"], by_bsn[Z])
    assert post(client, parties["provider"], retour_for(rejected, ["0200", "8001"])).status_code == 202
    assert besluit(client, parties["gemeente"], aanvraag_w, {"besluit": "in_onderzoek"}).status_code == 202
    run_work(app, published)
    [jw319] = [i for i in postbus(client, parties["provider"]) if i["message"] == "JW319"]
    move_clock(LATER)
    return {"jw301_x": by_bsn[X]["id"], "jw301_z": by_bsn[Z]["id"], "jw319_w": jw319["id"]}


def _stored(sessions):
    """The terms as stored, so the expectations follow the gateway's own timestamps."""
    with sessions() as session:
        uiterlijk = dict(session.execute(select(Aanvraag.bsn, Aanvraag.antwoord_uiterlijk)).all())
        placed = {i.bericht_id: local_date(i.aangemaakt_op) for i in session.scalars(select(PostbusItem))}
        since = {t.bsn: max(t.ingangsdatum, local_date(t.aangemaakt_op)) for t in session.scalars(select(Toewijzing))}
    return uiterlijk, placed, since


def _overdue(due: date) -> str:
    return f"{datum_nl(due)}</td>\n      <td><span class=\"label fout\">{werkdagen_between(due, LATER)} werkdagen te laat"


def test_overdue_aanvragen_retours_and_missing_starts_in_werkdagen(client, sessions, situation):
    login(client, "marieke")
    response = client.get("/termijnen")
    assert response.status_code == 200, response.text
    html = response.text
    ids = _client_ids(sessions)
    uiterlijk, placed, since = _stored(sessions)

    # 1. Answers, most overdue first: W (in onderzoek, due 8 weeks after its Dagtekening of
    # 2 September: 28 October, 34 werkdagen before 15 December), then Y (5 werkdagen after it
    # came in).
    assert uiterlijk[W] == date(2026, 10, 28) and werkdagen_between(uiterlijk[W], LATER) == 34
    aanvragen = _rows(_section(html, "aanvragen"))
    assert len(aanvragen) == 2
    assert _overdue(uiterlijk[W]) in aanvragen[0] and "34 werkdagen te laat" in aanvragen[0]
    assert f'href="/clienten/{ids[W]}">*****0018</a>' in aanvragen[0] and "in onderzoek" in aanvragen[0]
    assert _overdue(uiterlijk[Y]) in aanvragen[1] and "te beoordelen" in aanvragen[1]
    assert f'href="/clienten/{ids[Y]}">*****0919</a>' in aanvragen[1]

    # 2. Retours: a JW302 on X's JW301 and a JW320 on W's JW319, 3 werkdagen after they were
    # put in the postbus.
    retours = _rows(_section(html, "retours"))
    assert len(retours) == 2
    [jw301] = [r for r in retours if f'href="/berichten/{situation["jw301_x"]}">JW302 op JW301' in r]
    assert _overdue(add_werkdagen(placed[situation["jw301_x"]], 3)) in jw301 and "nog niet opgehaald" in jw301
    assert f'href="/clienten/{ids[X]}">*****4323</a>' in jw301
    [jw319] = [r for r in retours if f'href="/berichten/{situation["jw319_w"]}">JW320 op JW319' in r]
    assert _overdue(add_werkdagen(placed[situation["jw319_w"]], 3)) in jw319
    [afgekeurd] = _rows(_section(html, "afgekeurd"))
    assert f'href="/berichten/{situation["jw301_z"]}"' in afgekeurd and "8001" in afgekeurd
    assert f'href="/clienten/{ids[Z]}"' in afgekeurd

    # 3. Missing starts: X's and Z's toewijzingen (Ingangsdatum 15 September, sent now) have
    # no start: 10 werkdagen after they were sent they are a signal.
    starts = _rows(_section(html, "starts-stops"))
    assert len(starts) == 2
    by_id = {str(v): k for k, v in ids.items()}
    shown = {by_id[re.search(r'href="/clienten/(\d+)"', row).group(1)]: row for row in starts}
    assert set(shown) == {X, Z}
    for bsn, row in shown.items():
        assert "Start op toewijzing" in row and "geen start" in row
        assert _overdue(add_werkdagen(since[bsn], 10)) in row

    # BSNs masked everywhere; no URL carries one.
    for bsn in (X, Y, Z, W):
        assert bsn not in html


def test_signals_replace_the_waiting_rows_and_a_start_closes_them(client, parties, sessions, situation):
    with unit_of_work(sessions) as session:
        assert signalen.periodic(session, LATER) == 2  # X and Z: geen_start
        nummer_x = session.scalar(select(Toewijzing.nummer).where(Toewijzing.bsn == X))
    login(client, "marieke")
    starts = _rows(_section(client.get("/termijnen").text, "starts-stops"))
    assert len(starts) == 2  # the signals, not the toewijzingen a second time
    assert all("signaal: Geen start gemeld" in row and "werkdagen te laat" in row for row in starts)

    # X's provider reports the start of 24 November only now (OP271: within 5 werkdagen):
    # X's row goes, and the late report is listed.
    assert send(client, parties, Start(nummer=str(nummer_x), begindatum="2026-11-24"),
                dagtekening="2026-12-14") == ACCEPTED
    html = client.get("/termijnen").text
    [left] = _rows(_section(html, "starts-stops"))
    assert f'href="/clienten/{_client_ids(sessions)[Z]}"' in left
    [late] = _rows(_section(html, "te-laat"))
    assert "Start te laat gemeld" in late and "OP271" in late and "*****4323" in late


def test_care_past_the_einddatum_without_a_stop(client, parties, sessions, move_clock, users, toewijzing_100001):
    assert send(client, parties, Start(begindatum="2026-09-21")) == ACCEPTED
    with unit_of_work(sessions) as session:
        session.get(Toewijzing, session.scalar(select(Toewijzing.id).where(Toewijzing.nummer == 100001))) \
            .einddatum = date(2026, 11, 30)
    move_clock(LATER)
    login(client, "marieke")
    [row] = _rows(_section(client.get("/termijnen").text, "starts-stops"))
    # The stop was due 5 werkdagen after 30 November: 7 December, 6 werkdagen ago.
    assert "Stop op toewijzing 100001" in row and "7 december 2026" in row and "6 werkdagen te laat" in row
    assert "geen stop" in row and "30 november 2026" in row


def test_terms_not_yet_passed_count_down(client, parties, sessions, published, app, users):
    assert post(client, parties["provider"], _agj("TRM-Y2", "REF-TRM-Y2", Y, geen_overeenstemming=True)).status_code == 202
    run_work(app, published)
    login(client, "marieke")
    [row] = _rows(_section(client.get("/termijnen").text, "aanvragen"))
    uiterlijk, _, _ = _stored(sessions)
    assert datum_nl(uiterlijk[Y]) in row and f"nog {stand(TODAY, uiterlijk[Y])} werkdagen" in row
    assert stand(date(2026, 11, 23), date(2026, 11, 30)) == 5  # received Monday 23 November


def test_the_page_changes_nothing_and_is_for_cjg(client, sessions, situation):
    login(client, "marieke")
    before = _counts(sessions)
    assert client.get("/termijnen").status_code == 200
    assert _counts(sessions) == before
    login(client, "fenna")
    assert client.get("/termijnen").status_code == 403
    login(client, "beheer")
    assert client.get("/termijnen").status_code == 200
    client.cookies.clear()
    assert client.get("/termijnen", follow_redirects=False).status_code == 303


def test_empty_page(client, users):
    login(client, "marieke")
    html = client.get("/termijnen").text
    assert "Er wacht geen aanvraag op antwoord." in html and "Er ontbreekt geen start of stop." in html


def test_werkdagen_count_matches_the_day_by_day_count():
    rng = random.Random(7)
    for _ in range(300):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1500))
        end = start + timedelta(days=rng.randrange(-10, 800))
        by_day = sum(is_werkdag(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
        assert werkdagen_between(start, end) == by_day, (start, end)
    assert stand(date(2026, 11, 23), date(2950, 1, 1)) > 0  # outside the holiday calendar: no error
    assert stand(date(2026, 12, 24), date(2026, 12, 24)) == 0
    assert stand(date(2026, 12, 24), date(2026, 12, 28)) == 1  # Christmas and Boxing Day, a weekend
    assert stand(date(2026, 12, 28), date(2026, 12, 24)) == -1
