"""Case work that holds up (design.md §9), in a real browser against `gateway serve`: one case
worker proposes a grant outside the norms, which needs her motivering; a colleague approves it
in his own session and the worker carries it out; the beschikking opens as a PDF; an aanvraag
under a known BSN with another child's name shows both versions and the case worker takes
the message's over.

Debian's chromium through Playwright, skipped without it unless GATEWAY_REQUIRE_BROWSER is set.
"""
from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from gateway.db.models import Aanvraag, Toewijzing
from gateway.db.session import unit_of_work
from gateway.domain.beheer import gebruikers
from tests.backoffice import PASSWORD
from tests.integration.test_backoffice_browser import CHROMIUM, Server, _browser_or_skip, _login, until
from tests.route import json_auth, request
from tests.support import example

HOEK_BSN, SEM_BSN = "999980919", "999994323"  # the clients of the two AGJ examples
# Sem de Wit's BSN, another child: another name and birth date.
MILA = [("<ijw:Datum>2018-02-22<", "<ijw:Datum>2014-05-01<"), ("<ijw:Achternaam>Wit<", "<ijw:Achternaam>Vos<"),
        ("<ijw:Voorvoegsel>de</ijw:Voorvoegsel>", ""), ("<ijw:Voornamen>Sem<", "<ijw:Voornamen>Mila<"),
        ("<ijw:Voorletters>S<", "<ijw:Voorletters>M<")]
MOTIVERING = "Het gezin heeft de komende maanden meer begeleiding nodig; daarna wordt afgeschaald."


def _seed(api: httpx.Client, parties: dict) -> None:
    headers = {**json_auth(parties["provider"]), "Content-Type": "application/xml"}
    for body in (example("AGJ-GEEN-OVEREENSTEMMING"), example("AGJ")):
        assert api.post("/api/v1/berichten", content=body, headers=headers).status_code == 202


def _aanvraag_id(sessions, bsn: str, *, status: str = "te_beoordelen", not_id: int | None = None):
    def found():
        with sessions() as session:
            query = select(Aanvraag.id).where(Aanvraag.bsn == bsn, Aanvraag.status == status)
            if not_id is not None:
                query = query.where(Aanvraag.id != not_id)
            return session.scalar(query)
    return until(found, f"an aanvraag of {bsn} {status}")


def test_case_work_four_eyes_pdf_and_identity_in_the_browser(database_url, engine, sessions, parties, users,
                                                             tmp_path):
    sync_api = _browser_or_skip()
    with unit_of_work(sessions) as session:
        gebruikers.add(session, gebruikersnaam="joost", rol="cjg", wachtwoord=PASSWORD)
    with Server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as api:
        _seed(api, parties)
        hoek = _aanvraag_id(sessions, HOEK_BSN)
        _aanvraag_id(sessions, SEM_BSN, status="toegekend")  # granted automatically: Sem is known
        mila = request("AGJ", "R-MILA-B", "VB-REF-MILA", edits=MILA)
        assert api.post("/api/v1/berichten", content=mila, headers={
            **json_auth(parties["provider"]), "Content-Type": "application/xml"}).status_code == 202
        mila_id = _aanvraag_id(sessions, SEM_BSN)

        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            marieke = browser.new_context(base_url=server.url).new_page()
            joost = browser.new_context(base_url=server.url).new_page()
            try:
                _propose_outside_the_norms(marieke, hoek)
                _approve(joost, hoek)

                def carried_out():
                    with sessions() as session:
                        return session.scalars(select(Toewijzing.volume).where(Toewijzing.bsn == HOEK_BSN)).all()
                assert until(carried_out, "the approved grant to be carried out") == [12]
                _beschikking_as_pdf(marieke, hoek)
                _identity(marieke, mila_id)
            except Exception:
                for name, page in (("marieke", marieke), ("joost", joost)):
                    page.screenshot(path=str(tmp_path / f"failure-{name}.png"), full_page=True)
                raise
            finally:
                browser.close()


def _propose_outside_the_norms(page, aanvraag_id: int) -> None:
    from playwright.sync_api import expect
    _login(page, "marieke")
    page.goto(f"/aanvragen/{aanvraag_id}")
    page.check("input[name=besluit][value=wijzigen]")
    page.locator("input[name$=_volume]").first.fill("12")  # the norm is at most 8 uur per week
    page.click("text=Besluit vastleggen")
    expect(page.locator("#motivering-fout")).to_contain_text("meer dan de norm van 8")
    page.fill("#motivering", MOTIVERING)
    page.click("text=Besluit vastleggen")
    page.wait_for_url(re.compile(r"voorgesteld=1"))
    expect(page.locator("p.melding")).to_contain_text("andere cjg-medewerker akkoord geeft")
    expect(page.locator("#voorstellen")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Je hebt dit voorstel zelf gedaan")
    assert page.locator("text=Akkoord geven en uitvoeren").count() == 0
    assert page.locator("text=Besluit vastleggen").count() == 0  # the form waits with the proposal


def _approve(page, aanvraag_id: int) -> None:
    from playwright.sync_api import expect
    _login(page, "joost")
    page.goto(f"/aanvragen/{aanvraag_id}")
    expect(page.locator("main")).to_contain_text(MOTIVERING)
    page.click("text=Akkoord geven en uitvoeren")
    page.wait_for_url(re.compile(r"besloten=1"))
    expect(page.locator("main")).to_contain_text("Akkoord (vier ogen)")
    expect(page.locator("main")).to_contain_text("joost (backoffice)")


def _beschikking_as_pdf(page, aanvraag_id: int) -> None:
    from playwright.sync_api import expect

    def issued():
        page.goto(f"/aanvragen/{aanvraag_id}")
        return page.locator("a[href^='/beschikkingen/']").count() > 0
    until(issued, "the beschikking")
    page.locator("a[href^='/beschikkingen/']").first.click()
    page.wait_for_url(re.compile(r"/beschikkingen/\d+$"))
    expect(page.locator("main")).to_contain_text(MOTIVERING)
    href = page.locator("a[href$='/document.pdf']").first.get_attribute("href")
    answer = page.request.get(href)  # the page's own session
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")


def _identity(page, aanvraag_id: int) -> None:
    from playwright.sync_api import expect
    page.goto(f"/aanvragen/{aanvraag_id}")
    versions = page.locator("#client-versies")
    expect(versions).to_contain_text("Gegevens van de cliënt wijken af")
    expect(versions).to_contain_text("Sem de Wit")
    expect(versions).to_contain_text("Mila Vos")
    page.click("button:has-text('Gegevens uit het bericht overnemen')")
    page.wait_for_url(re.compile(r"overgenomen=1"))
    expect(page.locator("p.melding")).to_contain_text("De gegevens uit het bericht zijn overgenomen")
