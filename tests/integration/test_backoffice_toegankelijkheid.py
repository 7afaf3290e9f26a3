"""Accessibility of the back office in a real browser (WCAG 2.1 AA as far as a machine can
tell): every page of the back office, for the CJG, finance and the administrator, at 1,366 px
and at 390 px (a phone), checked with axe-core (tests/fixtures/axe, vendored) and with no
sideways scrolling of the page at 390 px; and the error summary of the decision form takes the
focus after a failed submit and its link takes the user to the field.

One `gateway serve` and one chromium for all of it (the server and helpers of
test_backoffice_browser.py). Skipped without chromium unless GATEWAY_REQUIRE_BROWSER is set.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import httpx
from sqlalchemy import select

from gateway.db.models import Aanvraag, Bericht, Beschikking, Client
from tests.backoffice import USERS
from tests.integration.test_backoffice_browser import (
    CHROMIUM,
    CJG_BSN,
    ZIN_BSN,
    Server,
    _browser_or_skip,
    _login,
    seed_route,
    until,
)
from tests.integration.test_declaraties import jw323, prestatie
from tests.route import json_auth

AXE = Path(__file__).parents[1] / "fixtures" / "axe" / "axe.min.js"
DESKTOP, PHONE = 1366, 390
# What axe finds at these levels keeps someone from using the page at all (critical) or makes
# it very hard (serious); "moderate" and "minor" are reported by axe but do not fail the run.
FAILING_IMPACTS = ("serious", "critical")
# Downloads, not pages.
NOT_PAGES = {"/audit.csv", "/berichten.csv", "/berichten/{bericht_id}/xml",
             "/beschikkingen/{beschikking_id}/document.pdf"}
WEB_MODULES = ("auth", "berichten", "aanvragen", "formulier", "clienten", "termijnen", "financien",
               "financien_extra", "declaraties", "audit", "partijen", "blokkades", "gebruikers")

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
}"""


def _back_office_routes() -> set[str]:
    """Every GET route of the back office, as the routers declare them."""
    paths = set()
    for name in WEB_MODULES:
        module = importlib.import_module(f"gateway.web.{name}")
        paths |= {route.path for route in module.router.routes if "GET" in route.methods}
    return paths - NOT_PAGES


def _seed(api: httpx.Client, parties: dict, sessions) -> dict:
    """The route of test_backoffice_browser (an AGJ granted and started, one waiting for the
    CJG) plus a declaration on the granted toewijzing; the ids the pages need."""
    number = seed_route(api, parties)
    provider = {**json_auth(parties["provider"]), "Content-Type": "application/xml"}
    declaratie = api.post("/api/v1/berichten", content=jw323([prestatie(nummer=number)]), headers=provider)
    assert declaratie.status_code in (202, 422), declaratie.text

    def waiting():
        with sessions() as session:
            return session.scalar(select(Aanvraag.id).where(Aanvraag.bsn == CJG_BSN,
                                                            Aanvraag.status == "te_beoordelen"))
    ids = {"aanvraag": until(waiting, "the aanvraag in the CJG's queue")}
    with sessions() as session:
        ids["bericht_xml"] = session.scalar(select(Bericht.id).where(Bericht.berichttype == "JW301"))
        ids["bericht_in"] = session.scalar(select(Bericht.id).where(Bericht.berichttype == "JW305"))
        ids["declaratie"] = session.scalar(select(Bericht.id).where(Bericht.berichttype == "JW323"))
        ids["client"] = session.scalar(select(Client.id).where(Client.bsn == ZIN_BSN))
        ids["toegekend"] = session.scalar(select(Aanvraag.id).where(Aanvraag.bsn == ZIN_BSN))
    assert all(ids.values()), ids
    return ids


