"""Start and end of care through the API: every allowed sequence, every rejection with its own
retourcode and the stored deliveries left as they were, JW306/JW308 against our XSDs,
signals and the trajectory. SQLite, and PostgreSQL with GATEWAY_TEST_DATABASE_URL."""
from __future__ import annotations

from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select

from gateway.db.models import Signaal, Zorglevering
from gateway.domain.levering import signalen
from gateway.messages import BY_NAME
from gateway.xml.view import ParsedMessage
from tests.regie import Start, Stop, message
from tests.route import json_auth, post
from tests.support import schemas

pytestmark = pytest.mark.usefixtures("toewijzing_100001")


def send(client, parties, *classes, **kw):
    answer = post(client, parties["provider"], message(*classes, **kw))
    retour = etree.fromstring(answer.content)
    # Every JW306/JW308 passes our own XSD (also checked when it is made; here independently).
    name = "JW308" if isinstance(classes[0], Stop) else "JW306"
    assert schemas().for_message(name).is_valid(etree.ElementTree(retour)), answer.text
    return answer.status_code, class_codes(retour, name)


def class_codes(retour, name: str) -> list[list[str]]:
    view = ParsedMessage(etree.ElementTree(retour), BY_NAME[name])
    path = "m:Client/m:StopProducten/m:StopProduct" if name == "JW308" else "m:Client/m:StartProducten/m:StartProduct"
    header = [e.text for e in view.findall("m:Header/m:RetourCodes/m:RetourCode")]
    if header == ["0001"]:
        return [["0001"]]
    return [[e.text for e in view.findall("m:RetourCodes/m:RetourCode", c)] for c in view.findall(path)]


def stored(sessions) -> set:
    """Current starts and their current stops, as (begindatum, ((reden, einddatum), ...))."""
    with sessions() as session:
        return {(s.begindatum.isoformat(), tuple(sorted((x.reden, x.einddatum.isoformat())
                                                        for x in s.stops if x.actief_sleutel)))
                for s in session.scalars(select(Zorglevering).where(Zorglevering.actief_sleutel.is_not(None)))}


ACCEPTED = (202, [])


def test_start_then_stop(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Stop()) == ACCEPTED
    assert stored(sessions) == {("2026-09-21", (("31", "2026-10-30"),))}


def test_start_temporary_stop_then_definitive_stop_on_the_same_day(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Stop(reden="20", einddatum="2026-10-09")) == ACCEPTED
    assert send(client, parties, Stop(reden="31", einddatum="2026-10-09")) == ACCEPTED
    assert stored(sessions) == {("2026-09-21", (("20", "2026-10-09"), ("31", "2026-10-09")))}


def test_start_stop_start_again(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Stop(reden="20", einddatum="2026-10-09")) == ACCEPTED
    assert send(client, parties, Start(begindatum="2026-10-19")) == ACCEPTED
    assert len(stored(sessions)) == 2


def test_start_deleted_and_sent_again(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Start(status="3")) == ACCEPTED
    assert stored(sessions) == set()
    assert send(client, parties, Start()) == ACCEPTED
    assert stored(sessions) == {("2026-09-21", ())}


