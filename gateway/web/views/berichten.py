"""The message log and one message: labels, the message indented for reading, the answer
the gateway gave, and the rule report's lines."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from urllib.parse import urlencode

from lxml import etree

from gateway.clock import as_utc
from gateway.db.models import Bericht
from gateway.messages import BY_NAME
from gateway.readmodels import berichtenlog, enveloppen, keten
from gateway.readmodels.berichten import MessagePage
from gateway.rules import report as rule_report
from gateway.web.documents import bsn_masked
from gateway.xml.safe import Limits, UnsafeXml, parse

# The gateway's answer in the words of the work; the HTTP status stays as a detail.
HTTP_UITKOMST = {200: "aangenomen", 202: "aangenomen, wordt verwerkt", 400: "geweigerd: onleesbaar of ongeldig",
                 409: "geweigerd: al eerder ontvangen of al afgehandeld", 413: "geweigerd: te groot",
                 415: "geweigerd: geen XML", 422: "geweigerd: voldoet niet aan de regels",
                 500: "niet verwerkt: fout in de gateway", 503: "niet verwerkt: gateway tijdelijk onbereikbaar"}
NIVEAUS = {0: "geen afkeuring", 1: "niveau 1: XML-schema of transport", 2: "niveau 2: regels binnen het bericht",
           3: "niveau 3: vergelijking met eerdere berichten", 4: "niveau 4: externe bron"}
STATUS_LABELS = {"accepted": "goed", "rejected": "fout", "invalid": "fout"}
# Stored messages passed the intake's size limit; these limits only stop the page from
# indenting something absurd (it is then shown as plain text).
_SHOW_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=100_000)


def list_context(gelezen: berichtenlog.Gelezen, providers: list[berichtenlog.Aanbieder]) -> dict:
    """What the list page shows whatever the result: the filter form and its errors."""
    return dict(waarden=gelezen.waarden, fouten=gelezen.fouten, aanbieders=providers,
                berichttypen=[(t, berichtenlog.OMSCHRIJVING.get(t, "")) for t in berichtenlog.BERICHTTYPEN],
                omschrijvingen=berichtenlog.OMSCHRIJVING,
                statussen=berichtenlog.STATUSSEN, richtingen=berichtenlog.RICHTINGEN,
                status_labels=STATUS_LABELS,
                gefilterd=any(v for k, v in gelezen.waarden.items() if k != "sorteer"),
                envelop_teksten=enveloppen.STATUS_TEKST, sortering=gelezen.filters.sorteer,
                sorteringen=berichtenlog.SORTERINGEN, view_client_naam=client_name,
                sorteer_op=sort_choices(gelezen.filters.sorteer))


def _url(path: str, params: dict) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def sort_choices(sorteer: str) -> dict[str, str]:
    """Per sortable column the order its header button asks for; the receipt time's turns
    its order around."""
    tijd = berichtenlog.OUDSTE if sorteer == berichtenlog.NIEUWSTE else berichtenlog.NIEUWSTE
    return {"ontvangen": tijd, **{k: k for k in (berichtenlog.TYPE, berichtenlog.AFZENDER, berichtenlog.ONTVANGER)}}


def client_name(names: dict[tuple[str, str], str], regel: berichtenlog.Regel) -> str | None:
    """The name of the message's client: the gemeente's, the gemeente being the receiver of a
    message in and the sender of one out (either side is tried: a retour copies the gemeente
    as sender)."""
    if not regel.bsn:
        return None
    return names.get((regel.ontvanger or "", regel.bsn)) or names.get((regel.afzender or "", regel.bsn))


CSV_KOLOMMEN = ("nummer", "ontvangen_op", "richting", "berichttype", "afzender", "ontvanger", "client",
                "bsn", "status", "retourcodes")


def as_csv(regels: Iterable[berichtenlog.Regel], names: dict[tuple[str, str], str], *, kop: bool) -> str:
    """RFC 4180 CSV (CRLF, quoted where needed), times in UTC as ISO 8601; the BSN masked as
    on the page, the client by name, retourcodes separated by spaces."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if kop:
        writer.writerow(CSV_KOLOMMEN)
    for r in regels:
        writer.writerow((r.id, as_utc(r.ontvangen_op).isoformat(), berichtenlog.RICHTINGEN.get(r.richting, r.richting),
                         r.berichttype or "", _cel(r.afzender), _cel(r.ontvanger), _cel(client_name(names, r)),
                         bsn_masked(r.bsn), berichtenlog.STATUSSEN.get(r.status, r.status),
                         " ".join(r.retourcodes or [])))
    return out.getvalue()


