"""The back office in a real browser: Debian's chromium, headless, driven by Playwright,
against a real `gateway serve` (embedded worker on SQLite; Redis and a separate Celery worker
on PostgreSQL). One case worker's morning: log in, search a BSN, open a message and its
chain, decide an aanvraag, enter an aanvraagformulier, open a client's timeline; then the
administrator checks that the access log shows those views and the decision.

Skipped when chromium is not installed, except where GATEWAY_REQUIRE_BROWSER is set (CI),
which makes a missing browser a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from lxml import etree
from sqlalchemy import select

from gateway.db.models import Aanvraag, AuditRegel, Client, Toewijzing
from tests.backoffice import PASSWORD
from tests.integration.test_serve import free_port
from tests.integration.worker import Worker, broker_for, flush_broker
from tests.regie import Start, message
from tests.route import json_auth, retour_for, texts
from tests.support import example

CHROMIUM = os.environ.get("GATEWAY_CHROMIUM", "/usr/bin/chromium")
ZIN_BSN, CJG_BSN = "999994323", "999980919"  # the two AGJ examples' clients


def _browser_or_skip():
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        if os.environ.get("GATEWAY_REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {CHROMIUM} (make browser installs it)")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    return pytest.importorskip("playwright.sync_api")


class Server:
    """`gateway serve` in a subprocess on the test database, with `serve_args` added to its
    command line; on PostgreSQL with a Celery worker beside it unless `with_worker` is off."""

    def __init__(self, database_url: str, directory: Path, *serve_args: str, with_worker: bool = True):
        self.serve_args = serve_args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.broker = broker_for(database_url)
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_BROKER_URL": self.broker}
        self.directory = directory
        self.log = directory / "serve.log"
        self.worker = Worker(database_url, self.broker, directory) if self.broker and with_worker else None

    def __enter__(self) -> Server:
        flush_broker(self.broker)
        if self.worker is not None:
            self.worker.start()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port), *self.serve_args],
            cwd=self.directory,
            env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"gateway serve did not start:\n{self.log.read_text()}")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.worker is not None:
            self.worker.stop()


def until(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (result := check()):
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def seed_route(api: httpx.Client, parties: dict) -> int:
    """Through the API as providers do: an AGJ granted automatically, its JW301 fetched and
    confirmed, care started; and an AGJ without agreement that waits for the CJG. Returns the
    toewijzing number."""
    provider = json_auth(parties["provider"])
    xml_headers = {**provider, "Content-Type": "application/xml"}
    assert api.post("/api/v1/berichten", content=example("AGJ"), headers=xml_headers).status_code == 202
    items = until(lambda: api.get("/api/v1/postbus", headers=provider).json()["items"], "the JW301")
    jw301 = etree.fromstring(api.get(items[0]["href"], headers=provider).content)
    number = int(texts(jw301, "//jw301:ToewijzingNummer")[0])
    assert api.post("/api/v1/berichten", content=retour_for(jw301), headers=xml_headers).status_code == 202
    start = message(Start(nummer=str(number), ingangsdatum="2026-09-15", begindatum="2026-09-21"))
    assert api.post("/api/v1/berichten", content=start, headers=xml_headers).status_code == 202
    waiting = example("AGJ-GEEN-OVEREENSTEMMING")
    assert api.post("/api/v1/berichten", content=waiting, headers=xml_headers).status_code == 202
    return number


def test_a_case_workers_morning_in_the_browser(database_url, engine, sessions, parties, users, tmp_path):
    sync_api = _browser_or_skip()
    with Server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as api:
        number = seed_route(api, parties)

        def waiting_aanvraag():
            with sessions() as session:
                return session.scalar(select(Aanvraag.id).where(Aanvraag.bsn == CJG_BSN,
                                                                Aanvraag.status == "te_beoordelen"))
        aanvraag_id = until(waiting_aanvraag, "the aanvraag in the CJG's queue")

        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(base_url=server.url)
            try:
                _morning(page, number=number, aanvraag_id=aanvraag_id, sessions=sessions)
                _audit(page, sessions)
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                raise
            finally:
                browser.close()


def _login(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def _morning(page, *, number: int, aanvraag_id: int, sessions) -> None:
    from playwright.sync_api import expect
    # Pages need a session: the log redirects to the log-in form and comes back after it.
    page.goto("/berichten")
    assert "/login" in page.url
    page.fill("#username", "marieke")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/berichten"))

    # Search the log by BSN: the client's messages, BSN masked in the list.
    page.fill("input[name=q]", ZIN_BSN)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=" + ZIN_BSN))
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    listed = rows.all_inner_texts()
    for soort in ("AGJ", "JW301", "JW305"):  # (a JW302 carries no BSN: it is in the chain)
        assert any(soort in row for row in listed), (soort, listed)
    assert ZIN_BSN not in page.locator("table").inner_text()
    assert "*****4323" in page.locator("table").inner_text()

    # Open the JW305 and walk its chain back to the aanvraag.
    page.locator("table tbody tr", has_text="JW305").first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/berichten/\d+$"))
    expect(page.locator("h1")).to_contain_text("JW305")
    chain = page.locator("ol.keten")
    for step in ("AGJ", "JW301", "JW302", "JW305"):
        expect(chain).to_contain_text(step)
    chain.locator("a", has_text="JW301").first.click()
    page.wait_for_url(re.compile(r"/berichten/\d+$"))
    expect(page.locator("h1")).to_contain_text("JW301")
    expect(page.locator("pre.xml")).to_contain_text(str(number))

    # Decide the waiting aanvraag: toekennen with a changed volume.
    page.click("nav >> text=Aanvragen")
    page.locator(f"a[href='/aanvragen/{aanvraag_id}']").first.click()
    page.wait_for_url(re.compile(rf"/aanvragen/{aanvraag_id}$"))
    page.check("input[name=besluit][value=wijzigen]")
    volume = page.locator("input[name$=_volume]").first
    volume.fill("3")
    page.fill("#motivering", "Drie uur per week volstaat voor nu.")  # less than asked (design.md §9)
    page.click("text=Besluit vastleggen")
    page.wait_for_url(re.compile(r"besloten=1"))
    expect(page.locator("p.melding")).to_be_visible()

    def carried_out():
        with sessions() as session:
            return session.scalars(select(Toewijzing.volume).where(Toewijzing.bsn == CJG_BSN)).all()
    # The CJG's volume, not the asked one (6), went into the toewijzing the worker made.
    assert until(carried_out, "the decision to be carried out by the worker") == [3]
    page.reload()
    expect(page.locator("main")).to_contain_text("toegekend")

    # Enter an aanvraagformulier with the parents of a new client.
    page.click("nav >> text=Nieuwe aanvraag")
    fields = {"#bsn": "999993653", "#geboortedatum": "2016-04-12", "#voornamen": "Noor",
              "#achternaam": "Jansen", "#straatnaam": "Kerkstraat", "#huisnummer": "12",
              "#postcode": "1017 GC", "#plaatsnaam": "Amsterdam", "#telefoon": "0201234567",
              "#hulpvraag": "Noor heeft angstklachten en gaat niet meer naar school.",
              "#contextanalyse": "Moeder alleenstaand, school en huisarts betrokken.",
              "#resultaten": "Noor gaat weer naar school.", "#toestemming_ouders": "2026-11-02",
              "#afstemming_datum": "2026-11-16", "#ingangsdatum_1": "2026-12-01",
              "#einddatum_1": "2027-05-31", "#volume_1": "4"}
    for selector, value in fields.items():
        page.fill(selector, value)
    page.select_option("#aanbieder", "12345678")
    page.select_option("#geslacht", "2")
    page.check("input[name=overeenstemming][value=ja]")
    page.check("input[name=leveringsvorm][value=ZIN]")
    page.select_option("#product_1", "45/45A01")
    page.click("text=Aanvraag indienen")
    page.wait_for_url(re.compile(r"/berichten/\d+\?ingevoerd=1"))
    expect(page.locator("h1")).to_contain_text("AGJ")
    expect(page.locator("main")).to_contain_text("geaccepteerd")

    # The client's timeline, reached from a message (the URL has the internal id, no BSN).
    with sessions() as session:
        client_id = session.scalar(select(Client.id).where(Client.bsn == ZIN_BSN))
    page.goto("/berichten?q=" + ZIN_BSN)
    page.locator("table tbody tr", has_text="JW305").first.locator("a").first.click()
    page.locator(f"a[href='/clienten/{client_id}']").first.click()
    page.wait_for_url(re.compile(rf"/clienten/{client_id}$"))
    timeline = page.locator("ol.tijdlijn").first
    for step in ("17B", "17C", "20", "21"):
        expect(timeline).to_contain_text(step)
    expect(page.locator("main")).to_contain_text(str(number))
    page.click("text=Uitloggen")
    page.wait_for_url(re.compile(r"/login"))


def _audit(page, sessions) -> None:
    from playwright.sync_api import expect
    _login(page, "beheer")
    page.goto("/audit?gebruiker=marieke")
    table = page.locator("table").first
    expect(table).to_contain_text("marieke")
    with sessions() as session:
        entries = session.execute(select(AuditRegel.actie, AuditRegel.object_type)
                                  .where(AuditRegel.gebruiker == "marieke")).all()
    for needed in (("bekijken", "bericht"), ("besluiten", "aanvraag"), ("aanvraag_ingevoerd", "bericht"),
                   ("bekijken", "client")):
        assert needed in entries, needed
    text = table.inner_text()
    for label in ("Bekeken", "Besluit genomen", "Aanvraag ingevoerd"):
        assert label in text, label
