"""/docs in a real browser on a host without internet: Swagger UI renders every operation
from the gateway's own files, under the Content-Security-Policy, with no request to any other
origin and no policy violation (a wrong hash would leave the page blank)."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.integration.test_backoffice_browser import CHROMIUM, Server, _browser_or_skip


def test_docs_render_from_the_gateway_alone(database_url, engine, tmp_path):
    playwright = _browser_or_skip()
    with Server(database_url, tmp_path, with_worker=False) as server, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requests, console = [], []
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console.append(m.text))
            page.goto(f"{server.url}/docs")
            page.wait_for_selector(".opblock", timeout=20_000)
            page.wait_for_load_state("networkidle")
            operations = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
    assert "/api/v1/berichten" in operations and "/api/v1/postbus" in operations
    origins = {urlsplit(url).netloc for url in requests}
    assert origins == {f"127.0.0.1:{server.port}"}, requests
    assert not [text for text in console if "Content Security Policy" in text], console