class Checker:
    """axe and the width check on one page at both widths; collects every problem so that one
    run shows all of them instead of the first."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.visited: set[str] = set()

    def check(self, path: str, route: str, *, navigate: bool = True) -> None:
        self.visited.add(route)
        for width in (DESKTOP, PHONE):
            self.page.set_viewport_size({"width": width, "height": 900 if width == DESKTOP else 844})
            if navigate:
                response = self.page.goto(path)
                assert response is not None and response.status < 500, (path, response and response.status)
            self.page.add_script_tag(path=str(AXE))
            for v in self.page.evaluate(_AXE_RUN):
                if v["impact"] in FAILING_IMPACTS:
                    self.problems.append(f"{path} at {width}px: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}")
            scroll, inner = self.page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            if width == PHONE and scroll > inner:
                # The outermost elements that stick out, to say where to look.
                wide = self.page.evaluate("""() => [...document.body.querySelectorAll('*')]
                  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                  .slice(0, 4).map(e => e.tagName.toLowerCase() + '.' + e.getAttribute('class'))""")
                self.problems.append(f"{path} at {width}px: page is {scroll}px wide for {inner}px ({wide})")
            if width == DESKTOP and path.startswith("/aanvraagformulier"):
                # On a laptop the whole intake form, product lines included, fits without any
                # sideways scrolling, not even inside the lines' own scrolling box.
                boxes = self.page.evaluate(
                    "() => [...document.querySelectorAll('.tabelvak')].map(e => [e.scrollWidth, e.clientWidth])")
                if scroll > inner or any(wide > box for wide, box in boxes):
                    self.problems.append(f"{path} at {width}px: page {scroll}px for {inner}px, boxes {boxes}")


def test_the_back_office_passes_axe_at_desktop_and_phone_width_and_its_error_summary_takes_the_focus(database_url, engine, sessions, parties,
                                                                      users, tmp_path):
    sync_api = _browser_or_skip()
    with Server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as api:
        ids = _seed(api, parties, sessions)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            console: list[str] = []
            # First under the real Content-Security-Policy: the summary's script is a file.
            strict = browser.new_page(base_url=server.url, viewport={"width": PHONE, "height": 844})
            strict.on("console", lambda m: console.append(m.text))
            try:
                _error_summary(strict, ids["aanvraag"])
            except Exception:
                strict.screenshot(path=str(tmp_path / "failure.png"))
                browser.close()
                raise
            strict.close()
            assert not [text for text in console if "Content Security Policy" in text], console
            # axe goes in as an inline script, which the pages' Content-Security-Policy forbids:
            # this context alone bypasses it (the error-summary test keeps the policy).
            context = browser.new_context(base_url=server.url, bypass_csp=True)
            page = context.new_page()
            checker = Checker(page)
            try:
                checker.check("/login", "/login")
                _cjg_pages(page, checker, ids, sessions)
                _finance_pages(page, checker, ids)
                _admin_pages(page, checker)
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                raise
            finally:
                browser.close()
    assert not checker.problems, "\n".join(checker.problems)
    assert _back_office_routes() <= checker.visited | {"/"}, _back_office_routes() - checker.visited


def _cjg_pages(page, checker: Checker, ids: dict, sessions) -> None:
    _login(page, USERS["cjg"])
    page.wait_for_url(lambda url: "/login" not in url)
    checker.check("/aanvragen", "/aanvragen")
    checker.check(f"/aanvragen/{ids['aanvraag']}", "/aanvragen/{aanvraag_id}")
    checker.check(f"/aanvragen/{ids['toegekend']}", "/aanvragen/{aanvraag_id}")
    checker.check("/berichten", "/berichten")
    checker.check(f"/berichten?q={ZIN_BSN}", "/berichten")
    checker.check(f"/berichten/{ids['bericht_xml']}", "/berichten/{bericht_id}")
    checker.check(f"/berichten/{ids['bericht_in']}", "/berichten/{bericht_id}")
    checker.check("/termijnen", "/termijnen")
    checker.check("/aanvraagformulier", "/aanvraagformulier")
    # The intake form after a failed submit: the error summary and the marked fields.
    page.goto("/aanvraagformulier")
    page.fill("#bsn", "12345")
    page.click("text=Aanvraag indienen")
    page.wait_for_selector("[data-foutsamenvatting]")
    checker.check("/aanvraagformulier (fouten)", "/aanvraagformulier", navigate=False)
    checker.check(f"/clienten/{ids['client']}", "/clienten/{client_id}")
    checker.check("/clienten", "/clienten")
    checker.check("/clienten?q=Hoek", "/clienten")

    with sessions() as session:
        beschikking = session.scalar(select(Beschikking.id).where(Beschikking.aanvraag_id == ids["toegekend"]))
    if beschikking is None:  # the automatic grant makes no beschikking: the CJG's decision does
        beschikking = _decide(page, ids["aanvraag"], sessions)
    checker.check(f"/beschikkingen/{beschikking}", "/beschikkingen/{beschikking_id}")
    page.goto(f"/beschikkingen/{beschikking}")
    page.click("form[action$='/bezwaren'] button[type=submit]")
    page.wait_for_selector("[data-foutsamenvatting]")
    checker.check(f"/beschikkingen/{beschikking} (fouten)", "/beschikkingen/{beschikking_id}", navigate=False)
    checker.check("/berichten/999999999", "/berichten/{bericht_id}")  # the error page


def _decide(page, aanvraag_id: int, sessions) -> int:
    page.goto(f"/aanvragen/{aanvraag_id}")
    page.check("input[name=besluit][value=toekennen]")
    page.click("text=Besluit vastleggen")
    page.wait_for_url(re.compile(r"besloten=1"))

    def made():
        with sessions() as session:
            return session.scalar(select(Beschikking.id).where(Beschikking.aanvraag_id == aanvraag_id))
    return until(made, "the beschikking of the decision")


def _finance_pages(page, checker: Checker, ids: dict) -> None:
    page.click("text=Uitloggen")
    _login(page, USERS["finance"])
    page.wait_for_url(lambda url: "/login" not in url)
    checker.check("/financien", "/financien")
    checker.check("/financien?van=2026-01-01&tot=2026-12-31", "/financien")
    checker.check("/financien/declaraties", "/financien/declaraties")
    checker.check(f"/financien/declaraties/{ids['declaratie']}", "/financien/declaraties/{bericht_id}")
    checker.check("/financien/uitzonderingen", "/financien/uitzonderingen")
    checker.check("/financien/bestedingsruimte", "/financien/bestedingsruimte")
    checker.check("/financien?van=gisteren", "/financien")  # a filter with an error summary


def _admin_pages(page, checker: Checker) -> None:
    page.click("text=Uitloggen")
    _login(page, USERS["admin"])
    page.wait_for_url(lambda url: "/login" not in url)
    checker.check("/audit", "/audit")
    checker.check("/audit?van=gisteren", "/audit")
    checker.check("/partijen", "/partijen")
    checker.check("/blokkades", "/blokkades")
    checker.check("/gebruikers", "/gebruikers")


def _error_summary(page, aanvraag_id: int) -> None:
    """A refused decision: the summary is announced and focused, its link focuses the field."""
    from playwright.sync_api import expect
    _login(page, USERS["cjg"])
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/aanvragen/{aanvraag_id}")
    # The skip link is the first thing a keyboard reaches, and it leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#inhoud"

    page.check("input[name=besluit][value=afwijzen]")  # without a reason: refused
    page.click("text=Besluit vastleggen")
    summary = page.locator("[data-foutsamenvatting]")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Er is iets niet goed ingevuld")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") < 844  # scrolled into view
    link = summary.locator("a[href='#reden_afwijzing']")
    expect(link).to_contain_text("Reden van afwijzing")
    link.click()
    expect(page.locator("#reden_afwijzing")).to_be_focused()
    expect(page.locator("#reden_afwijzing")).to_have_attribute("aria-invalid", "true")
    # The field's own message stays beside it, tied to it for a screen reader.
    expect(page.locator("#reden_afwijzing")).to_have_attribute("aria-describedby", "reden_afwijzing-fout")


# -- the error summary at HTTP level: every link leads to a field that is on the page ----------
_SUMMARY = re.compile(r'<div class="foutsamenvatting" role="alert" tabindex="-1"[^>]*>(.*?)</div>', re.S)


def _summary_links(html: str) -> list[tuple[str, str]]:
    """The summary's (target id, link text), after checking each target exists once."""
    found = _SUMMARY.search(html)
    assert found, "no error summary on the page"
    assert '<script src="/static/foutsamenvatting.js"></script>' in html
    assert "Er is iets niet goed ingevuld" in found.group(1)
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', found.group(1), re.S)
    assert links, "an error summary without links"
    for target, _ in links:
        assert len(re.findall(rf'\sid="{re.escape(target)}"', html)) == 1, target
    return [(target, " ".join(text.split())) for target, text in links]


