"""Carrying out decisions (gateway.domain.aanvraag.uitvoering) through the API, with the published work
run in-process: a JW317 that changes the Omvang of a per-week assignment (IV066, OP257), the
JW301 that follows later for the same client (OP087, IV094, IV097, IV099), and how long a
request stays open for TR374 (OP350).

Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

import re
from datetime import date

from lxml import etree
from sqlalchemy import event, select

from gateway.db.models import Aanvraag, Toewijzing
from gateway.domain.berichten import uitgaand
from tests.route import aanvragen, besluit, fetch, post, postbus, request, run_work
from tests.support import edit

NS = {"jw301": "http://www.istandaarden.nl/ijw/3_2/jw301/schema"}
GEEN_OVEREENSTEMMING = "AGJ-GEEN-OVEREENSTEMMING"
# The AGJ example grants 45A01, 4 uur per week (not TBGT), 2026-09-15 t/m 2027-03-14.
ORIGINAL_START, ORIGINAL_END = "2026-09-15", "2027-03-14"


def toegewezen(jw301: etree._Element) -> list[dict[str, str]]:
    """Each ToegewezenProduct as {leaf element name: text}, ordered by ToewijzingNummer."""
    found = []
    for element in jw301.xpath("//jw301:ToegewezenProduct", namespaces=NS):
        found.append({etree.QName(leaf).localname: leaf.text for leaf in element.iter()
                      if leaf is not element and len(leaf) == 0})
    return sorted(found, key=lambda p: int(p["ToewijzingNummer"]))


def only_new_jw301(client, parties) -> etree._Element:
    [item] = postbus(client, parties["provider"])
    assert item["message"] == "JW301"
    return fetch(client, parties["provider"], item)


def first_assignment(client, parties, published, app) -> str:
    """The AGJ example granted automatically; returns its ToewijzingNummer."""
    assert post(client, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
    assert run_work(app, published) == ["done"]
    [product] = toegewezen(only_new_jw301(client, parties))
    return product["ToewijzingNummer"]


def wijziging(identificatie: str, nummer: str, ingangsdatum: str, volume: int) -> bytes:
    """The JW317 example as one TeWijzigenProduct only: assignment `nummer` with a new Volume
    (same Eenheid 04 and Frequentie 2) from `ingangsdatum` up to the original end."""
    xml = request("JW317", identificatie, edits=[
        ("<jw317:ToewijzingNummer>100001<", f"<jw317:ToewijzingNummer>{nummer}<"),
        ("<jw317:GewensteIngangsdatum>2026-09-15<", f"<jw317:GewensteIngangsdatum>{ingangsdatum}<"),
        ("<jw317:Einddatum>2027-09-14<", f"<jw317:Einddatum>{ORIGINAL_END}<"),
        ("<ijw:Volume>4<", f"<ijw:Volume>{volume}<")])
    return without_new_products(xml)


def without_new_products(xml: bytes) -> bytes:
    """The JW317 without its NieuwProduct: TR353 is met by the TeWijzigenProduct."""
    result, removed = re.subn(rb"\s*<jw317:NieuweProducten>.*</jw317:NieuweProducten>", b"", xml,
                              flags=re.DOTALL)
    assert removed == 1
    return result


def grant_wijziging(client, parties, published, app, xml: bytes) -> etree._Element:
    """Post the JW317, grant it as a whole, run the work; returns the JW301 that answers it."""
    accepted = post(client, parties["provider"], xml)
    assert accepted.status_code == 202, accepted.text
    assert run_work(app, published) == ["done"]
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    assert aanvraag["soort"] == "JW317"
    # a whole JW317 may lie outside the norms: then it needs a motivering (design.md §9)
    body = {"besluit": "toekennen", "motivering": "Zoals met de aanbieder afgesproken."}
    assert besluit(client, parties["gemeente"], aanvraag["id"], body).status_code == 202
    assert run_work(app, published) == ["done"]
    return only_new_jw301(client, parties)


def jw315_same_client(identificatie: str) -> bytes:
    """The JW315 example (54A01, TBGT, VB-REF-0003) for the AGJ example's client."""
    return request("JW315", identificatie, edits=[
        ("<jw315:Bsn>999980919<", "<jw315:Bsn>999994323<"),
        ("<ijw:Datum>2013-10-22<", "<ijw:Datum>2018-02-22<")])


