"""Every message the gateway sends, of every type, in its main shapes, produced through the
real route (the API, the published work run as a worker would, the CJG's decisions), passes
our own XSD and level-2 rules; and what happens when the self-check ever refuses one.

The route runs once for the module; the messages are collected from the HTTP answers
(retours, JW325, the validatie's answers) and from the stored outbound rows (richting "uit":
JW301, JW319, JW325), and each is checked as a provider's software would read it: parsed
from its bytes by `gateway.rules.check.check_message`.
"""
from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from gateway.db import append_only
from gateway.db.models import (
    Aanvraag,
    Base,
    Bericht,
    Declaratie,
    Outbox,
    PostbusItem,
    Prestatie,
    Zorglevering,
)
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.domain.aanvraag import toewijzingen
from gateway.intake import answers, handlers
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.messages import BY_NAMESPACE, SENT
from gateway.rules.check import check_message
from gateway.settings import Settings
from tests.conftest import AGB, GEMEENTE, auth
from tests.integration.test_declaraties import jw323, prestatie
from tests.regie import Start, Stop, message
from tests.route import aanvragen, besluit, fetch, json_auth, post, postbus, request, run_work, texts
from tests.support import TODAY, edit, example, reference, schemas

BSN = "999994323"  # the AGJ's, JW305's, JW317's and JW323's client
OTHER_BSN = "123456782"  # passes the 11-proef, not a client at our provider
BAD_BSN = "123456789"  # fails the 11-proef (CS002): level 2

# The shapes each type must be seen in (see `shape`).
RETOUR_SHAPES = {"accepted", "header 0001", "echo"}
MAIN_SHAPES = {
    "JW301": {"initieel", "RedenWijziging 12", "RedenWijziging 13"},
    "JW319": {"VerzoekAntwoord 1, reden 3", "VerzoekAntwoord 1, reden 8, woonplaatsbeginsel",
              "VerzoekAntwoord 2"},
    "JW325": {"antwoord 8001", "antwoord 0200, clienten", "antwoord 9333", "header 0001"},
    "JW306": RETOUR_SHAPES | {"header 9056"},
    "JW308": RETOUR_SHAPES,
    "JW316": RETOUR_SHAPES,
    "JW318": RETOUR_SHAPES,
    "AGR": RETOUR_SHAPES,
}


@dataclass(frozen=True)
class Produced:
    source: str  # where it was found: "POST /api/v1/berichten", "bericht 12 (uit)", ...
    body: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    @property
    def name(self) -> str:
        return BY_NAMESPACE[etree.QName(self.root).namespace].name

    @property
    def shape(self) -> str:
        return shape(self.root)


