"""Response headers that keep personal data out of caches and other origins.

One policy for the whole gateway: the back office's pages, the API's answers (most carry a
BSN, a name or a message), the beschikking document and the API documentation. A page that
needs an inline `<style>` or `<script>` (the beschikking document, Swagger UI's start-up
script) gets that exact block allowed by its hash, never `'unsafe-inline'`.
"""
from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = (b"cache-control", b"no-store")
NOSNIFF = (b"x-content-type-options", b"nosniff")
# A year; no includeSubDomains: other hosts of the operator's domain may not have TLS.
HSTS = (b"strict-transport-security", b"max-age=31536000")
# Answers that are not pages (JSON, XML) may load nothing and be framed nowhere.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def content_security_policy(*, scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The back office's policy: everything from the gateway itself, no framing, no inline
    code except the given `'sha256-…'` sources."""
    script_src = " ".join(["'self'", *scripts])
    style_src = " ".join(["'self'", *styles])
    return (f"default-src 'self'; img-src 'self' data:; style-src {style_src}; script-src {script_src}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


PAGE_HEADERS = [
    NO_STORE,
    NOSNIFF,
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", content_security_policy().encode()),
]


def inline_hashes(html: str, tag: str) -> list[str]:
    """CSP sources (`'sha256-…'`) for each inline `<tag>` block of the page (blocks with a
    `src` are files and need none). Autoescaped text can hold no `<tag>`, so only the
    template's own blocks are found."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks]


def document_headers(html: str) -> dict[str, str]:
    """The back office's headers for a stand-alone HTML document, allowing its own inline
    style and script blocks."""
    headers = {name.decode(): value.decode() for name, value in PAGE_HEADERS}
    headers["content-security-policy"] = content_security_policy(
        scripts=inline_hashes(html, "script"), styles=inline_hashes(html, "style"))
    return headers


class SecurityHeaders:
    """For every answer of the gateway: `nosniff`; HSTS when the request came over HTTPS
    (the scheme after a trusted proxy's X-Forwarded-Proto); and for the machine API
    (`/api/…`) `no-store` and a policy that loads nothing. Headers a route set itself win."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [NOSNIFF]
        if scope.get("path", "").startswith("/api/"):
            extra += [NO_STORE, (b"content-security-policy", API_CSP.encode())]
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        await self.app(scope, receive, adding_headers(send, lambda: extra))


def adding_headers(send: Send, extra: Callable[[], list[tuple[bytes, bytes]]]) -> Send:
    """`send` that adds `extra()` (called when the answer starts) to the answer's headers,
    leaving out those the answer already has."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            message["headers"] = headers + [(n, v) for n, v in extra() if n not in present]
        await send(message)

    return send_with_headers