def grant_jw315(client, parties, published, app, xml: bytes) -> etree._Element:
    accepted = post(client, parties["provider"], xml)
    assert accepted.status_code == 202, accepted.text
    assert run_work(app, published) == ["done"]
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    answer = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"})
    assert answer.status_code == 202, answer.text
    assert run_work(app, published) == ["done"]
    return only_new_jw301(client, parties)


def stored(sessions) -> list[Toewijzing]:
    with sessions() as session:
        return list(session.scalars(select(Toewijzing).order_by(Toewijzing.nummer)))


# -- JW317: a volume change of a per-week assignment (IV066, OP257) ---------------------------

def test_volume_change_from_a_later_date_ends_the_old_assignment_and_starts_a_new_one(
        client, parties, published, app, sessions):
    nummer = first_assignment(client, parties, published, app)
    # Dagtekening 2026-10-12: a later start must lie after it (TR357) and within the period.
    jw301 = grant_wijziging(client, parties, published, app, wijziging("JW3171", nummer, "2026-12-01", 6))

    old, new = toegewezen(jw301)
    assert old["ToewijzingNummer"] == nummer  # shortened: same number (IV066)
    assert (old["Ingangsdatum"], old["Einddatum"]) == (ORIGINAL_START, "2026-11-30")  # the day before
    assert old["RedenWijziging"] == "12"
    assert old["Volume"] == "4"  # the old version keeps what it granted
    assert new["ToewijzingNummer"] != nummer
    assert (new["Ingangsdatum"], new["Einddatum"]) == ("2026-12-01", ORIGINAL_END)
    assert (new["Code"], new["Volume"], new["Eenheid"], new["Frequentie"]) == ("45A01", "6", "04", "2")
    assert "RedenWijziging" not in new  # an initial assignment has none (IV066)
    # A VOW is answered with its ReferentieAanbieder on every product (IV093).
    assert old["ReferentieAanbieder"] == new["ReferentieAanbieder"] == "VB-REF-0004"

    rows = stored(sessions)
    assert [r.nummer for r in rows] == [int(nummer), int(new["ToewijzingNummer"])]
    assert rows[1].beschikking_id == rows[0].beschikking_id is not None  # same beschikking
    assert not any(r.gewijzigd for r in rows)  # both went out


def test_volume_change_from_the_original_start_deletes_the_old_assignment(
        client, parties, published, app, sessions):
    nummer = first_assignment(client, parties, published, app)
    # On or before the Dagtekening the original Ingangsdatum must be kept (TR357).
    jw301 = grant_wijziging(client, parties, published, app, wijziging("JW3171", nummer, ORIGINAL_START, 6))

    old, new = toegewezen(jw301)
    assert old["ToewijzingNummer"] == nummer
    assert old["RedenWijziging"] == "13"  # deleted (JZ002) ...
    assert old["Einddatum"] == old["Ingangsdatum"] == ORIGINAL_START  # ... as CS335 asks
    assert new["ToewijzingNummer"] != nummer
    assert (new["Ingangsdatum"], new["Einddatum"], new["Volume"]) == (ORIGINAL_START, ORIGINAL_END, "6")
    assert "RedenWijziging" not in new
    assert [r.verwijderd for r in stored(sessions)] == [True, False]



