"""The chain's side of a StUF-GGk exchange, as a tool: wrap an iJw file in the envelope a
provider's message has when the Digikoppeling adapter hands it over, or make the Fo01 of a
chain party refusing one of the gateway's envelopes, and post it as the chain would
(SOAP 1.1, `Content-Type: text/xml; charset=utf-8`, the quoted SOAPAction), reading back the
Bv03 or Fo03 it gets (design.md §8, ggk-koppelvlak.md §2, §3).

For operators and tests (`gateway ggk send`, `gateway ggk fo01`): what is sent is checked
against our StUF-GGk schemas first, so the gateway is tried with envelopes the chain would
let through, never with broken ones by accident.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from lxml import etree

from gateway import clock, stuf
from gateway.errors import GatewayError
from gateway.messages import MessageType, by_namespace
from gateway.xml.safe import Limits, UnsafeXml, parse
from gateway.xml.view import ParsedMessage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The chain's limit on a whole envelope (ggk-koppelvlak.md §3.5); the payload is less.
MAX_ENVELOP_BYTES = 25 * 1024 * 1024
TIMEOUT = 60.0  # seconds: the gateway answers after its intake has committed
# The ontvanger's applicatie is fixed in every Di01, Du01 and Fo01, whoever receives it (§3.5).
ONTVANGER_APPLICATIE = "GGk"
# A provider's software is named without its version (§3.5); this tool is no real one.
DEFAULT_APPLICATIE = "GGkTestclient"
DEFAULT_VERSIES = stuf.Versies("0001", "0000")
# The applicatie of the chain parties that raise an Fo01 (§3.5): IB's and VECOZO's are given;
# RINIS's is not in the sources, so it goes by its own name.
KETEN_APPLICATIE = {"IB": "GGKWebservice", "VECOZO": "VECOZOWebservice", "RINIS": "RINIS"}
KETEN_VERSIES = stuf.Versies("0001", "0000")


class ClientFout(GatewayError):
    """What the tool was asked to send cannot be sent: the file is no iJw message, an option
    is missing or wrong, or the envelope would fail the StUF-GGk schema."""

    status, slug, title = 422, "ggk-client", "Niet verzonden"


@dataclass(frozen=True)
class Kop:
    """What the envelope takes from an iJw payload: its message type and the parties of its Header."""

    message: MessageType
    afzender: str | None
    ontvanger: str | None

    @property
    def soort(self) -> str:
        """Du01 for a retour (it answers a Di01), Di01 for a heenbericht (§1.1)."""
        return "Du01" if self.message.is_retour else "Di01"

    @property
    def gemeente(self) -> str | None:
        """The municipality the envelope goes to: a retour's Header is the one of the
        gemeente's message it answers, so there it is the Afzender."""
        return self.afzender if self.message.is_retour else self.ontvanger


def read_kop(payload: bytes) -> Kop:
    """The Header of an iJw message, read with the gateway's hardened parser (no DTD, no
    entities, bounded size and depth). Raises ClientFout for anything that is no iJw message."""
    try:
        root = parse(payload, Limits(max_bytes=MAX_ENVELOP_BYTES, max_elements=5_000_000)).getroot()
    except UnsafeXml as exc:
        raise ClientFout(f"het bestand is geen bruikbare XML: {exc.reason}") from None
    message = by_namespace(etree.QName(root).namespace)
    if message is None or not message.name.startswith("JW"):
        raise ClientFout(f"het bestand is geen iJw-bericht (root {etree.QName(root).text[:120]})")
    view = ParsedMessage(root.getroottree(), message)
    return Kop(message, view.afzender, view.ontvanger)


def wrap(payload: bytes, *, zender: str, ontvanger: str | None = None, applicatie: str = DEFAULT_APPLICATIE,
         referentienummer: str | None = None, cross_ref: str | None = None,
         versies: stuf.Versies = DEFAULT_VERSIES) -> bytes:
    """The SOAP request carrying `payload` in a Di01, or for a retour (JW302, JW320) in a Du01
    whose crossRefnummer `cross_ref` is the gateway's Di01 it answers. functie is the payload's
    message code; ontvanger defaults to the payload's municipality (see `Kop.gemeente`);
    referentienummer to a fresh UUID 4; tijdstipBericht is now, in Dutch local time."""
    kop = read_kop(payload)
    if kop.soort == "Du01" and not cross_ref:
        raise ClientFout(f"een {kop.message.name} gaat in een Du01: geef het referentienummer van de Di01 "
                         "die het beantwoordt (--cross-ref)")
    if kop.soort == "Di01" and cross_ref:
        raise ClientFout(f"een {kop.message.name} gaat in een Di01, die geen crossRefnummer heeft")
    gemeente = ontvanger or kop.gemeente
    if not gemeente:
        raise ClientFout("de Header noemt geen gemeente: geef de ontvanger (--ontvanger)")
    sg = stuf.Stuurgegevens(kop.soort, stuf.Systeem(zender, applicatie), stuf.Systeem(gemeente, ONTVANGER_APPLICATIE),
                            referentienummer or stuf.new_referentienummer(), stuf.tijdstip(clock.local_now()),
                            cross_ref if kop.soort == "Du01" else None, kop.message.name)
    return _checked(stuf.build(stuf.Envelop(sg, versies, payload)))