def shape(root: etree._Element) -> str:
    """A short name for the form of an outbound message, e.g. "echo" or "antwoord 8001"."""
    message = BY_NAMESPACE[etree.QName(root).namespace]
    ns = {"m": message.namespace, "ijw": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"}
    values = lambda path: [e.text for e in root.xpath(path, namespaces=ns)]
    header = values("m:Header/m:RetourCodes/m:RetourCode")
    if message.is_retour:
        if not header:
            return "accepted"
        return f"header {','.join(header)}" if len(root) == 1 else "echo"
    if message.name == "JW301":
        reden = sorted(set(values("//m:ToegewezenProduct/m:RedenWijziging")))
        return f"RedenWijziging {','.join(reden)}" if reden else "initieel"
    if message.name == "JW319":
        parts = [f"VerzoekAntwoord {values('m:Antwoord/m:VerzoekAntwoord')[0]}"]
        parts += [f"reden {r}" for r in values("m:Antwoord/m:RedenAfwijzingVerzoek")]
        parts += ["woonplaatsbeginsel"] * len(values("m:Antwoord/m:Woonplaatsbeginsel/m:Gemeente"))
        return ", ".join(parts)
    if message.name == "JW325":
        if not root.xpath("m:DeclaratieAntwoord", namespaces=ns):
            return f"header {','.join(header)}"
        codes = values("m:DeclaratieAntwoord/m:RetourCodes/m:RetourCode")
        clienten = ", clienten" if root.xpath("m:DeclaratieAntwoord/m:Clienten", namespaces=ns) else ""
        return f"antwoord {','.join(codes)}{clienten}"
    raise AssertionError(f"no shape for {message.name}")


class Route:
    """The API as providers and the gemeente use it, with the published work run in-process
    as a worker would; every XML answer is kept."""

    def __init__(self, client: TestClient, app, published: list[int], tokens: dict[str, str]):
        self.client, self.app, self.published, self.tokens = client, app, published, tokens
        self.answers: list[Produced] = []

    def post(self, xml: bytes, status: int, url: str = "/api/v1/berichten"):
        answer = self.client.post(url, content=xml, headers=auth(self.tokens["provider"]))
        assert answer.status_code == status, answer.text
        if answer.headers["content-type"].startswith("application/xml"):
            self.answers.append(Produced(f"POST {url}", answer.content))
        return answer

    def work(self) -> None:
        assert "failed" not in run_work(self.app, self.published)

    def decide(self, body: dict, soort: str) -> None:
        [aanvraag] = [a for a in aanvragen(self.client, self.tokens["gemeente"])
                      if a["soort"] == soort and a["status"] in ("te_beoordelen", "in_onderzoek")]
        answer = besluit(self.client, self.tokens["gemeente"], aanvraag["id"], body)
        assert answer.status_code == 202, answer.text
        self.work()

    def newest(self, message_type: str) -> etree._Element:
        items = [i for i in postbus(self.client, self.tokens["provider"]) if i["message"] == message_type]
        return fetch(self.client, self.tokens["provider"], items[-1])


def _with_bsn(xml: bytes, prefix: str, bsn: str = BAD_BSN) -> bytes:
    return edit(xml, f"<{prefix}:Bsn>{BSN}</{prefix}:Bsn>", f"<{prefix}:Bsn>{bsn}</{prefix}:Bsn>")


def _vow_deleting(identificatie: str, nummer: str, ongewijzigd: str) -> bytes:
    """A JW317 that changes the Omvang of `nummer` from its own Ingangsdatum on (so the old
    assignment is deleted, RedenWijziging 13, and a new one granted) and keeps `ongewijzigd`."""
    verzoek = ("<jw317:Verzoek><jw317:ReferentieAanbieder>VB-REF-0005</jw317:ReferentieAanbieder>"
               "<jw317:RedenVerzoek>2</jw317:RedenVerzoek>"
               f"<jw317:OngewijzigdeProducten><jw317:OngewijzigdProduct><jw317:ToewijzingNummer>{ongewijzigd}"
               "</jw317:ToewijzingNummer></jw317:OngewijzigdProduct></jw317:OngewijzigdeProducten>"
               f"<jw317:TeWijzigenProducten><jw317:TeWijzigenProduct><jw317:ToewijzingNummer>{nummer}"
               "</jw317:ToewijzingNummer><jw317:GewensteIngangsdatum>2026-09-15</jw317:GewensteIngangsdatum>"
               "<jw317:Einddatum>2027-03-14</jw317:Einddatum><jw317:Omvang><ijw:Volume>6</ijw:Volume>"
               "<ijw:Eenheid>04</ijw:Eenheid><ijw:Frequentie>2</ijw:Frequentie></jw317:Omvang>"
               "</jw317:TeWijzigenProduct></jw317:TeWijzigenProducten></jw317:Verzoek>")
    xml = request("JW317", identificatie).decode()
    xml = re.sub(r"<jw317:Verzoek>.*</jw317:Verzoek>", verzoek, xml, flags=re.S)
    return xml.encode()


def drive(route: Route) -> None:
    """Every outbound type in its main shapes, in an order the rules accept."""
    # AGJ → AGR (accepted) → automatic grant → JW301 (initial); AGR 0001; AGR echo (TR347)
    route.post(request("AGJ", "S-AGJ1"), 202)
    route.work()
    [nummer] = texts(route.newest("JW301"), "//jw301:ToewijzingNummer")
    route.post(_with_bsn(request("AGJ", "S-AGJ2"), "agj"), 422)
    route.post(request("AGJ", "S-AGJ3"), 422)  # VB-REF-0001 again: 9347 on the product

    # JW305 → JW306: accepted, 0001, echo (unknown toewijzing), Header code (identificatie again)
    start = message(Start(nummer=nummer, ingangsdatum="2026-09-15", begindatum="2026-09-21"))
    route.post(start, 202, url="/api/v1/validatie")
    route.post(start, 202)
    route.post(_with_bsn(message(Start(nummer=nummer)), "jw305"), 422)
    route.post(message(Start(nummer="999999")), 422)
    route.post(edit(start, "<jw305:Begindatum>2026-09-21<", "<jw305:Begindatum>2026-09-22<"), 422)

    # JW323 → JW325: all approved (8001), partly (a line and a client rejected), level 2
    # (0001), the DeclaratieNummer used before (9333)
    oktober = [prestatie("OKT1", nummer=int(nummer))]
    route.post(jw323(oktober, nummer="D1", identificatie="S-D1"), 202)
    september = {BSN: [prestatie("SEP1", nummer=int(nummer), begin="2026-09-15", eind="2026-09-30", volume=8),
                       prestatie("SEP2", nummer=999999, begin="2026-09-15", eind="2026-09-30", volume=8)],
                 OTHER_BSN: [prestatie("SEP3", nummer=int(nummer), begin="2026-09-15", eind="2026-09-30",
                                       volume=8)]}
    route.post(jw323([], nummer="D2", identificatie="S-D2", periode=("2026-09-01", "2026-09-30"),
                     clients=september), 202)
    route.post(jw323(oktober, nummer="D3", identificatie="S-D3", periode=("2026-10-01", "2026-10-30")), 422)
    route.post(jw323([prestatie("AUG1", nummer=int(nummer), begin="2026-08-01", eind="2026-08-31")],
                     nummer="D1", identificatie="S-D4", periode=("2026-08-01", "2026-08-31")), 422)
    route.post(jw323(oktober, nummer="D5", identificatie="S-D5"), 422, url="/api/v1/validatie")

    # JW307 → JW308: accepted, 0001, echo (unknown toewijzing)
    route.post(message(Stop(nummer=nummer, begindatum="2026-09-21", reden="20", einddatum="2026-10-30")), 202)
    route.post(_with_bsn(message(Stop(nummer=nummer)), "jw307"), 422)
    route.post(message(Stop(nummer="999999")), 422)

    # JW315 → JW316 (accepted) → in onderzoek (JW319 2) → afgewezen (JW319 1, reden 3);
    # a second one afgewezen on the woonplaatsbeginsel; JW316 0001 and echo (TR347)
    jw315_bsn = "999980919"
    route.post(request("JW315", "S-JW3151"), 202)
    route.work()
    route.decide({"besluit": "in_onderzoek"}, "JW315")
    route.decide({"besluit": "afwijzen", "reden_afwijzing": "3"}, "JW315")
    route.post(request("JW315", "S-JW3152", "VB-REF-0006"), 202)
    route.work()
    route.decide({"besluit": "afwijzen", "reden_afwijzing": "8", "woonplaatsbeginsel": "0599"}, "JW315")
    route.post(edit(request("JW315", "S-JW3153", "VB-REF-0007"), f"<jw315:Bsn>{jw315_bsn}<",
                    f"<jw315:Bsn>{BAD_BSN}<"), 422)
    route.post(request("JW315", "S-JW3154"), 422)  # VB-REF-0003 again: 9347

    # JW317 → JW318 (accepted) → granted: JW301 with RedenWijziging 12 (extended) and a new
    # assignment; a second VOW changes the Omvang from the start: RedenWijziging 13 (deleted)
    # plus a new one; JW318 0001 and echo (a toewijzing that is not the client's: 9349)
    vow = request("JW317", "S-JW3171", edits=[("<jw317:ToewijzingNummer>100001<",
                                                f"<jw317:ToewijzingNummer>{nummer}<")])
    route.post(vow, 202)
    route.work()
    route.decide({"besluit": "toekennen"}, "JW317")
    numbers = texts(route.newest("JW301"), "//jw301:ToewijzingNummer")
    route.post(_vow_deleting("S-JW3172", nummer, ongewijzigd=numbers[1]), 202)
    route.work()
    route.decide({"besluit": "toekennen"}, "JW317")
    route.post(_with_bsn(request("JW317", "S-JW3173"), "jw317"), 422)
    route.post(request("JW317", "S-JW3174", "VB-REF-0008"), 422)  # names 100001: not this client's


def _clean(engine) -> None:
    with engine.begin() as connection, append_only.without_guard(connection):
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="module")
def produced(database_url) -> list[Produced]:
    """The route, run once for this module on its own app; every outbound message it made."""
    engine = make_engine(database_url)
    published: list[int] = []
    app = create_app(Settings(database_url=database_url), publish=published.extend)
    try:
        with TestClient(app) as client:
            with unit_of_work(make_sessionmaker(engine)) as session:
                tokens = {"provider": add_party(session, soort="aanbieder", code=AGB, naam="Zorg BV")[1],
                          "gemeente": add_party(session, soort="gemeente", code=GEMEENTE, naam="Amsterdam")[1]}
            route = Route(client, app, published, tokens)
            drive(route)
        with make_sessionmaker(engine)() as session:
            stored = [Produced(f"bericht {row.id} (uit)", row.inhoud)
                      for row in session.scalars(select(Bericht).where(Bericht.richting == "uit")
                                                 .order_by(Bericht.id))]
        return route.answers + stored
    finally:
        _clean(engine)
        engine.dispose()


