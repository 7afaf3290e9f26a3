"""A stand-in for the chain's side of the GGk route: the Digikoppeling adapter's
OntvangAsynchroon as the gateway sees it (design.md §8, ggk-koppelvlak.md §2), for tests and
for trying a gateway out without the chain.

It takes the gateway's Di01, Du01 and Fo01 as the adapter would: the SOAPAction and the
envelope are checked (`stuf.parse_request`, our StUF-GGk schemas), then what the chain
checks further on (ggk-koppelvlak.md §4.1): functie against berichtcode (IB240) and the
payload against the iJw XSD (StUF055). A good envelope gets HTTP 200 with a Bv03 (from the
envelope's ontvanger to its zender, crossRefnummer its referentienummer); a bad one HTTP 500
with a SOAP Fault carrying a Fo03. Unlike the real chain, which refuses a bad payload later
with an asynchronous Fo01, the stub says so at once: a payload the gateway sends must never
be bad, and a test should see it on the spot. The iJw rules are run as well and reported,
but refuse nothing: past the XSD they are the receiver's business, not the chain's.

`ChainStub` runs in-process (tests: `fail_next`, `received`, `wait_for`) or as
`gateway ggk stub` (one line per envelope on stdout, each envelope in --out).
"""
from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from lxml import etree

from gateway import clock, stuf
from gateway.ggk.client import MAX_ENVELOP_BYTES, ONTVANGER_APPLICATIE
from gateway.messages import BY_NAME
from gateway.reference import ReferenceData, load_reference
from gateway.rules.check import check_message
from gateway.settings import get_settings
from gateway.xml.safe import Limits, UnsafeXml
from gateway.xml.schemas import SchemaSet, load_schemas

_log = logging.getLogger("gateway.ggk.stub")

PATH = "/ggk/OntvangAsynchroon"
SOAP_MEDIA = "text/xml; charset=utf-8"
# The SOAP envelope around the largest StUF-GGk envelope the chain takes.
MAX_BODY_BYTES = MAX_ENVELOP_BYTES + 1024 * 1024
# What a received envelope is stored as in --out: a referentienummer of this shape only (a
# Fo01's is a free Refnummer and could name any path).
_FILE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")
_ONBEKEND = "onbekend"  # applicatie of an unknown caller (Applicatie needs 3 characters)
FAIL_NEXT = "HTTP 500 on purpose (fail_next)"


@dataclass(frozen=True)
class Received:
    """One POST and how the stub answered it."""

    status: int  # the HTTP status of the answer
    soort: str | None = None  # Di01, Du01, Fo01; None when the envelope could not be read
    functie: str | None = None
    referentienummer: str | None = None
    cross_refnummer: str | None = None
    zender: str | None = None
    ontvanger: str | None = None
    payload_valid: bool | None = None  # None: no payload read (an Fo01, a broken envelope)
    error: str | None = None  # why it was refused, or the payload's first schema error
    rules: tuple[str, ...] = ()  # iJw rules the payload fails (reported, not refused)
    code: str | None = None  # a received Fo01's code; for a refusal the Fo03's
    envelop: bytes | None = None  # the Body's element as received
    payload: bytes | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 200

    def line(self) -> str:
        """The one line `gateway ggk stub` prints for it (tab-separated)."""
        if self.soort == "Fo01" and self.code:
            verdict = f"Fo01 {self.code}"
        elif self.payload_valid:
            verdict = "payload valid" + (f" (rules failing: {', '.join(self.rules)})" if self.rules else "")
        elif self.payload_valid is False:
            verdict = f"payload invalid: {self.error}"
        else:
            verdict = ""
        if self.status != 200 and self.payload_valid is not False:
            verdict = f"{verdict}; refused: {self.error}" if verdict else f"refused: {self.error}"
        return "\t".join([self.soort or "-", self.functie or "-", self.referentienummer or "-",
                          self.cross_refnummer or "-", f"HTTP {self.status}", verdict])


@dataclass
class _Answer:
    status: int
    body: bytes
    received: Received
    element: etree._Element | None = field(default=None)


