"""Screenshots of the back office's main pages at 1,366 px (a laptop) and 390 px (a phone), as
PNGs beside this file (listed in README.md here).

The data is the route of the browser tests, entered the way providers enter it (through the
API): an AGJ granted and started, an AGJ waiting for the CJG, a declaration. The server is a
real `gateway serve` on a throw-away SQLite database with its embedded worker; the browser is
Debian's chromium (never a downloaded one). Viewport-sized, not full page, to keep the files
small.

Run: .venv/bin/python docs/backoffice/make_screenshots.py [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx
from playwright.sync_api import sync_playwright

from gateway.db.migrate import upgrade
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.intake.parties import add_party
from tests.backoffice import USERS, add_users
from tests.integration.test_backoffice_browser import CHROMIUM, ZIN_BSN, Server, _login
from tests.integration.test_backoffice_toegankelijkheid import _seed

WIDTHS = {"breed": (1366, 900), "smal": (390, 844)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = f"sqlite:///{directory / 'gateway.db'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with unit_of_work(sessions) as session:
            _, provider = add_party(session, soort="aanbieder", code="12345678", naam="Zorg BV")
            add_party(session, soort="gemeente", code="0363", naam="Amsterdam")
        add_users(sessions)
        with Server(url, directory) as server, httpx.Client(base_url=server.url, timeout=10) as api:
            ids = _seed(api, {"provider": provider}, sessions)
            shoot(server.url, ids, args.out)
        engine.dispose()


def shoot(base_url: str, ids: dict, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for suffix, (width, height) in WIDTHS.items():
                page = browser.new_page(base_url=base_url, viewport={"width": width, "height": height})
                pages(page, ids, lambda name, path=None, page=page, suffix=suffix: snap(page, out, name, suffix, path))
                page.close()
        finally:
            browser.close()


def snap(page, out: Path, name: str, suffix: str, path: str | None = None) -> None:
    if path is not None:
        page.goto(path)
    target = out / f"{name}-{suffix}.png"
    page.screenshot(path=str(target))
    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)


def pages(page, ids: dict, snap) -> None:
    snap("login", "/login")
    _login(page, USERS["cjg"])
    page.wait_for_url(lambda u: "/login" not in u)
    snap("aanvragen", "/aanvragen")
    snap("aanvraag", f"/aanvragen/{ids['aanvraag']}")
    # The decision form refused: the error summary has the focus and is in view.
    page.check("input[name=besluit][value=afwijzen]")
    page.click("text=Besluit vastleggen")
    page.wait_for_selector("[data-foutsamenvatting]")
    snap("besluit-foutsamenvatting")
    snap("berichten", f"/berichten?q={ZIN_BSN}")
    snap("bericht", f"/berichten/{ids['bericht_xml']}")
    snap("client", f"/clienten/{ids['client']}")
    snap("aanvraagformulier", "/aanvraagformulier")
    page.click("text=Uitloggen")
    _login(page, USERS["finance"])
    page.wait_for_url(lambda u: "/login" not in u)
    snap("financien", "/financien")
    snap("declaraties", "/financien/declaraties")


if __name__ == "__main__":
    main()