def test_the_decision_forms_error_summary_links_each_field_with_its_label(client, parties, users, published, app,
                                                                         sessions):
    from tests.backoffice import login
    from tests.integration.test_backoffice_aanvragen import _agj, _decide
    aanvraag_id = _agj(client, parties, published, app, sessions, "R-AGJ1", "VB-REF-0101")
    login(client, USERS["cjg"])
    links = dict(_summary_links(_decide(client, aanvraag_id, {}).text))
    assert links == {"besluit": "Besluit: Kies een van de besluiten."}  # the first radio has the id
    wijzigen = {"besluit": "wijzigen", "p1_volume": "abc", "p1_eenheid": "04", "p1_frequentie": "2",
                "p1_ingangsdatum": "2026-09-15", "p1_einddatum": "2026-09-01"}
    links = dict(_summary_links(_decide(client, aanvraag_id, wijzigen).text))
    assert links["p1_volume"].startswith("VB-REF-0101, volume: ") and "geheel getal" in links["p1_volume"]
    assert links["p1_einddatum"].startswith("VB-REF-0101, einddatum: ")
    links = dict(_summary_links(_decide(client, aanvraag_id, {"besluit": "afwijzen", "reden_afwijzing": "8"}).text))
    assert links["woonplaatsbeginsel"].startswith("Verantwoordelijke gemeente: ")
    # A good decision shows no summary.
    assert "data-foutsamenvatting" not in client.get(f"/aanvragen/{aanvraag_id}").text