class ChainStub:
    """An OntvangAsynchroon on `host:port` (port 0: any free one; see `url`); over TLS with
    `tls`, a server-side context (which may require the caller's client certificate, as an
    adapter does)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, out: Path | None = None,
                 schemas: SchemaSet | None = None, reference: ReferenceData | None = None,
                 on_receive: Callable[[Received], None] | None = None, tls: ssl.SSLContext | None = None):
        settings = get_settings()
        self.schemas = schemas or load_schemas(settings.schemas_dir)
        self.reference = reference or load_reference(settings.mappings_dir)
        self.out = out
        self.on_receive = on_receive
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._fail_next = 0
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        if tls is not None:
            # A caller whose handshake fails is dropped at accept; the server serves on.
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread: threading.Thread | None = None

    # -- running ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        address = self._server.server_address
        host = address[0] if isinstance(address[0], str) else address[0].decode()
        port = address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"{self._scheme}://{shown}:{port}{PATH}"

    def start(self) -> ChainStub:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="ggk-stub", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command line)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> ChainStub:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # -- what tests steer and read ------------------------------------------------------------
    def fail_next(self, count: int) -> None:
        """Answer the next `count` POSTs with a bare HTTP 500, as an adapter that is down would."""
        with self._lock:
            self._fail_next = count

    @property
    def received(self) -> list[Received]:
        """Every POST so far, in the order answered (a copy)."""
        with self._lock:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 30.0,
                 where: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        """The received POSTs that satisfy `where`, once there are `count` of them; raises
        TimeoutError (the caller's test fails) when they do not come within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(found := [r for r in self._received if where(r)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} envelope(s) received: {self._received}")
                self._lock.wait(left)
            return found

    # -- answering ------------------------------------------------------------------------------
    def answer(self, body: bytes, soap_action: str | None, content_type: str | None) -> tuple[int, bytes]:
        """The answer to one POST (also recorded, written to `out` and passed to `on_receive`)."""
        with self._lock:
            fail = self._fail_next > 0
            if fail:
                self._fail_next -= 1
        answer = self._judge(body, soap_action, content_type)
        if fail:
            answer = _Answer(500, FAIL_NEXT.encode(),
                             replace(answer.received, status=500, error=answer.received.error or FAIL_NEXT), answer.element)
        self._keep(answer)
        return answer.status, answer.body

    def _keep(self, answer: _Answer) -> None:
        received = answer.received
        if self.out is not None and answer.element is not None and received.referentienummer \
                and _FILE_NAME.fullmatch(received.referentienummer):
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / f"{received.referentienummer}.xml").write_bytes(
                etree.tostring(answer.element, xml_declaration=True, encoding="UTF-8"))
        with self._lock:
            self._received.append(received)
            self._lock.notify_all()
        if self.on_receive is not None:
            self.on_receive(received)

    def _judge(self, body: bytes, soap_action: str | None, content_type: str | None) -> _Answer:
        media = (content_type or "").split(";")[0].strip().lower()
        if media != "text/xml":
            # SOAP 1.1 is text/xml (WS-I Basic Profile 1.1); anything else is no SOAP 1.1 request.
            return self._fault(stuf.EnvelopFout("StUF055", f"Content-Type {media[:60]!r} is geen text/xml (SOAP 1.1)"))
        if not soap_action:
            # The gateway always names its operation, as the WSDL's binding asks.
            return self._fault(stuf.EnvelopFout("StUF055", "de SOAPAction-header ontbreekt"))
        try:
            ontvangen = stuf.parse_request(body, soap_action)
        except stuf.EnvelopFout as fout:
            return self._fault(fout)
        bericht = ontvangen.bericht
        sg = bericht.stuurgegevens
        seen = Received(200, ontvangen.soort, sg.functie, sg.referentienummer, sg.cross_refnummer,
                        sg.zender.organisatie, sg.ontvanger.organisatie, envelop=ontvangen.inhoud)
        if isinstance(bericht, stuf.Fout):
            return self._bv03(replace(seen, code=bericht.code), sg, ontvangen.element)
        payload = bericht.xml_bestand
        if payload is None:
            return self._fault(stuf.EnvelopFout("StUF055", "een iJw-bericht hoort in xmlBestand, niet in tekstBestand"),
                               replace(seen, payload_valid=False), sg, ontvangen.element)
        seen = replace(seen, payload=payload)
        checked = self._check_payload(ontvangen.soort, sg, payload)
        if isinstance(checked, stuf.EnvelopFout):
            return self._fault(checked, replace(seen, payload_valid=False, error=checked.omschrijving),
                               sg, ontvangen.element)
        return self._bv03(replace(seen, payload_valid=True, rules=checked), sg, ontvangen.element)

    def _check_payload(self, soort: str, sg: stuf.Stuurgegevens, payload: bytes) -> tuple[str, ...] | stuf.EnvelopFout:
        """The failing rule codes of a payload the chain would pass on, or why it would not."""
        message = BY_NAME.get(sg.functie or "")
        if message is None or not message.name.startswith("JW"):
            return stuf.EnvelopFout("IB240", f"functie {(sg.functie or '')[:30]!r} is geen iJw-bericht")
        # A retour travels in a Du01, a heenbericht in a Di01; a JW325 may take either
        # (GATEWAY_GGK_JW325_ENVELOP, ggk-koppelvlak.md §7).
        if message.name != "JW325" and (soort == "Du01") != message.is_retour:
            return stuf.EnvelopFout("IB240", f"een {message.name} gaat niet in een {soort}")
        try:
            result = check_message(payload, schemas=self.schemas, reference=self.reference, today=clock.today(),
                                   limits=Limits(max_bytes=MAX_ENVELOP_BYTES, max_elements=5_000_000))
        except UnsafeXml as exc:
            return stuf.EnvelopFout("StUF055", f"Berichtbody is niet conform schema in sectormodel: {exc.reason}")
        if result.message is None:
            return stuf.EnvelopFout("StUF055", "Berichtbody is niet conform schema in sectormodel: geen iJw-bericht")
        if result.schema_errors or result.parsed is None:
            first = result.schema_errors[0] if result.schema_errors else None
            detail = f"{first.path or '/'}: {first.message}" if first else "niet te lezen"
            return stuf.EnvelopFout("StUF055", f"Berichtbody is niet conform schema in sectormodel: {detail}")
        if result.message.name != message.name:
            return stuf.EnvelopFout("IB240", f"functie {message.name} maar het bericht is een {result.message.name}")
        parsed = result.parsed
        afzender, ontvanger = parsed.text("m:Header/m:Afzender"), parsed.text("m:Header/m:Ontvanger")
        # A retour's Header is the one of the message it answers: the parties the other way round.
        van, naar = (ontvanger, afzender) if message.is_retour else (afzender, ontvanger)
        if (van, naar) != (sg.zender.organisatie, sg.ontvanger.organisatie):
            return stuf.EnvelopFout("StUF055", f"de envelop gaat van {sg.zender.organisatie} naar "
                                               f"{sg.ontvanger.organisatie}, het bericht van {van} naar {naar}")
        return tuple(result.rule_codes)

    def _bv03(self, seen: Received, sg: stuf.Stuurgegevens, element: etree._Element) -> _Answer:
        bv03 = stuf.Stuurgegevens("Bv03", sg.ontvanger, sg.zender, stuf.new_referentienummer(),
                                  stuf.tijdstip(clock.local_now()), sg.referentienummer)
        return _Answer(200, stuf.soap_request(stuf.build_bv03(bv03)), seen, element)

    def _fault(self, fout: stuf.EnvelopFout, seen: Received | None = None, sg: stuf.Stuurgegevens | None = None,
               element: etree._Element | None = None) -> _Answer:
        ons = sg.ontvanger if sg is not None else stuf.Systeem(None, ONTVANGER_APPLICATIE)
        hun = sg.zender if sg is not None else stuf.Systeem(None, _ONBEKEND)
        fo03 = stuf.Stuurgegevens("Fo03", ons, hun, stuf.new_referentienummer(), stuf.tijdstip(clock.local_now()),
                                  sg.referentienummer if sg is not None else "")
        body = stuf.soap_fault(stuf.build(stuf.Fout(fo03, fout.code, fout.plek, fout.omschrijving)), plek=fout.plek)
        seen = seen or Received(500)
        return _Answer(500, body, replace(seen, status=500, code=fout.code, error=seen.error or fout.omschrijving),
                       element)


def _handler(stub: ChainStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ggk-stub"

        def do_POST(self) -> None:
            if urlsplit(self.path).path != PATH:
                self._send(404, b"not found", "text/plain; charset=utf-8")
                return
            declared = self.headers.get("Content-Length")
            if declared is None or not declared.isdigit():
                self._send(411, b"Content-Length required", "text/plain; charset=utf-8")
                return
            if int(declared) > MAX_BODY_BYTES:
                self._send(413, b"envelope too large", "text/plain; charset=utf-8")
                return
            body = self.rfile.read(int(declared))
            action = self.headers.get("SOAPAction")
            try:
                status, answer = stub.answer(body, action, self.headers.get("Content-Type"))
            except Exception:  # a bug of the stub: say so to the gateway as a 500, and in the log
                _log.exception("ggk stub could not answer")
                status, answer = 500, b"stub error"
            self._send(status, answer, SOAP_MEDIA)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == PATH and parts.query == "wsdl":
                self._send(200, stuf.wsdl(stub.url), SOAP_MEDIA)
            else:
                self._send(404, b"not found", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, media: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            _log.debug(format, *args)

    return Handler