def test_a_later_start_after_the_old_end_does_not_extend_the_old_assignment(
        client, parties, published, app, sessions):
    nummer = first_assignment(client, parties, published, app)
    # Outside IV092 (the desired start should lie within the old period), yet no rule refuses it:
    # the old assignment must not be stretched to the day before (4 uur per week more).
    xml = edit(wijziging("JW3171", nummer, "2027-04-01", 6),
               f"<jw317:Einddatum>{ORIGINAL_END}<", "<jw317:Einddatum>2027-09-14<")
    old, new = toegewezen(grant_wijziging(client, parties, published, app, xml))
    assert old["ToewijzingNummer"] == nummer
    assert (old["Einddatum"], old["Volume"]) == (ORIGINAL_END, "4")  # as granted before
    assert (new["Ingangsdatum"], new["Einddatum"], new["Volume"]) == ("2027-04-01", "2027-09-14", "6")
    assert stored(sessions)[0].einddatum == date.fromisoformat(ORIGINAL_END)


def test_a_tbgt_assignment_keeps_its_number_only_for_a_volume_change(client, parties, published, app):
    first = first_assignment(client, parties, published, app)
    products = toegewezen(grant_jw315(client, parties, published, app, jw315_same_client("JW3151")))
    tbgt = products[1]["ToewijzingNummer"]
    assert (products[1]["Code"], products[1]["Volume"], products[1]["Frequentie"]) == ("54A01", "12", "6")

    def tbgt_change(identificatie: str, volume: int, frequentie: str) -> bytes:
        # The whole desired situation (TR349): 45A01 unchanged, 54A01 from its original start
        # (TR357, TR373) with another Omvang.
        return without_new_products(request("JW317", identificatie, f"VB-REF-{identificatie}", edits=[(
            "<jw317:TeWijzigenProducten>",
            f"<jw317:OngewijzigdeProducten><jw317:OngewijzigdProduct><jw317:ToewijzingNummer>{first}"
            "</jw317:ToewijzingNummer></jw317:OngewijzigdProduct></jw317:OngewijzigdeProducten>"
            "<jw317:TeWijzigenProducten>"),
            ("<jw317:ToewijzingNummer>100001<", f"<jw317:ToewijzingNummer>{tbgt}<"),
            ("<jw317:GewensteIngangsdatum>2026-09-15<", "<jw317:GewensteIngangsdatum>2026-10-01<"),
            ("<jw317:Einddatum>2027-09-14<", "<jw317:Einddatum>2027-03-31<"),
            ("<ijw:Volume>4<", f"<ijw:Volume>{volume}<"),
            ("<ijw:Eenheid>04<", "<ijw:Eenheid>84<"),
            ("<ijw:Frequentie>2<", f"<ijw:Frequentie>{frequentie}<")]))

    # A TBGT volume: the same number, RedenWijziging 12 (IV066).
    volume = toegewezen(grant_wijziging(client, parties, published, app, tbgt_change("JW3171", 16, "6")))
    assert [(p["ToewijzingNummer"], p["Volume"], p["Frequentie"], p.get("RedenWijziging")) for p in volume] == [
        (first, "4", "2", None), (tbgt, "16", "6", "12")]
    # TBGT to per week is not a volume change: a new assignment, the old one deleted (OP257).
    weekly = toegewezen(grant_wijziging(client, parties, published, app, tbgt_change("JW3172", 2, "2")))
    assert [(p["ToewijzingNummer"] == tbgt, p["Frequentie"], p.get("RedenWijziging")) for p in weekly[1:]] == [
        (True, "6", "13"), (False, "2", None)]
    assert weekly[1]["Einddatum"] == weekly[1]["Ingangsdatum"] == "2026-10-01"
    assert (weekly[2]["Ingangsdatum"], weekly[2]["Volume"]) == ("2026-10-01", "2")


# -- the next JW301 for the same client (OP087) -----------------------------------------------

