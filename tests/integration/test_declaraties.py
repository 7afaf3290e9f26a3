"""Declarations (JW323) answered with a JW325: level 2 rejects the whole message, levels 3/4
reject single prestaties (partial processing), approved ones are booked."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.db.models import (
    Bericht,
    Declaratie,
    PostbusItem,
    Prestatie,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.session import unit_of_work
from tests.conftest import AGB, GEMEENTE, auth
from tests.route import fetch, post, postbus
from tests.support import FIXTURES, check, edit, schemas

BSN = "999994323"
OTHER_BSN = "123456782"  # passes the elfproef, no toewijzing at our provider
FIXTURE = FIXTURES / "berichten" / "JW323-declaratie.xml"
FIXTURE_NS = "http://www.istandaarden.nl/ijw/3_2/jw323/schema"
X = {"jw325": "http://www.istandaarden.nl/ijw/3_2/jw325/schema",
     "ijw": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"}


def prestatie(referentie="P2026100001", *, nummer=100001, categorie="45", code="45A01",
              begin="2026-10-01", eind="2026-10-31", volume=16, eenheid="04", tarief=9800,
              bedrag=None, dc="D", vorige=None) -> dict:
    return dict(referentie=referentie, nummer=nummer, categorie=categorie, code=code, begin=begin,
                eind=eind, volume=volume, eenheid=eenheid, tarief=tarief,
                bedrag=volume * (tarief or 9800) if bedrag is None else bedrag, dc=dc, vorige=vorige)


def jw323(prestaties: list[dict], *, nummer="D1", identificatie="DECL1", periode=("2026-10-01", "2026-10-31"),
          bsn=BSN, clients: dict[str, list[dict]] | None = None, dagtekening="2026-11-05",
          totaal: int | None = None) -> bytes:
    """The fixture's Header and Declaratie with these clients/prestaties; the Header's
    Dagtekening must lie on or after the DeclaratiePeriode's end (TR137). TotaalIngediendBedrag
    is the signed sum of the lines unless given."""
    clients = clients or {bsn: prestaties}
    total = sum(p["bedrag"] * (-1 if p["dc"] == "C" else 1) for ps in clients.values() for p in ps)
    total = total if totaal is None else totaal
    blocks = []
    for client_bsn, ps in clients.items():
        lines = "".join(_prestatie_xml(p) for p in ps)
        blocks.append(f"<jw323:Client><jw323:Bsn>{client_bsn}</jw323:Bsn><jw323:Prestaties>{lines}"
                      "</jw323:Prestaties></jw323:Client>")
    xml = FIXTURE.read_text("utf-8")
    head = xml[:xml.index("<jw323:Declaratie>")]
    head = head.replace("VBJW3230001", identificatie).replace("2026-11-05", dagtekening)
    body = (f"<jw323:Declaratie><jw323:DeclaratieNummer>{nummer}</jw323:DeclaratieNummer>"
            f"<jw323:DeclaratiePeriode><ijw:Begindatum>{periode[0]}</ijw:Begindatum>"
            f"<ijw:Einddatum>{periode[1]}</ijw:Einddatum></jw323:DeclaratiePeriode>"
            "<jw323:DeclaratieDagtekening>2026-11-05</jw323:DeclaratieDagtekening>"
            f"<jw323:TotaalIngediendBedrag><ijw:TotaalBedrag>{abs(total)}</ijw:TotaalBedrag>"
            f"<ijw:DebetCredit>{'C' if total < 0 else 'D'}</ijw:DebetCredit></jw323:TotaalIngediendBedrag>"
            f"<jw323:Clienten>{''.join(blocks)}</jw323:Clienten></jw323:Declaratie></jw323:Bericht>")
    return (head + body).encode("utf-8")


def _prestatie_xml(p: dict) -> str:
    vorige = f"<ijw:VorigReferentieNummer>{p['vorige']}</ijw:VorigReferentieNummer>" if p["vorige"] else ""
    tarief = f"<jw323:ProductTarief>{p['tarief']}</jw323:ProductTarief>" if p["tarief"] is not None else ""
    return (f"<jw323:Prestatie><jw323:ProductReferentie><ijw:ReferentieNummer>{p['referentie']}"
            f"</ijw:ReferentieNummer>{vorige}</jw323:ProductReferentie>"
            f"<jw323:ToewijzingNummer>{p['nummer']}</jw323:ToewijzingNummer>"
            f"<jw323:ProductCategorie>{p['categorie']}</jw323:ProductCategorie>"
            f"<jw323:ProductCode>{p['code']}</jw323:ProductCode>"
            f"<jw323:ProductPeriode><ijw:Begindatum>{p['begin']}</ijw:Begindatum>"
            f"<ijw:Einddatum>{p['eind']}</ijw:Einddatum></jw323:ProductPeriode>"
            f"<jw323:GeleverdVolume>{p['volume']}</jw323:GeleverdVolume>"
            f"<jw323:Eenheid>{p['eenheid']}</jw323:Eenheid>{tarief}"
            f"<jw323:IngediendBedrag><ijw:Bedrag>{p['bedrag']}</ijw:Bedrag>"
            f"<ijw:DebetCredit>{p['dc']}</ijw:DebetCredit></jw323:IngediendBedrag></jw323:Prestatie>")


def add_toewijzing(sessions, nummer: int, *, bsn=BSN, code="45A01", volume=4, eenheid="04",
                   frequentie="2", budget=None, reden=None, ingang=date(2026, 9, 15),
                   eind=date(2027, 3, 14)) -> None:
    with unit_of_work(sessions) as session:
        session.add(Toewijzing(gemeente=GEMEENTE, nummer=nummer, aanbieder=AGB, bsn=bsn, categorie="45",
                               code=code, ingangsdatum=ingang, einddatum=eind, volume=volume,
                               eenheid=eenheid, frequentie=frequentie, budget=budget,
                               reden_wijziging=reden, toewijzingsdatum=date(2026, 9, 8),
                               toewijzingstijd="10:15:00", gewijzigd=False,
                               aangemaakt_op=datetime(2026, 9, 8, 8, 15, tzinfo=UTC)))


def parse(answer) -> etree._Element:
    """The JW325 of the answer, which passes our XSD and our JW325 rules (as the provider's
    XSLT checks it)."""
    assert answer.headers["content-type"].startswith("application/xml"), answer.text
    root = etree.fromstring(answer.content)
    assert schemas().for_message("JW325").is_valid(etree.ElementTree(root))
    assert check(answer.content).rule_codes == []
    return root


def xp(root, path: str) -> list[str]:
    return [e if isinstance(e, str) else e.text for e in root.xpath(path, namespaces=X)]


def listed(root) -> dict[str, list[str]]:
    """ReferentieNummer → RetourCodes of every listed prestatie."""
    return {p.xpath("string(jw325:ProductReferentie/ijw:ReferentieNummer)", namespaces=X):
            xp(p, "jw325:RetourCodes/jw325:RetourCode")
            for p in root.xpath("//jw325:Prestatie", namespaces=X)}


def send(client, parties, xml: bytes):
    return post(client, parties["provider"], xml)


# -- fully approved ----------------------------------------------------------------------------
def test_fixture_fully_approved_is_booked_and_answered_with_8001_in_the_postbus(
        client, parties, toewijzing_100001, sessions):
    xml = FIXTURE.read_bytes()
    answer = send(client, parties, xml)
    assert answer.status_code == 202, answer.text
    root = parse(answer)
    assert xp(root, "jw325:Header/jw325:RetourCodes/jw325:RetourCode") == ["0200"]
    assert xp(root, "jw325:Header/jw325:DeclaratieIdentificatie/ijw:Identificatie") == ["VBJW3230001"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["8001"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalIngediendBedrag/ijw:TotaalBedrag") == ["156800"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalToegekendBedrag/ijw:TotaalBedrag") == ["156800"]
    assert not root.xpath("//jw325:Clienten", namespaces=X)
    bericht_id = int(answer.headers["location"].rsplit("/", 1)[1])
    with unit_of_work(sessions) as session:
        declaratie = session.scalar(select(Declaratie))
        assert (declaratie.bericht_id, declaratie.nummer) == (bericht_id, "D202610001")
        assert (declaratie.ingediend_eurocent, declaratie.toegekend_eurocent) == (156800, 156800)
        regel = session.scalar(select(Prestatie))
        assert (regel.status, regel.actief_sleutel, regel.retourcodes) == (
            "toegekend", f"{AGB}|P2026100001", [])
        uit = session.get(Bericht, declaratie.antwoord_bericht_id)
        assert (uit.richting, uit.berichttype, uit.inhoud) == ("uit", "JW325", answer.content)
        assert session.scalar(select(func.count()).select_from(PostbusItem)) == 1
    items = postbus(client, parties["provider"])
    assert [i["message"] if "message" in i else i.get("berichttype") for i in items] == ["JW325"]
    assert etree.tostring(fetch(client, parties["provider"], items[0])) == etree.tostring(root)


def test_validatie_gives_the_same_jw325_without_storing(client, parties, toewijzing_100001, sessions):
    answer = client.post("/api/v1/validatie", content=FIXTURE.read_bytes(), headers=auth(parties["provider"]))
    assert answer.status_code == 202, answer.text
    root = parse(answer)
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["8001"]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Declaratie)) == 0
        assert session.scalar(select(func.count()).select_from(Bericht)) == 0


def test_validatie_in_json_reports_the_rejected_prestaties_of_a_declaration_taken_in(
        client, parties, toewijzing_100001, sessions):
    """Accept: application/json: the verdict the JW325 would give, as the rule report; taken
    in (202, "accepted") when a prestatie would be approved, as GET would show it."""
    add_toewijzing(sessions, 100002, volume=2)
    partial = jw323([prestatie("GOED1"), prestatie("FOUT1", nummer=100002, volume=8, bedrag=70000)])
    headers = {**auth(parties["provider"]), "Accept": "application/json"}
    answer = client.post("/api/v1/validatie", content=partial, headers=headers)
    assert (answer.status_code, answer.headers["content-type"]) == (202, "application/json"), answer.text
    body = answer.json()
    assert (body["accepted"], body["level"], body["retourcodes"]) == (True, 4, ["9346"])
    [rule] = body["rules"]
    assert (rule["code"], rule["retourcode"]) == ("TR346", "9346")
    assert "Prestatie[2]" in rule["location"] and rule["remedy"] and rule["explanation"]
    wrong_month = jw323([prestatie(begin="2026-10-01", eind="2026-11-15")])  # CS337: whole declaration
    rejected = client.post("/api/v1/validatie", content=wrong_month, headers=headers)
    assert rejected.status_code == 422
    assert (rejected.json()["accepted"], rejected.json()["level"]) == (False, 2)
    assert "CS337" in [r["code"] for r in rejected.json()["rules"]]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Bericht)) == 0


# -- partial processing --------------------------------------------------------------------------
def test_partial_lists_only_the_rejected_prestatie_and_totals_the_approved(
        client, parties, toewijzing_100001, sessions):
    add_toewijzing(sessions, 100002, volume=2)
    good = prestatie("GOED1")
    bad = prestatie("FOUT1", nummer=100002, volume=8, bedrag=70000)  # 8 × 9800 = 78400: TR346
    answer = send(client, parties, jw323([good, bad]))
    assert answer.status_code == 202, answer.text
    root = parse(answer)
    assert listed(root) == {"FOUT1": ["9346"]}
    assert xp(root, "//jw325:Client/jw325:RetourCodes/jw325:RetourCode") == ["0200"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["0200"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalIngediendBedrag/ijw:TotaalBedrag") == ["226800"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalToegekendBedrag/ijw:TotaalBedrag") == ["156800"]
    with unit_of_work(sessions) as session:
        rows = {p.referentie: (p.status, p.retourcodes, p.actief_sleutel)
                for p in session.scalars(select(Prestatie))}
        assert rows == {"GOED1": ("toegekend", [], f"{AGB}|GOED1"), "FOUT1": ("afgewezen", ["9346"], None)}
        assert session.scalar(select(Declaratie.toegekend_eurocent)) == 156800


def test_every_prestatie_rejected_is_422_but_recorded(client, parties, toewijzing_100001, sessions):
    answer = send(client, parties, jw323([prestatie(volume=18)]))
    assert answer.status_code == 422
    root = parse(answer)
    assert listed(root) == {"P2026100001": ["9321"]}
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalToegekendBedrag/ijw:TotaalBedrag") == ["0"]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(Prestatie.status)) == "afgewezen"


# -- level-3/4 rules, one prestatie each ------------------------------------------------------------
@pytest.mark.parametrize("changes, periode, expected", [
    (dict(begin="2026-09-01", eind="2026-09-30", volume=8), ("2026-09-01", "2026-09-30"), "9307"),  # TR307
    (dict(volume=18), None, "9321"),  # TR321: 4 uur per week × 31/7 weken = 17,7
    (dict(nummer=999999), None, "9338"),  # TR338
    # A ProductTarief stays on every line: without it a line in hours breaks CD087 (level 2).
    (dict(categorie="41", code="41A01"), None, "9339"),  # TR339
    (dict(code="45A02"), None, "9340"),  # TR340
    # Minutes (01) on an hours toewijzing are allowed (TR341, facts §1.2); etmalen (14) are not.
    (dict(eenheid="14"), None, "9341"),  # TR341
    (dict(bedrag=150000), None, "9346"),  # TR346
    (dict(begin="2026-10-02"), None, "9387"),  # TR387
    (dict(eind="2026-10-30"), None, "9388"),  # TR388
    (dict(tarief=9900), None, "0611"),  # TR418: the catalogue says 9800
    (dict(code="45X99"), None, "S329"),  # TR381
    (dict(dc="C", vorige="ONBEKEND"), None, "8017"),  # TR323
])
def test_each_prestatie_rule_gives_its_retourcode(client, parties, toewijzing_100001, changes, periode,
                                                  expected):
    xml = jw323([prestatie(**changes)], periode=periode or ("2026-10-01", "2026-10-31"))
    answer = send(client, parties, xml)
    codes = listed(parse(answer))["P2026100001"]
    assert expected in codes, codes
    assert answer.status_code == 422


def test_tr308_product_period_after_the_toewijzing_ends(client, parties, toewijzing_100001, sessions):
    # A toewijzing that ends mid-October (a product period after the fixture's toewijzing end,
    # March 2027, could only be declared from April 2027 on: TR134/TR137 against the Dagtekening).
    add_toewijzing(sessions, 100007, eind=date(2026, 10, 15))
    codes = listed(parse(send(client, parties, jw323([prestatie(nummer=100007)]))))["P2026100001"]
    assert codes == ["9308"]


def test_tr341_minutes_on_an_hours_toewijzing(client, parties, toewijzing_100001, sessions):
    # IV081: 16 uur declared as 960 minuten at the hour tariff's rate per minute, 9800 / 60
    # rounded = 163 cent; the amount is 9800 × 960 / 60 = 156800 (not 960 × 163). TR321
    # compares 960 / 60 = 16 uur with the 17,7 uur the toewijzing allows in October.
    minuten = prestatie(eenheid="01", volume=960, tarief=163, bedrag=156800)
    answer = send(client, parties, jw323([minuten]))
    assert answer.status_code == 202, answer.text
    assert xp(parse(answer), "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["8001"]
    # 18 uur in minutes is more than the toewijzing allows (TR321), a wrong rate is TR418.
    te_veel = prestatie("R2", eenheid="01", volume=1080, tarief=163, bedrag=176400, begin="2026-09-15",
                        eind="2026-09-30")
    fout_tarief = prestatie("R3", eenheid="01", volume=60, tarief=170, bedrag=9800, nummer=100002)
    add_toewijzing(sessions, 100002)
    answer = send(client, parties, jw323([te_veel, fout_tarief], nummer="D2", identificatie="I2"))
    assert listed(parse(answer)) == {"R2": ["9321"], "R3": ["0611"]}


def test_tr307_tr308_months_where_the_toewijzing_starts_or_ends_may_be_partial(
        client, parties, toewijzing_100001):
    # The toewijzing runs 2026-09-15 .. 2027-03-14: September from the 15th is fine (TR387).
    sept = prestatie("SEPT", begin="2026-09-15", eind="2026-09-30", volume=8)
    answer = send(client, parties, jw323([sept], periode=("2026-09-01", "2026-09-30")))
    assert answer.status_code == 202, answer.text


def test_tr384_deleted_toewijzing(client, parties, toewijzing_100001, sessions):
    add_toewijzing(sessions, 100004, reden="13")
    codes = listed(parse(send(client, parties, jw323([prestatie(nummer=100004)]))))
    assert codes == {"P2026100001": ["9384"]}


def test_tr304_unknown_client_and_toewijzing_of_another_client(client, parties, toewijzing_100001, sessions):
    add_toewijzing(sessions, 100003, bsn="111222333")
    xml = jw323([], clients={BSN: [prestatie("A1", nummer=100003)], OTHER_BSN: [prestatie("B1")]})
    root = parse(send(client, parties, xml))
    assert listed(root) == {"A1": ["8187"], "B1": ["0233"]}
    client_codes = {c.xpath("string(jw325:Bsn)", namespaces=X): xp(c, "jw325:RetourCodes/jw325:RetourCode")
                    for c in root.xpath("//jw325:Client", namespaces=X)}
    assert client_codes == {BSN: ["0200"], OTHER_BSN: ["8187"]}


def test_tr322_sum_of_volumes_and_tr369_budget(client, parties, toewijzing_100001, sessions, move_clock):
    # November can be declared from 30 November on (TR137): the second declaration is sent in
    # December.
    move_clock(date(2026, 12, 4))
    add_toewijzing(sessions, 100005, frequentie="6", volume=20)  # TBGT: 20 uur in total
    add_toewijzing(sessions, 100006, volume=None, eenheid=None, frequentie=None, budget=200000)
    first = [prestatie("T1", nummer=100005, volume=15), prestatie("B1", nummer=100006, volume=15)]
    assert send(client, parties, jw323(first, nummer="D1", identificatie="I1")).status_code == 202
    second = [prestatie("T2", nummer=100005, volume=6, begin="2026-11-01", eind="2026-11-30"),
              prestatie("B2", nummer=100006, volume=6, begin="2026-11-01", eind="2026-11-30")]
    answer = send(client, parties, jw323(second, nummer="D2", identificatie="I2",
                                         periode=("2026-11-01", "2026-11-30"), dagtekening="2026-12-03"))
    assert listed(parse(answer)) == {"T2": ["9322"], "B2": ["9369"]}


# -- across declarations -------------------------------------------------------------------------------
def test_tr333_declaratienummer_used_twice_rejects_the_whole_declaration(
        client, parties, toewijzing_100001, sessions, move_clock):
    move_clock(date(2026, 12, 4))  # November is declared in December (TR137)
    assert send(client, parties, jw323([prestatie("R1")], identificatie="I1")).status_code == 202
    answer = send(client, parties, jw323([prestatie("R2", begin="2026-11-01", eind="2026-11-30")],
                                         identificatie="I2", periode=("2026-11-01", "2026-11-30"),
                                         dagtekening="2026-12-03"))
    assert answer.status_code == 422
    root = parse(answer)
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["9333"]
    assert not root.xpath("//jw325:Clienten", namespaces=X)
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Declaratie)) == 1
        assert session.scalar(select(func.count()).select_from(Prestatie)) == 1


def test_tr314_same_productreferentie_again_and_tr389_same_period_again(client, parties, toewijzing_100001):
    assert send(client, parties, jw323([prestatie("R1")], nummer="D1", identificatie="I1")).status_code == 202
    answer = send(client, parties, jw323([prestatie("R1")], nummer="D2", identificatie="I2"))
    assert listed(parse(answer)) == {"R1": ["8021"]}
    answer = send(client, parties, jw323([prestatie("R9")], nummer="D3", identificatie="I3"))
    assert listed(parse(answer)) == {"R9": ["9389"]}


def _care(sessions, *, begin: date, stop: tuple[str, date] | None = None) -> None:
    """A current start on toewijzing 100001 (and its stop), as JW305/JW307 would record it."""
    with unit_of_work(sessions) as session:
        bericht = session.scalar(select(Bericht.id).limit(1))
        start = Zorglevering(gemeente=GEMEENTE, aanbieder=AGB, bsn=BSN, toewijzingnummer=100001, categorie="45",
                             code="45A01", begindatum=begin, bericht_id=bericht, actief_sleutel=f"start-{begin}")
        session.add(start)
        session.flush()
        if stop is not None:
            session.add(ZorgleveringStop(zorglevering_id=start.id, reden=stop[0], einddatum=stop[1],
                                         bericht_id=bericht, actief_sleutel=f"stop-{begin}"))


@pytest.mark.parametrize(("stop", "expected"), [
    (None, {"R2": ["8214"]}),  # care ran through November, which was not declared
    (("20", date(2026, 10, 31)), {}),  # temporarily stopped over November: no gap
])
def test_tr318_a_skipped_month_while_care_was_delivered(client, parties, toewijzing_100001, sessions,
                                                        move_clock, stop, expected):
    move_clock(date(2027, 1, 6))  # December is declared in January (TR137)
    assert send(client, parties, jw323([prestatie("R1")], nummer="D1", identificatie="I1")).status_code == 202
    _care(sessions, begin=date(2026, 9, 21), stop=stop)
    if stop is not None:  # started again in December
        _care(sessions, begin=date(2026, 12, 1))
    dec = prestatie("R2", begin="2026-12-01", eind="2026-12-31")
    answer = send(client, parties, jw323([dec], nummer="D2", identificatie="I2",
                                         periode=("2026-12-01", "2026-12-31"), dagtekening="2027-01-05"))
    assert listed(parse(answer)) == expected


def test_credit_for_an_approved_debit_then_a_second_credit(client, parties, toewijzing_100001, sessions):
    assert send(client, parties, jw323([prestatie("R1")], nummer="D1", identificatie="I1")).status_code == 202
    credit = prestatie("C1", dc="C", vorige="R1")
    answer = send(client, parties, jw323([credit], nummer="D2", identificatie="I2"))
    assert answer.status_code == 202, answer.text
    root = parse(answer)
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode") == ["8001"]
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalToegekendBedrag/ijw:DebetCredit") == ["C"]
    # After the credit the month may be declared again (TR389 no longer applies) ...
    again = prestatie("R2")
    assert send(client, parties, jw323([again], nummer="D3", identificatie="I3")).status_code == 202
    # ... but R1 cannot be credited a second time (TR390).
    answer = send(client, parties, jw323([prestatie("C2", dc="C", vorige="R1")], nummer="D4",
                                         identificatie="I4"))
    assert listed(parse(answer)) == {"C2": ["9390"]}
    with unit_of_work(sessions) as session:
        assert session.scalar(select(Prestatie.bedrag_eurocent).where(Prestatie.referentie == "C1")) == -156800


# -- level 2 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("periode, changes, code", [
    (("2026-10-01", "2026-10-30"), {}, "CS340"),
    (("2020-12-01", "2020-12-31"), dict(begin="2020-12-01", eind="2020-12-31"), "CS100"),
    (("2026-10-01", "2026-10-31"), dict(begin="2026-09-01", eind="2026-10-31"), "CS337"),
    # A product period in a LATER month than the declaration's (an earlier month is allowed:
    # this test used to reject October lines in a November declaration, which the facts allow).
    (("2026-10-01", "2026-10-31"), dict(begin="2026-11-01", eind="2026-11-04"), "TR319"),
    (("2026-10-01", "2026-10-31"), dict(tarief=None), "CD087"),
    (("2026-10-01", "2026-10-31"), dict(vorige="OUD"), "CD060"),
    (("2026-10-01", "2026-10-31"), {}, "TR137"),  # declared on 20 October: the running month
])
def test_level_2_rejects_the_whole_declaration_with_0001_and_books_nothing(
        client, parties, toewijzing_100001, sessions, periode, changes, code):
    dagtekening = "2026-10-20" if code == "TR137" else "2026-11-05"  # the running month
    answer = send(client, parties, jw323([prestatie(**changes)], periode=periode, dagtekening=dagtekening))
    assert answer.status_code == 422
    root = parse(answer)
    assert xp(root, "jw325:Header/jw325:RetourCodes/jw325:RetourCode") == ["0001"]
    assert not root.xpath("//jw325:DeclaratieAntwoord", namespaces=X)
    report = client.get(answer.headers["location"], headers={"Authorization": f"Bearer {parties['provider']}"})
    assert code in [r["code"] for r in report.json()["rules"]]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Declaratie)) == 0
        assert session.scalar(select(func.count()).select_from(Prestatie)) == 0
    # Rejected as not sent (OP286): the corrected declaration may reuse its number.
    fixed = jw323([prestatie()], identificatie="DECL2")
    assert send(client, parties, fixed).status_code == 202


def test_the_same_bytes_again_get_the_first_answer(client, parties, toewijzing_100001):
    xml = FIXTURE.read_bytes()
    first = send(client, parties, xml)
    again = send(client, parties, xml)
    assert again.headers.get("idempotent-replay") == "true"
    assert again.content == first.content
    assert edit(xml, "VBJW3230001", "VBJW3230009")  # a new identificatie is a new message


# -- TR314 within one message ------------------------------------------------------------------------------
def test_tr314_same_referentie_under_two_clients_rejects_only_the_later_prestatie(
        client, parties, toewijzing_100001, sessions):
    # Not TR101 (that compares within one client): the message is taken in, the first R1 is
    # approved and the second, under another client, gets 8021.
    add_toewijzing(sessions, 100003, bsn=OTHER_BSN)
    xml = jw323([], clients={BSN: [prestatie("R1")], OTHER_BSN: [prestatie("R1", nummer=100003)]})
    answer = send(client, parties, xml)
    assert answer.status_code == 202, answer.text
    root = parse(answer)
    assert xp(root, "//jw325:Client/jw325:Bsn") == [OTHER_BSN]
    assert listed(root) == {"R1": ["8021"]}
    assert xp(root, "jw325:DeclaratieAntwoord/jw325:TotaalToegekendBedrag/ijw:TotaalBedrag") == ["156800"]
    with unit_of_work(sessions) as session:
        rows = sorted((p.bsn, p.status, p.retourcodes) for p in session.scalars(select(Prestatie)))
        assert rows == sorted([(BSN, "toegekend", []), (OTHER_BSN, "afgewezen", ["8021"])])


def test_tr314_within_the_message_also_after_a_rejected_line(client, parties, toewijzing_100001, sessions):
    # The ReferentieNummer is unique within the message whatever the first line's verdict:
    # the first R1 is rejected for its amount (TR346), the second R1 is a duplicate.
    add_toewijzing(sessions, 100003, bsn=OTHER_BSN)
    xml = jw323([], clients={BSN: [prestatie("R1", bedrag=150000)], OTHER_BSN: [prestatie("R1", nummer=100003)]})
    root = parse(send(client, parties, xml))
    by_client = {c.xpath("string(jw325:Bsn)", namespaces=X):
                 xp(c, "jw325:Prestaties/jw325:Prestatie/jw325:RetourCodes/jw325:RetourCode")
                 for c in root.xpath("//jw325:Client", namespaces=X)}
    assert by_client == {BSN: ["9346"], OTHER_BSN: ["8021"]}


# -- TR358 and the JW325 of every outcome shape ---------------------------------------------------------------
def test_tr358_total_that_is_not_the_sum_of_the_lines_is_rejected_with_0001(
        client, parties, toewijzing_100001, sessions):
    # The corpus case: TotaalIngediendBedrag 1 for lines of 78400 used to get 8001 with
    # TotaalToegekend 78400, a JW325 the official rules reject (TR342). TR358 rejects the JW323.
    answer = send(client, parties, jw323([prestatie(volume=8)], totaal=1))
    assert answer.status_code == 422
    root = parse(answer)
    assert xp(root, "jw325:Header/jw325:RetourCodes/jw325:RetourCode") == ["0001"]
    assert not root.xpath("//jw325:DeclaratieAntwoord", namespaces=X)
    report = client.get(answer.headers["location"], headers={"Authorization": f"Bearer {parties['provider']}"})
    assert [r["code"] for r in report.json()["rules"]] == ["TR358"]


def _shape(root) -> tuple[list[str], list[str], bool]:
    return (xp(root, "jw325:Header/jw325:RetourCodes/jw325:RetourCode"),
            xp(root, "jw325:DeclaratieAntwoord/jw325:RetourCodes/jw325:RetourCode"),
            bool(root.xpath("//jw325:Clienten", namespaces=X)))


def test_the_jw325_of_every_outcome_shape_passes_our_xsd_and_jw325_rules(
        client, parties, toewijzing_100001, sessions, move_clock):
    """Every answer the intake sends is also checked by `uitgaand` before it is stored (a
    failure there would be a 500); here each shape of facts §2.1 is checked again offline."""
    add_toewijzing(sessions, 100002, volume=2)
    shapes = {}

    def answer_to(xml: bytes):
        answer = send(client, parties, xml)
        assert check(answer.content).accepted, check(answer.content).rule_codes
        return parse(answer)

    shapes["8001"] = answer_to(jw323([prestatie("R1")], nummer="D1", identificatie="I1"))
    shapes["lines"] = answer_to(jw323([prestatie("R2", nummer=100002, volume=4, begin="2026-09-15", eind="2026-09-30"),
                                       prestatie("R3", nummer=100002, volume=9, begin="2026-10-01")],
                                      nummer="D2", identificatie="I2"))
    shapes["client"] = answer_to(jw323([], clients={OTHER_BSN: [prestatie("R4")]}, nummer="D3",
                                       identificatie="I3"))
    shapes["credit"] = answer_to(jw323([prestatie("C1", dc="C", vorige="R1")], nummer="D4", identificatie="I4"))
    shapes["9333"] = answer_to(jw323([prestatie("R5")], nummer="D1", identificatie="I5"))
    shapes["0001"] = answer_to(jw323([prestatie("R6")], nummer="D6", identificatie="I6", totaal=1))
    shapes["8848"] = answer_to(jw323([prestatie("R7")], nummer="D7", identificatie="I7", dagtekening="2026-11-24"))
    assert {name: _shape(root) for name, root in shapes.items()} == {
        "8001": (["0200"], ["8001"], False),
        "lines": (["0200"], ["0200"], True),  # R2 approved, R3 rejected (9321)
        "client": (["0200"], ["0200"], True),  # 8187 on the client, 0233 on its line
        "credit": (["0200"], ["8001"], False),
        "9333": (["0200"], ["9333"], False),
        "0001": (["0001"], [], False),
        "8848": (["8848"], [], False),
    }
    assert listed(shapes["lines"]) == {"R3": ["9321"]}
    assert xp(shapes["credit"], "//jw325:TotaalToegekendBedrag/ijw:DebetCredit") == ["C"]
    assert xp(shapes["9333"], "//jw325:TotaalToegekendBedrag/ijw:TotaalBedrag") == ["0"]
    # Lines are echoed verbatim, amount text included.
    source = etree.fromstring(jw323([prestatie("R2", nummer=100002, volume=4, begin="2026-09-15", eind="2026-09-30"),
                                     prestatie("R3", nummer=100002, volume=9, begin="2026-10-01")]))
    echoed = shapes["lines"].xpath("//jw325:Prestatie", namespaces=X)[0]
    original = source.xpath("//jw323:Prestatie", namespaces={"jw323": FIXTURE_NS})[1]
    assert [e.text for e in echoed.iter() if not len(e)][:-1] == [e.text for e in original.iter() if not len(e)]
