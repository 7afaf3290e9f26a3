"""Headers that keep personal data private: the API's answers are never cached or sniffed,
the beschikking document and /docs live under the back office's Content-Security-Policy,
/docs loads nothing from outside the gateway, and HTTPS answers carry HSTS."""
from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.route import aanvragen, fetch, json_auth, post, postbus, request, run_work

BACKOFFICE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'{styles}; "
                     "script-src 'self'{scripts}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _sha256(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def _private(answer) -> None:
    assert answer.headers["cache-control"] == "no-store", answer.request.url
    assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url


def test_api_answers_with_personal_data_are_not_stored_or_sniffed(client, parties, published, app):
    provider, gemeente = json_auth(parties["provider"]), json_auth(parties["gemeente"])
    accepted = post(client, parties["provider"], request("AGJ", "HDR1"))
    assert accepted.status_code == 202
    _private(accepted)
    _private(client.get(accepted.headers["location"], headers=provider))
    _private(client.post("/api/v1/validatie", content=request("AGJ", "HDR2"), headers=auth(parties["provider"])))
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    _private(client.get("/api/v1/postbus", headers=provider))
    fetch(client, parties["provider"], item)
    _private(client.get(item["href"], headers=provider))  # the JW301: BSN, name, address
    [aanvraag] = aanvragen(client, parties["gemeente"])
    _private(client.get(aanvraag["href"], headers=gemeente))
    _private(client.get("/api/v1/clienten/999994323/traject", headers=gemeente))
    # Errors too: a 404 must not be cached in place of the answer that comes later.
    _private(client.get("/api/v1/berichten/999999", headers=provider))
    _private(client.get("/api/v1/postbus"))
    # An XML or JSON answer opened in a browser may run and load nothing.
    assert client.get(item["href"], headers=provider).headers["content-security-policy"].startswith(
        "default-src 'none'")


def test_beschikking_document_gets_the_back_offices_policy_with_its_own_style(client, parties, published, app):
    post(client, parties["provider"], request("AGJ", "HDR3"))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = json_auth(parties["gemeente"])
    href = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["href"]
    document = client.get(href + "/document", headers=gemeente)
    assert document.status_code == 200
    _private(document)
    [style] = re.findall(r"<style>(.*?)</style>", document.text, flags=re.S)
    assert "<script" not in document.text
    assert document.headers["content-security-policy"] == BACKOFFICE_POLICY.format(
        styles=f" {_sha256(style)}", scripts="")
    assert document.headers["x-frame-options"] == "DENY"
    assert document.headers["referrer-policy"] == "same-origin"


def test_docs_are_served_by_the_gateway_under_a_strict_policy(client):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "http" not in page.text.lower().replace("http-equiv", "")  # no CDN, no other origin
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000, source
    [script] = re.findall(r"<script>(.*?)</script>", page.text, flags=re.S)
    assert page.headers["content-security-policy"] == BACKOFFICE_POLICY.format(
        styles="", scripts=f" {_sha256(script)}")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    openapi = client.get("/openapi.json")
    assert openapi.status_code == 200 and "/api/v1/berichten" in openapi.json()["paths"]
    # One documentation page: ReDoc would need inline styles; its path stays the API's.
    redoc = client.get("/redoc")
    assert redoc.status_code == 404 and redoc.headers["content-type"] == "application/problem+json"


def test_hsts_only_when_the_request_came_over_https(app, parties):
    with TestClient(app, base_url="https://gateway.example") as https:
        for path in ("/healthz", "/login", "/docs"):
            assert https.get(path).headers["strict-transport-security"] == "max-age=31536000", path
        assert "strict-transport-security" in https.get("/api/v1/postbus").headers  # a 401 too
    with TestClient(app) as http:
        for path in ("/healthz", "/login", "/docs", "/api/v1/postbus"):
            assert "strict-transport-security" not in http.get(path).headers, path