def test_a_later_jw301_resends_current_assignments_without_reden_or_reference(
        client, parties, published, app):
    nummer = first_assignment(client, parties, published, app)
    vow = toegewezen(grant_wijziging(client, parties, published, app,
                                     wijziging("JW3171", nummer, "2026-12-01", 6)))
    ended, replacement = (p["ToewijzingNummer"] for p in vow)

    jw301 = grant_jw315(client, parties, published, app, jw315_same_client("JW3151"))
    products = toegewezen(jw301)
    # Everything valid on or after today (2026-11-23): the shortened one still runs to 30-11.
    assert [p["ToewijzingNummer"] for p in products[:2]] == [ended, replacement]
    old, current, granted = products
    assert old["Einddatum"] == "2026-11-30"
    # Re-sent unchanged: no RedenWijziging (IV099) ...
    assert "RedenWijziging" not in old and "RedenWijziging" not in current
    # ... and no ReferentieAanbieder: this JW301 honours only the JW315 (IV094, IV097).
    assert "ReferentieAanbieder" not in old and "ReferentieAanbieder" not in current
    assert granted["ReferentieAanbieder"] == "VB-REF-0003"
    assert (granted["Code"], granted["Frequentie"]) == ("54A01", "6")
    assert "RedenWijziging" not in granted
    # The versions did not change by being re-sent.
    assert (old["Toewijzingsdatum"], old["Toewijzingstijd"]) == (vow[0]["Toewijzingsdatum"],
                                                                 vow[0]["Toewijzingstijd"])


def test_a_deleted_assignment_goes_out_once_and_is_not_resent(client, parties, published, app):
    nummer = first_assignment(client, parties, published, app)
    vow = toegewezen(grant_wijziging(client, parties, published, app,
                                     wijziging("JW3171", nummer, ORIGINAL_START, 6)))
    assert [p.get("RedenWijziging") for p in vow] == ["13", None]  # changed: carried once

    products = toegewezen(grant_jw315(client, parties, published, app, jw315_same_client("JW3151")))
    numbers = [p["ToewijzingNummer"] for p in products]
    assert nummer not in numbers  # deleted: not current, and unchanged since (OP087)
    assert numbers[0] == vow[1]["ToewijzingNummer"]
    assert [p.get("ReferentieAanbieder") for p in products] == [None, "VB-REF-0003"]


def test_an_ended_assignment_that_changed_is_carried_even_when_no_longer_current(
        client, parties, published, app):
    nummer = first_assignment(client, parties, published, app)
    # After the Dagtekening (2026-10-12) but before today (2026-11-23): the old one ends on
    # 2026-10-31, in the past, and must still go out once because it changed (OP087).
    vow = toegewezen(grant_wijziging(client, parties, published, app,
                                     wijziging("JW3171", nummer, "2026-11-01", 6)))
    assert [(p["ToewijzingNummer"] == nummer, p["Einddatum"], p.get("RedenWijziging")) for p in vow] == [
        (True, "2026-10-31", "12"), (False, ORIGINAL_END, None)]

    products = toegewezen(grant_jw315(client, parties, published, app, jw315_same_client("JW3151")))
    assert [p["ToewijzingNummer"] for p in products][:1] == [vow[1]["ToewijzingNummer"]]
    assert nummer not in [p["ToewijzingNummer"] for p in products]


# -- TR374: one open request per client per provider (OP350) ---------------------------------

def test_a_request_is_open_until_its_jw301_went_out(client, parties, published, app, sessions):
    provider = parties["provider"]
    assert post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ1")).status_code == 202
    # Accepted, but the task that makes the aanvraag has not run yet: open.
    early = post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ2", "VB-REF-0010"))
    assert early.status_code == 422 and b"9374" in early.content
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"}).status_code == 202
    # Decided, but the JW301 has not gone out yet: still open.
    decided = post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ3", "VB-REF-0011"))
    assert decided.status_code == 422 and b"9374" in decided.content
    assert run_work(app, published) == ["done"]
    assert [i["message"] for i in postbus(client, provider)] == ["JW301"]
    after = post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ4", "VB-REF-0012"))
    assert after.status_code == 202, after.text
    with sessions() as session:
        assert session.scalar(select(Aanvraag.afgehandeld_op).where(Aanvraag.id == aanvraag["id"])) is not None