def fo01(*, cross_ref: str, code: str, omschrijving: str, ontvanger: str, zender: str = "IB",
         applicatie: str | None = None, plek: str = "client", details: str | None = None,
         details_xml: etree._Element | None = None, referentienummer: str | None = None) -> bytes:
    """The SOAP request of an Fo01 from a chain party (IB, VECOZO, RINIS, or a provider's AGB)
    refusing the envelope whose referentienummer is `cross_ref`; `ontvanger` is the
    municipality that sent it (§3.6: zender and ontvanger swapped)."""
    sg = stuf.Stuurgegevens("Fo01", stuf.Systeem(zender, applicatie or KETEN_APPLICATIE.get(zender, "GGKWebservice")),
                            stuf.Systeem(ontvanger, ONTVANGER_APPLICATIE),
                            referentienummer or stuf.new_referentienummer(), stuf.tijdstip(clock.local_now()),
                            cross_ref)
    return _checked(stuf.build(stuf.Fout(sg, code, plek, omschrijving, details, details_xml)))


@dataclass(frozen=True)
class Verzonden:
    """An envelope the gateway sent, as a Fo01 refusing it needs it."""

    zender: str  # the gateway's zender/organisatie: the Fo01's ontvanger
    functie: str | None
    element: etree._Element  # for detailsXML, "the original message including its envelope" (§3.6)


def sent_envelope(session: Session, referentienummer: str) -> Verzonden | None:
    """The envelope the gateway stored and sent under this referentienummer, if any."""
    from gateway.domain.berichten.envelop import sent

    row = sent(session, referentienummer)
    if row is None:
        return None
    # The gateway's own stored bytes, built and checked by it; parsed without DTD or network all the same.
    element = etree.fromstring(row.inhoud, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    return Verzonden(row.zender_organisatie, row.functie, element)


def _checked(element: etree._Element) -> bytes:
    if errors := stuf.validate(element):
        raise ClientFout(f"de envelop voldoet niet aan het StUF-GGk-schema: {'; '.join(errors)[:1000]}")
    return stuf.soap_request(element)


@dataclass(frozen=True)
class Result:
    """The answer to one POST. `status` None: no HTTP answer at all (`error` says why)."""

    status: int | None
    body: bytes
    bv03: stuf.Stuurgegevens | None = None
    fout: stuf.Fout | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The envelope was taken: HTTP 200 with a Bv03 (design.md §8)."""
        return self.status == 200 and self.bv03 is not None

    def summary(self) -> str:
        if self.bv03 is not None and self.status == 200:
            return f"Bv03 referentienummer {self.bv03.referentienummer} crossRefnummer {self.bv03.cross_refnummer}"
        if self.fout is not None:
            return f"HTTP {self.status} {self.fout.stuurgegevens.berichtcode} {self.fout.code}: {self.fout.omschrijving}"
        if self.status is None:
            return f"geen antwoord: {self.error}"
        text = self.body[:2000].decode("utf-8", errors="replace")
        return f"HTTP {self.status}{f' ({self.error})' if self.error else ''}: {text}"


def post(url: str, soap: bytes, soort: str, *, timeout: float = TIMEOUT) -> Result:
    """POST one SOAP request of berichtcode `soort` (Di01, Du01, Fo01) to `url` and read the
    answer. Never raises for what the network or the other side does: that is the Result."""
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{stuf.SOAP_ACTIONS[soort]}"'}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            answer = client.post(url, content=soap, headers=headers)
    except httpx.HTTPError as exc:
        return Result(None, b"", error=f"{type(exc).__name__}: {exc}")
    try:
        read = stuf.parse_response(answer.status_code, answer.content)
    except stuf.EnvelopFout as exc:
        return Result(answer.status_code, answer.content, error=exc.omschrijving)
    if isinstance(read, stuf.Fout):
        return Result(answer.status_code, answer.content, fout=read)
    return Result(answer.status_code, answer.content, bv03=read)
