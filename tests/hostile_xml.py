"""Bodies that name a resource outside themselves, in every encoding, and a child process
that parses or posts them.

Reading any of these targets would show: `/dev/ptmx` and a FIFO nobody writes to block an
open() or read() forever, `/dev/zero` never ends, `/etc/passwd` exists and a missing path does
not (an answer that differs between them tells the sender which files exist), and the http URL
points at a socket the test watches. Because a regression hangs rather than fails, the cases
run in a child process that the test kills after a deadline (`run_child`); the child prints one
JSON line per case as it goes, so a hang names the case it hung on.

    python -m tests.hostile_xml parse CONFIG   (parser level: gateway.xml.safe, gateway.rules.check)
    python -m tests.hostile_xml api CONFIG     (POST /api/v1/berichten and /api/v1/validatie)
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support import example

# name -> (label in the XML declaration, encoder of the whole document text)
ENCODINGS = {
    "utf-8": ("UTF-8", lambda text: text.encode("utf-8")),
    "utf-8-bom": ("UTF-8", lambda text: text.encode("utf-8-sig")),
    "utf-16-le": ("UTF-16LE", lambda text: text.encode("utf-16-le")),
    "utf-16-be": ("UTF-16BE", lambda text: text.encode("utf-16-be")),
    "utf-16-le-bom": ("UTF-16", lambda text: b"\xff\xfe" + text.encode("utf-16-le")),
    "utf-16-be-bom": ("UTF-16", lambda text: b"\xfe\xff" + text.encode("utf-16-be")),
    "utf-32-le": ("UTF-32LE", lambda text: text.encode("utf-32-le")),
    "utf-32-be": ("UTF-32BE", lambda text: text.encode("utf-32-be")),
    "utf-32-le-bom": ("UTF-32", lambda text: b"\xff\xfe\x00\x00" + text.encode("utf-32-le")),
    "utf-32-be-bom": ("UTF-32", lambda text: b"\x00\x00\xfe\xff" + text.encode("utf-32-be")),
    # ASCII bytes in which '<!DOCTYPE' never appears ('<' is '+ADw-'): no byte scan sees it.
    "utf-7": ("UTF-7", lambda text: _utf7(text)),
}

# name -> the declaration that names `url`, and what the body refers to it with
VECTORS = {
    "doctype-system": ('<!DOCTYPE Bericht SYSTEM "{url}">', ""),
    "doctype-public": ('<!DOCTYPE Bericht PUBLIC "-//Gateway//Test//NL" "{url}">', ""),
    "parameter-entity": ('<!DOCTYPE Bericht [<!ENTITY % ext SYSTEM "{url}"> %ext;]>', ""),
    "external-entity": ('<!DOCTYPE Bericht [<!ENTITY ext SYSTEM "{url}">]>', "&ext;"),
}
# Ways to name a resource without a DOCTYPE: the body is usable XML and must be answered as
# if the reference were not there (libxml2's XSD validator honours no schemaLocation hint
# once it has a schema, and nothing processes XInclude).
REFERENCES = {
    "schema-location": ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
                       ' xsi:schemaLocation="http://www.istandaarden.nl/ijw/3_2/jw305/schema {url}"',
    "xinclude": ' xmlns:xi="http://www.w3.org/2001/XInclude"',
}


def targets(fifo: Path, port: int) -> dict[str, str]:
    return {
        "dev-ptmx": "file:///dev/ptmx",
        "dev-zero": "file:///dev/zero",
        "fifo": fifo.as_uri(),
        "etc-passwd": "/etc/passwd",
        "missing": "/nonexistent/gateway-test.dtd",
        "http": f"http://127.0.0.1:{port}/gateway-test.dtd",
    }


@contextmanager
def watched_port():
    """A listening socket on a free loopback port; yields the list of accepted peers."""
    accepted: list = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)

        def accept() -> None:
            while True:
                try:
                    connection, peer = server.accept()
                except OSError:  # closed at the end of the test
                    return
                accepted.append(peer)
                connection.close()

        threading.Thread(target=accept, daemon=True).start()
        yield server.getsockname()[1], accepted


def _utf7(text: str) -> bytes:
    declaration, rest = text.split("?>", 1)
    return (declaration + "?>").encode("ascii") + rest.encode("utf-7").replace(b"<", b"+ADw-")


def _message_text() -> str:
    """The JW305 example without its XML declaration."""
    return example("JW305").decode("utf-8").split("?>", 1)[1].lstrip()


def hostile(encoding: str, vector: str, url: str) -> bytes:
    """The JW305 example with `vector` naming `url`, in `encoding`."""
    label, encode = ENCODINGS[encoding]
    declaration, reference = VECTORS[vector]
    message = _message_text()
    if reference:
        message = message.replace("<jw305:Bsn>", "<jw305:Bsn>" + reference, 1)
    return encode(f'<?xml version="1.0" encoding="{label}"?>\n{declaration.format(url=url)}\n{message}')


def referring(kind: str, url: str) -> bytes:
    """The JW305 example that names `url` without a DOCTYPE (schemaLocation, XInclude)."""
    message = _message_text()
    root = "<jw305:Bericht "
    message = message.replace(root, "<jw305:Bericht" + REFERENCES[kind].format(url=url) + " ", 1)
    if kind == "xinclude":
        message = message.replace("</jw305:Header>", f'<xi:include href="{url}" parse="text"/></jw305:Header>', 1)
    return message.encode("utf-8")


def cases(config: dict) -> list[tuple[str, bytes]]:
    """(id, body) for the parser level: every encoding x vector x target."""
    return [(f"{encoding}/{vector}/{target}", hostile(encoding, vector, url))
            for encoding in ENCODINGS for vector in VECTORS
            for target, url in config["targets"].items()]


def api_cases(config: dict) -> list[tuple[str, bytes]]:
    """For the API: every encoding x target with a SYSTEM DOCTYPE, and every vector x target
    in UTF-16 (the encoding of the report)."""
    found = [(f"{encoding}/doctype-system/{target}", hostile(encoding, "doctype-system", url))
             for encoding in ENCODINGS for target, url in config["targets"].items()]
    found += [(f"utf-16-le-bom/{vector}/{target}", hostile("utf-16-le-bom", vector, url))
              for vector in VECTORS if vector != "doctype-system"
              for target, url in config["targets"].items()]
    return found


def run_child(mode: str, config: dict, *, timeout: float) -> list[dict]:
    """Run `mode` in a child process; fail (never hang) when it does not finish in time."""
    command = [sys.executable, "-m", "tests.hostile_xml", mode, json.dumps(config)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout,
                              cwd=Path(__file__).parent.parent)
    except subprocess.TimeoutExpired as expired:
        lines = (expired.stdout or b"").decode().splitlines()
        last = json.loads(lines[-1])["case"] if lines else "before the first case"
        raise AssertionError(f"{mode}: no answer within {timeout} s; hung on {last}") from None
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    return [r for r in results if "seconds" in r]


def _timed(case: str, action, *args) -> None:
    print(json.dumps({"case": case}), flush=True)  # names the case should it hang
    started = time.perf_counter()
    outcome = action(*args)
    print(json.dumps({"case": case, "seconds": time.perf_counter() - started, **outcome}), flush=True)


def _parse_mode(config: dict) -> None:
    from lxml import etree

    from gateway.rules.check import check_schema
    from gateway.xml import safe
    from tests.support import schemas

    def parsed(body: bytes) -> dict:
        try:
            safe.parse(body)
        except safe.UnsafeXml as exc:
            return {"reason": exc.reason, "line": exc.line}
        return {"reason": None, "line": None}

    def checked(body: bytes) -> dict:
        try:
            result = check_schema(body, schemas=schemas(), limits=safe.Limits())
        except safe.UnsafeXml as exc:
            return {"reason": exc.reason}
        return {"reason": None, "errors": [e.message for e in result.schema_errors]}

    def loading(body: bytes) -> dict:
        # A parser told to load DTDs, with only our resolver in the way.
        parser = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=False)
        parser.resolvers.add(safe._RefuseEveryResource())
        try:
            etree.fromstring(body, parser)
        except safe.UnsafeXml as exc:
            return {"reason": exc.reason}
        except etree.XMLSyntaxError as exc:
            return {"reason": f"syntax: {exc.msg}"}
        return {"reason": None}

    all_cases = cases(config)
    for case, body in all_cases:
        _timed("parse/" + case, parsed, body)
    # The parser alone, without the byte scan in front of it.
    safe._declaration_line = lambda body: None
    for case, body in all_cases:
        _timed("parser-only/" + case, parsed, body)
    for kind in REFERENCES:
        for target, url in config["targets"].items():
            _timed(f"check/{kind}/{target}", checked, referring(kind, url))
    for vector in VECTORS:
        for target, url in config["targets"].items():
            _timed(f"resolver/{vector}/{target}", loading, hostile("utf-8", vector, url))


def _api_mode(config: dict) -> None:
    from fastapi.testclient import TestClient

    from gateway.main import create_app
    from gateway.settings import Settings

    headers = {"Authorization": f"Bearer {config['token']}", "Content-Type": "application/xml"}
    app = create_app(Settings(database_url=config["database_url"]), publish=lambda ids: None)
    with TestClient(app) as client:
        def posted(url: str, body: bytes) -> dict:
            response = client.post(url, content=body, headers=headers)
            return {"status": response.status_code, "type": response.headers.get("content-type"),
                    "body": response.text, "location": response.headers.get("location")}

        # One well-formed request first: the first request of a process pays for its lazy
        # set-up (connections, caches), which is not what the one-second bound is about.
        client.post("/api/v1/validatie", content=b"<warm-up/>", headers=headers)
        for case, body in api_cases(config):
            # validatie first: after berichten stored it, it would answer with the replay
            _timed("validatie/" + case, posted, "/api/v1/validatie", body)
            _timed("berichten/" + case, posted, "/api/v1/berichten", body)


if __name__ == "__main__":
    {"parse": _parse_mode, "api": _api_mode}[sys.argv[1]](json.loads(sys.argv[2]))