def test_the_intake_forms_error_summary_links_each_field(client, parties, users, sessions):
    from tests.backoffice import login
    from tests.integration.test_backoffice_formulier import geldig, indienen
    login(client, USERS["cjg"])
    data = geldig(bsn="", overeenstemming="")
    answer = indienen(client, data)
    assert answer.status_code == 400
    targets = [target for target, _ in _summary_links(answer.text)]
    assert "bsn" in targets and "overeenstemming" in targets
    none = indienen(client, geldig(product_1="", ingangsdatum_1="", einddatum_1="", volume_1=""))
    assert "producten" in [target for target, _ in _summary_links(none.text)]  # the fieldset of the lines


def test_the_filter_forms_error_summaries_lead_to_their_fields(client, parties, users):
    from tests.backoffice import login
    pages = {USERS["cjg"]: [("/berichten?van=gisteren", "van"), ("/aanvragen?status=weg", "status")],
             USERS["finance"]: [("/financien?van=gisteren", "f-van"), ("/financien/uitzonderingen?tot=morgen", "u-tot"),
                                ("/financien/bestedingsruimte?jaar=dit", "b-jaar")],
             USERS["admin"]: [("/audit?van=gisteren", "f-van")]}
    for user, checks in pages.items():
        login(client, user)
        for path, target in checks:
            answer = client.get(path)
            assert answer.status_code in (200, 400), (path, answer.status_code)
            assert target in [t for t, _ in _summary_links(answer.text)], path
        client.cookies.clear()