def _cel(text: str | None) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (as the access
    log's export): names and codes came from outside."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xml_download(row: Bericht) -> tuple[str, str]:
    """The media type and file name of a message's body as a download: XML when it parses
    (as safely as the intake parses it), else the bytes as they came."""
    _, is_xml = pretty(row.inhoud)
    soort = (row.berichttype or "bericht").lower()
    if is_xml:
        return "application/xml", f"bericht-{row.id}-{soort}.xml"
    return "application/octet-stream", f"bericht-{row.id}-{soort}.bin"


def paging_links(gelezen: berichtenlog.Gelezen, result: berichtenlog.Pagina) -> dict:
    """The links to the older page and back to the newest, with the same filters."""
    params = gelezen.filters.as_params()
    ouder_url = f"/berichten?{urlencode({**params, 'voor': result.ouder})}" if result.ouder else None
    nieuwste_url = _url("/berichten", params) if gelezen.voor else None
    return dict(ouder_url=ouder_url, nieuwste_url=nieuwste_url)


def message_context(found: MessagePage, reference, *, ingevoerd: bool) -> dict:
    row, beantwoord, item = found.bericht, found.beantwoord, found.postbus_item
    message = BY_NAME.get(row.berichttype or "")
    inhoud, inhoud_xml = pretty(row.inhoud)
    return dict(
        b=row, client_id=found.client_id, keten=found.keten, namen=found.namen,
        status_tekst=berichtenlog.STATUSSEN.get(row.status, row.status), status_labels=STATUS_LABELS,
        richting_tekst=berichtenlog.RICHTINGEN.get(row.richting, row.richting),
        omschrijving=berichtenlog.OMSCHRIJVING.get(row.berichttype or "", ""),
        niveau_tekst=NIVEAUS.get(row.niveau, str(row.niveau)),
        inhoud=inhoud, inhoud_xml=inhoud_xml, antwoord=answer(row, message),
        retourcodes=[(code, reference.retourcodes.get(code, "")) for code in row.retourcodes or []],
        bevindingen=[finding(b, reference) for b in row.bevindingen],
        postbus=keten.POSTBUS.get(item.status) if item else None, postbus_item=item,
        beantwoord=beantwoord, retour_effect=keten.RETOUR_EFFECT.get(beantwoord.effect) if beantwoord else None,
        beantwoord_postbus=keten.POSTBUS.get(beantwoord.postbus_status or "") if beantwoord else None,
        statussen=berichtenlog.STATUSSEN, stappen=keten.STAPPEN,
        enveloppen=found.enveloppen,
        ingevoerd=ingevoerd,  # just entered with /aanvraagformulier
    )


def pretty(body: bytes | None) -> tuple[str, bool]:
    """The message indented for reading, parsed as safely as the intake parses it (no
    entities, no DTD, no network); a body that is not (safe) XML is shown as its text.
    Returns the text and whether it is XML. The template escapes it."""
    if not body:
        return "", False
    try:
        tree = parse(body, _SHOW_LIMITS)
    except UnsafeXml:
        return body.decode("utf-8", errors="replace"), False
    return etree.tostring(tree, pretty_print=True, encoding="unicode"), True


def answer(row: Bericht, message) -> dict | None:
    """The answer the gateway gave: the retour message (XML) or the problem/JSON, with the
    HTTP status. Outbound messages have none (their retour is a message of its own)."""
    if row.antwoord is None:
        return None
    media = row.antwoord_type or ""
    if media.startswith("application/xml"):
        text, _ = pretty(row.antwoord)
        soort = f"Retourbericht {message.retour}" if message is not None and message.retour else "Retourbericht"
    else:
        try:
            text = json.dumps(json.loads(row.antwoord), indent=2, ensure_ascii=False)
        except ValueError:
            text = row.antwoord.decode("utf-8", errors="replace")
        soort = "Foutmelding (problem+json), geen retourbericht" if "problem" in media else "Bevestiging (JSON)"
    return {"status": row.antwoord_status, "type": media, "soort": soort, "tekst": text,
            "uitkomst": HTTP_UITKOMST.get(row.antwoord_status or 0, "beantwoord")}


def finding(b, reference) -> dict:
    """One line of the rule report: the entry the API gives (rule_report), with the level and
    the retourcode's meaning for the CJG; the check's own message is shown apart."""
    report = rule_report.of_stored(reference, b)
    return {"code": report.code, "retourcode": report.retourcode,
            "retourcode_tekst": reference.retourcodes.get(report.retourcode or "", ""),
            "niveau": b.niveau, "niveau_tekst": NIVEAUS.get(b.niveau, f"niveau {b.niveau}"),
            "locatie": report.location, "melding": report.detail,
            "uitleg": report.explanation, "oplossing": report.remedy}