def test_every_outbound_message_passes_our_xsd_and_level_2_rules(produced):
    refused = []
    for item in produced:
        result = check_message(item.body, schemas=schemas(), reference=reference(), today=TODAY,
                               max_level=2)
        if not result.accepted:
            refused.append((item.source, item.name, item.shape, result.rule_codes,
                            [e.message for e in result.schema_errors]))
    assert not refused, refused
    assert len(produced) >= 30  # the route really ran (see drive)


def test_the_route_produced_every_outbound_type_in_its_main_shapes(produced):
    seen: dict[str, set[str]] = defaultdict(set)
    for item in produced:
        seen[item.name].add(item.shape)
    # A new outbound type in gateway.messages without a case here fails this test.
    assert set(seen) == set(SENT) == set(MAIN_SHAPES)
    missing = {name: shapes - seen[name] for name, shapes in MAIN_SHAPES.items() if shapes - seen[name]}
    assert not missing, (missing, dict(seen))


def test_the_stored_outbound_rows_are_the_bytes_the_provider_fetches(produced):
    stored = [p for p in produced if p.source.endswith("(uit)")]
    assert {p.name for p in stored} == {"JW301", "JW319", "JW325"}
    answered = {p.body for p in produced if p.source.startswith("POST /api/v1/berichten")}
    # A JW325 is the HTTP answer and the postbus message at once: the same bytes.
    assert {p.body for p in stored if p.name == "JW325"} <= answered