def test_a_request_is_open_until_its_rejecting_jw319_went_out(client, parties, published, app):
    provider = parties["provider"]
    post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ1"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    rejected = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "afwijzen", "reden_afwijzing": "7"})
    assert rejected.status_code == 202
    waiting = post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ2", "VB-REF-0010"))
    assert waiting.status_code == 422 and b"9374" in waiting.content
    run_work(app, published)
    assert [i["message"] for i in postbus(client, provider)] == ["JW319"]
    after = post(client, provider, request(GEEN_OVEREENSTEMMING, "AGJ3", "VB-REF-0011"))
    assert after.status_code == 202, after.text


def test_an_open_request_does_not_block_another_provider_for_the_same_client(client, parties, published, app):
    assert post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ1")).status_code == 202
    run_work(app, published)
    other = request(GEEN_OVEREENSTEMMING, "AGJ1", edits=[("<agj:Afzender>12345678<", "<agj:Afzender>87654321<")])
    answer = post(client, parties["other"], other)
    assert answer.status_code == 202, answer.text
    run_work(app, published)
    # Each provider now has its own open request; the first one's still blocks only itself.
    again = post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ2", "VB-REF-0010"))
    assert again.status_code == 422 and b"9374" in again.content
    assert {a["status"] for a in aanvragen(client, parties["gemeente"])} == {"te_beoordelen"}


def test_a_rejected_request_opens_nothing(client, parties, published, app):
    # AG001: the parents' consent dated after the Dagtekening (level 2, not accepted).
    bad = request(GEEN_OVEREENSTEMMING, "AGJ1", edits=[("<agj:ToestemmingOuders>2026-08-05<",
                                                        "<agj:ToestemmingOuders>2026-09-20<")])
    refused = post(client, parties["provider"], bad)
    assert refused.status_code == 422 and b"9374" not in refused.content
    assert run_work(app, published) == []
    good = post(client, parties["provider"], request(GEEN_OVEREENSTEMMING, "AGJ2", "VB-REF-0010"))
    assert good.status_code == 202, good.text



# -- the decision's dry run (uitvoering.check) ------------------------------------------------

_WRITES = re.compile(r"\s*(INSERT INTO (toewijzing|beschikking|bericht|postbus_item|kenmerk|nummerreeks)\b"
                     r"|UPDATE (toewijzing|nummerreeks)\b|SAVEPOINT)", re.IGNORECASE)


def test_a_decision_is_checked_by_a_dry_run_that_writes_nothing_and_checks_what_the_task_sends(
        client, parties, published, app, monkeypatch):
    nummer = first_assignment(client, parties, published, app)
    assert post(client, parties["provider"], wijziging("JW3172", nummer, "2026-12-01", 6)).status_code == 202
    assert run_work(app, published) == ["done"]
    [aanvraag] = aanvragen(client, parties["gemeente"], "te_beoordelen")
    checked, real_dry_run = [], uitgaand.dry_run

    def dry_run(*args, **kwargs):
        result = real_dry_run(*args, **kwargs)
        checked.append(result.parsed.root)
        return result

    monkeypatch.setattr(uitgaand, "dry_run", dry_run)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"}).status_code == 202
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)
    # Nothing of the execution is written, no number drawn, nothing rolled back.
    assert any(s.lstrip().upper().startswith("INSERT INTO OUTBOX") for s in statements)  # the task
    assert [s for s in statements if _WRITES.match(s)] == []
    [jw301] = checked
    assert run_work(app, published) == ["done"]
    sent = only_new_jw301(client, parties)

    def products(root):  # what the dry run cannot know: the moment the task stamps on them
        return [{k: v for k, v in p.items() if k not in ("Toewijzingsdatum", "Toewijzingstijd")}
                for p in toegewezen(root)]

    # The same products, with the numbers the task drew in the placeholders' place.
    assert products(jw301) == products(sent) and len(products(sent)) == 2
