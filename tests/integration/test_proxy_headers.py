"""`gateway serve --proxy-headers --forwarded-allow-ips …`: X-Forwarded-For and -Proto count
only from the proxies named, for the access log (ours and uvicorn's) and for the scheme (HSTS,
Secure cookies). Without the options nothing a client sends changes its address, also from
127.0.0.1, which uvicorn on its own would trust.

Two real servers on the test database; the untrusted peer is 127.0.0.2 (the whole 127/8
is this machine's loopback), the trusted proxy 127.0.0.1."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from gateway.db.models import AuditRegel
from gateway.domain.beheer import audit
from tests.backoffice import csrf_of
from tests.integration.test_backoffice_browser import Server

HSTS = "strict-transport-security"


def _client(server: Server, source: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=source), timeout=10)


def _failed_login(server: Server, source: str, forwarded_for: str, username: str) -> None:
    with _client(server, source) as client:
        form = client.get("/login")
        answer = client.post("/login", headers={"X-Forwarded-For": forwarded_for},
                             data={"username": username, "password": "fout", "csrf_token": csrf_of(form.text)})
        assert answer.status_code == 401, answer.text


def _over_https(server: Server, source: str) -> httpx.Response:
    with _client(server, source) as client:
        return client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.50"})


def test_forwarded_headers_count_only_from_the_proxies_named(database_url, engine, sessions, users, tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "proxied").mkdir()
    with Server(database_url, tmp_path / "plain", with_worker=False) as plain, \
            Server(database_url, tmp_path / "proxied", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
                   with_worker=False) as proxied:
        _failed_login(plain, "127.0.0.1", "203.0.113.7", users["cjg"])
        _failed_login(proxied, "127.0.0.1", "203.0.113.8", users["cjg"])  # the proxy: believed
        _failed_login(proxied, "127.0.0.2", "203.0.113.9", users["cjg"])  # anyone else: not

        https = _over_https(proxied, "127.0.0.1")
        assert https.headers[HSTS] == "max-age=31536000"
        assert "secure" in https.headers["set-cookie"].lower()
        for server, source in ((plain, "127.0.0.1"), (proxied, "127.0.0.2")):
            spoofed = _over_https(server, source)
            assert HSTS not in spoofed.headers
            assert "secure" not in spoofed.headers["set-cookie"].lower()

    with sessions() as session:
        addresses = session.scalars(select(AuditRegel.adres).where(AuditRegel.actie == audit.INLOGGEN_MISLUKT)
                                    .order_by(AuditRegel.id)).all()
    assert addresses == ["127.0.0.1", "203.0.113.8", "127.0.0.2"]
    plain_log, proxied_log = plain.log.read_text(), proxied.log.read_text()
    assert '127.0.0.1:' in plain_log and "203.0.113." not in plain_log, plain_log
    assert '"client": "203.0.113.8:0"' in proxied_log, proxied_log
    assert '127.0.0.2:' in proxied_log and "203.0.113.9" not in proxied_log, proxied_log