# -- when the self-check refuses ------------------------------------------------------------------
LONG_IDENTIFICATIE = "R" * 13  # LDT_IdentificatieBericht allows 12: our XSD refuses it


def _broken_retours(monkeypatch) -> None:
    """Every retour the intake renders carries an IdentificatieRetour our XSD refuses."""
    real = answers.render_retour

    def render(*args, **kwargs):
        tree = real(*args, **kwargs)
        tree.getroot().find("{*}Header/{*}IdentificatieRetour").text = LONG_IDENTIFICATIE
        return tree

    monkeypatch.setattr(answers, "render_retour", render)


def _count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _refused_by_the_self_check(answer, message: str) -> dict:
    assert answer.status_code == 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith(":eigen-controle") and problem["status"] == 500
    assert problem["message"] == message and LONG_IDENTIFICATIE not in answer.text
    return problem


def _report_says_self_check(client, parties, answer) -> None:
    """The stored message's rule report says why it is "rejected": our own answer failed."""
    stored = client.get(answer.headers["location"], headers=auth(parties["provider"])).json()
    assert stored["status"] == "rejected"
    assert [r["code"] for r in stored["rules"]][-1:] == ["EIGENCONTROLE"], stored["rules"]
    assert LONG_IDENTIFICATIE not in json.dumps(stored)


def _self_check_logged(caplog, message: str) -> None:
    [line] = [r for r in caplog.records if r.name == "gateway.intake" and r.levelno == logging.ERROR]
    assert message in line.getMessage() and "XSD" in line.getMessage()
    for secret in (BSN, LONG_IDENTIFICATIE):  # no personal data, no values from the message
        assert secret not in caplog.text