def test_key_correction_delete_and_new_in_one_message(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    # The Begindatum was wrong: a key element, so delete and new may share a message (IV008).
    assert send(client, parties, Start(status="3"), Start(begindatum="2026-09-22")) == (202, [])
    assert stored(sessions) == {("2026-09-22", ())}


def test_non_key_correction_needs_two_messages_delete_first(client, parties, sessions):
    assert send(client, parties, Start(ingangsdatum="2026-09-16")) == ACCEPTED
    # Same key twice in one message: TR101 (level 2), whole message rejected.
    assert send(client, parties, Start(status="3", ingangsdatum="2026-09-16"), Start()) == (422, [["0001"]])
    assert send(client, parties, Start(status="3", ingangsdatum="2026-09-16")) == ACCEPTED
    assert send(client, parties, Start()) == ACCEPTED
    with sessions() as session:
        assert session.scalar(select(Zorglevering.toewijzing_ingangsdatum)
                              .where(Zorglevering.actief_sleutel.is_not(None))) == date(2026, 9, 15)


@pytest.mark.parametrize("history, rejected, codes", [
    ([], Stop(), ["9069"]),                                                    # stop without start
    ([Start()], Start(), ["9074"]),                                            # double start
    ([Start()], Start(begindatum="2026-10-05"), ["9326"]),                     # current not stopped
    ([], Start(status="3"), ["9063"]),                                         # delete what is not there
    ([Start(), Stop()], Start(status="3"), ["9071"]),                          # delete a stopped start
    ([Start(), Stop(reden="20")], Stop(reden="20", einddatum="2026-11-02"), ["9413"]),
    ([Start(), Stop(reden="20", einddatum="2026-10-30")], Stop(einddatum="2026-10-15"), ["9414"]),
    ([Start(), Stop()], Stop(reden="34", einddatum="2026-11-02"), ["9415"]),
    ([Start(), Stop()], Stop(), ["9074", "9415"]),                             # the same stop again
    ([Start()], Stop(status="3"), ["9063"]),                                   # delete a stop not there
    ([Start()], Stop(begindatum="2026-09-22"), ["9069"]),                      # wrong key
    ([], Start(nummer="999999"), ["9019"]),                                    # unknown toewijzing
    ([], Start(code="45A02"), ["9019"]),                                       # not the toewijzing's product
    ([], Start(nummer=None), ["9019"]),                                        # no number, not taakgericht
    ([Start()], Stop(einddatum="2026-09-20"), ["0001"]),                       # end before begin (TR018)
    ([], Start(begindatum="2026-11-21"), ["0001"]),                            # after the Dagtekening (TR134)
])
def test_rejections_have_their_own_code_and_change_nothing(client, parties, sessions, history, rejected, codes):
    for earlier in history:
        assert send(client, parties, earlier) == ACCEPTED, earlier
    before = stored(sessions)
    assert send(client, parties, rejected) == (422, [codes])
    assert stored(sessions) == before


def test_one_failing_class_rejects_the_message_and_the_others_get_0200(client, parties, sessions):
    status, codes = send(client, parties, Start(), Start(begindatum="2026-10-05", nummer="999999"))
    assert (status, codes) == (422, [["0200"], ["9019"]])
    assert stored(sessions) == set()


def test_signals_for_late_reports_and_a_start_before_the_toewijzing(client, parties, sessions):
    # Received 2026-11-23 (the app's day): start 2026-09-14 is late and before the Ingangsdatum.
    assert send(client, parties, Start(begindatum="2026-09-14")) == ACCEPTED
    assert send(client, parties, Stop(begindatum="2026-09-14", einddatum="2026-11-20")) == ACCEPTED
    assert send(client, parties, Stop(begindatum="2026-09-14", reden="31", einddatum="2026-11-20",
                                      status="3")) == ACCEPTED
    items = client.get("/api/v1/signalen", headers=json_auth(parties["gemeente"])).json()["items"]
    assert sorted(i["soort"] for i in items) == ["start_te_laat", "start_voor_toewijzing"]
    assert items[0]["aanbieder"] == "12345678"
    mine = client.get("/api/v1/signalen", headers=json_auth(parties["provider"])).json()["items"]
    assert len(mine) == 2
    assert client.get("/api/v1/signalen", headers=json_auth(parties["other"])).json()["items"] == []


def test_no_signals_for_corrections_or_a_definitive_stop_after_a_temporary_one(client, parties, sessions):
    assert send(client, parties, Start(begindatum="2026-11-18")) == ACCEPTED
    assert send(client, parties, Start(begindatum="2026-11-18", status="3"), Start(begindatum="2026-11-19")) \
        == ACCEPTED
    assert send(client, parties, Stop(begindatum="2026-11-19", reden="20", einddatum="2026-11-20")) == ACCEPTED
    assert send(client, parties, Stop(begindatum="2026-11-19", reden="31", einddatum="2026-11-20")) == ACCEPTED
    with sessions() as session:
        assert list(session.scalars(select(Signaal.soort))) == []


def test_the_order_of_a_delete_and_its_correction_in_one_message_does_not_matter(client, parties, sessions):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Start(begindatum="2026-09-22"), Start(status="3")) == ACCEPTED
    assert stored(sessions) == {("2026-09-22", ())}
    assert send(client, parties, Stop(begindatum="2026-09-22", einddatum="2026-10-28")) == ACCEPTED
    fixed = send(client, parties, Stop(begindatum="2026-09-22", einddatum="2026-10-30"),
                 Stop(begindatum="2026-09-22", einddatum="2026-10-28", status="3"))
    assert fixed == ACCEPTED
    assert stored(sessions) == {("2026-09-22", (("31", "2026-10-30"),))}


def test_a_stop_with_an_unknown_number_is_9019_only(client, parties):
    assert send(client, parties, Start()) == ACCEPTED
    assert send(client, parties, Stop(nummer="999999")) == (422, [["9019"]])


def test_periodic_signals_no_start_and_care_past_the_end(client, parties, sessions):
    with sessions() as session:
        assert signalen.periodic(session, date(2026, 9, 29)) == 0  # 10 werkdagen not yet passed
        assert signalen.periodic(session, date(2026, 9, 30)) == 1
        assert signalen.periodic(session, date(2026, 10, 30)) == 0  # once
        session.commit()
    assert send(client, parties, Start()) == ACCEPTED
    with sessions() as session:
        # The toewijzing ends Sunday 2027-03-14; a stop may take 5 werkdagen to come (OP272).
        assert signalen.periodic(session, date(2027, 3, 19)) == 0
        assert signalen.periodic(session, date(2027, 3, 20)) == 1
        session.commit()
        kinds = sorted(session.scalars(select(Signaal.soort)))
    assert kinds == ["geen_start", "start_te_laat", "zorg_na_einddatum"]  # received 2026-11-23