@pytest.mark.parametrize("name, retour", [("JW305", "JW306"), ("AGJ", "AGR")])
def test_a_retour_the_self_check_refuses_is_a_500_and_the_message_stays_stored_unprocessed(
        client, parties, toewijzing_100001, sessions, monkeypatch, caplog, name, retour):
    caplog.set_level(logging.INFO)
    _broken_retours(monkeypatch)
    xml = example(name)
    answer = post(client, parties["provider"], xml)
    problem = _refused_by_the_self_check(answer, retour)
    assert "opgeslagen, maar niet verwerkt" in problem["detail"]
    _self_check_logged(caplog, retour)
    with sessions() as session:
        [row] = session.scalars(select(Bericht)).all()
        assert (row.richting, row.berichttype, row.inhoud, row.antwoord_status) == ("in", name, xml, 500)
        assert row.status == "rejected" and row.uniek_sleutel is None  # not taken in
    assert answer.headers["location"] == f"/api/v1/berichten/{row.id}"
    _report_says_self_check(client, parties, answer)
    # Nothing of it was carried out: no start recorded, no aanvraag, no work.
    assert _count(sessions, Zorglevering) == _count(sessions, Aanvraag) == _count(sessions, Outbox) == 0
    # The same bytes again get the same answer (replay); once the fault is gone, the message
    # with its BerichtIdentificatie is taken in (it was not, so TR056 does not apply).
    again = post(client, parties["provider"], xml)
    assert (again.status_code, again.content) == (500, answer.content)
    monkeypatch.undo()
    resent = post(client, parties["provider"], xml + b"\n")  # other bytes, same identificatie
    assert resent.status_code == 202, resent.text


def test_a_jw325_the_self_check_refuses_books_nothing_and_keeps_the_declaration(
        client, parties, toewijzing_100001, sessions, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    real = handlers.render_jw325

    def render(*args, **kwargs):
        tree = real(*args, **kwargs)
        tree.getroot().find("{*}Header/{*}DeclaratieIdentificatie/{*}Identificatie").text = LONG_IDENTIFICATIE
        return tree

    monkeypatch.setattr(handlers, "render_jw325", render)
    xml = jw323([prestatie()], nummer="D1", identificatie="F-D1")
    answer = post(client, parties["provider"], xml)
    _refused_by_the_self_check(answer, "JW325")
    _self_check_logged(caplog, "JW325")
    _report_says_self_check(client, parties, answer)
    with sessions() as session:
        [row] = session.scalars(select(Bericht)).all()
        assert (row.richting, row.berichttype, row.inhoud, row.status) == ("in", "JW323", xml, "rejected")
        assert row.uniek_sleutel is None
    assert _count(sessions, Declaratie) == _count(sessions, Prestatie) == _count(sessions, PostbusItem) == 0
    # Not booked, so its DeclaratieNummer and identificatie are free once the fault is gone.
    monkeypatch.undo()
    assert post(client, parties["provider"], xml + b"\n").status_code == 202  # not a replay
    assert _count(sessions, Declaratie) == 1


def test_validatie_refused_by_the_self_check_is_a_500_and_stores_nothing(
        client, parties, toewijzing_100001, sessions, monkeypatch, caplog):
    _broken_retours(monkeypatch)
    answer = client.post("/api/v1/validatie", content=example("JW305"), headers=auth(parties["provider"]))
    assert "niets opgeslagen" in _refused_by_the_self_check(answer, "JW306")["detail"]
    # With Accept: application/json the same 500, its report naming the refusal.
    as_json = client.post("/api/v1/validatie", content=example("JW305"),
                          headers={**auth(parties["provider"]), "Accept": "application/json"})
    problem = _refused_by_the_self_check(as_json, "JW306")
    assert (problem["accepted"], [r["code"] for r in problem["rules"]]) == (False, ["EIGENCONTROLE"])
    assert _count(sessions, Bericht) == 0


def test_a_jw301_the_self_check_refuses_is_never_stored_and_the_grant_goes_to_the_cjg(
        client, parties, published, app, sessions, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    real = toewijzingen.render_jw301

    def render(*args, **kwargs):
        tree = real(*args, **kwargs)
        tree.getroot().find("{*}Client/{*}Bsn").text = BAD_BSN  # CS002
        return tree

    monkeypatch.setattr(toewijzingen, "render_jw301", render)
    assert post(client, parties["provider"], request("AGJ", "F-AGJ1")).status_code == 202
    assert run_work(app, published) == ["done"]
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert aanvraag["status"] == "te_beoordelen"  # the automatic grant could not be carried out
    assert _count(sessions, Bericht, Bericht.richting == "uit") == 0
    assert postbus(client, parties["provider"]) == []
    # The CJG's own decision is refused before anything is recorded (422, not a stuck 202).
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"})
    assert answer.status_code == 422 and "CS002 /Bericht/Client/Bsn" in answer.json()["detail"]
    assert BAD_BSN not in answer.text and BSN not in caplog.text
    detail = client.get(aanvraag["href"], headers=json_auth(parties["gemeente"])).json()
    assert detail["status"] == "te_beoordelen" and detail["beschikking"] is None
