"""One StUF-GGk envelope from the chain, in the request's unit of work (design.md §8).

The envelope is the transport: its payload goes through exactly the intake of
`POST /api/v1/berichten` (gateway.intake.service.receive, the party being the envelope's
zender), and the answer the API would give in its body goes back through the chain instead:

| the intake answered                            | sent back (stored now, delivered after commit) |
|------------------------------------------------|------------------------------------------------|
| a retour (JW306, JW308, JW316, JW318) or JW325 | a Du01 answering the Di01 (a JW325 as its own Di01 when GATEWAY_GGK_JW325_ENVELOP=di01) |
| the JSON of a recorded JW302/JW320             | nothing: a retour is not answered              |
| 400: not XML, not an iJw message, the XSD      | Fo01 StUF055, plek client                      |
| 403: the payload's Afzender is not the zender  | Fo01 StUF052 (zender not authorised), client   |
| 413, 422: too large, envelope and payload differ, gemeente not served | Fo01 StUF058 (not processed), client |
| 500: our answer failed its own check           | Fo01 StUF058, plek server                      |

Only StUF055 is named by the facts as an Fo01 a municipality sends (ggk-koppelvlak.md §4.1);
the facts are silent on the other refusals, so they take the StUF 03.01 Fo01 codes whose
meaning fits (§4.6). The synchronous answer is the Bv03, stored with the envelope so that a
repeat gets the same one; what stops the envelope itself is `stuf.EnvelopFout` (a Fo03).
"""
from __future__ import annotations

import json
import logging
from datetime import date

from sqlalchemy.orm import Session

from gateway import stuf
from gateway.context import Context, GgkRoute
from gateway.db.models import Envelop as EnvelopRij
from gateway.domain.berichten import envelop
from gateway.intake.answers import JSON, XML, Answer
from gateway.intake.parties import provider, served_municipality
from gateway.intake.service import Envelope, Screened, receive, screen

_log = logging.getLogger("gateway.ggk")

# The iJw answer to each heenbericht a provider sends (ggk-koppelvlak.md §1.1).
ANTWOORD = {"JW305": "JW306", "JW307": "JW308", "JW315": "JW316", "JW317": "JW318", "JW323": "JW325"}
# The start of the omschrijving of a StUF055 (ggk-koppelvlak.md §6.3); the detail follows a colon.
STUF055_TEKST = "Berichtbody is niet conform schema in sectormodel"


def payload(ontvangen: stuf.Ontvangen) -> bytes | None:
    """The iJw bytes a Di01 or Du01 carries (a tekstBestand too: the intake then says it is
    no iJw message); None for an Fo01."""
    bericht = ontvangen.bericht
    if not isinstance(bericht, stuf.Envelop):
        return None
    return bericht.xml_bestand if bericht.xml_bestand is not None else (bericht.tekst_bestand or b"")


def screen_payload(ctx: Context, ontvangen: stuf.Ontvangen, max_bytes: int) -> Screened | None:
    """Level 1 of the payload, with no database involved (call it with no transaction open)."""
    body = payload(ontvangen)
    return None if body is None else screen(ctx, body, max_bytes=max_bytes)


def take_in(session: Session, ctx: Context, ontvangen: stuf.Ontvangen, screened: Screened | None,
            *, today: date) -> bytes:
    """Store the envelope, take its payload in and leave what answers it in the outbox;
    returns the SOAP body of the Bv03. Raises `stuf.EnvelopFout` (nothing written) for an
    envelope the gateway does not take: the checks of a Fo03, in StUF's order (§4.6)."""
    sg = ontvangen.bericht.stuurgegevens
    gemeente = sg.ontvanger.organisatie or ""
    if not served_municipality(session, gemeente):
        raise stuf.EnvelopFout("StUF010", f"ontvanger {gemeente[:40]} wordt niet door deze gateway bediend")
    party = None
    if ontvangen.soort != "Fo01":
        party = provider(session, sg.zender.organisatie)
        if party is None:
            raise stuf.EnvelopFout("StUF013", f"zender {(sg.zender.organisatie or '')[:40]} is geen geregistreerde "
                                              "zorgaanbieder")
    if (first := envelop.earlier(session, sg)) is not None:
        if first.inhoud_sha256 == envelop.sha256(ontvangen.inhoud) and first.antwoord is not None:
            return first.antwoord  # a repeat: its Bv03 again, nothing processed a second time
        raise stuf.EnvelopFout("StUF016", f"referentienummer {sg.referentienummer[:40]} is al gebruikt voor een "
                                          "ander bericht van deze zender")
    if party is None:
        row = _refusal(session, ctx, ontvangen)
    else:
        toegestaan = envelop.ONTVANGEN_FUNCTIES[ontvangen.soort]
        if sg.functie not in toegestaan:
            raise stuf.EnvelopFout("StUF037", f"functie {(sg.functie or '')[:30]} wordt in een {ontvangen.soort} niet "
                                              f"ontvangen (wel: {', '.join(toegestaan)})")
        if ontvangen.soort == "Du01":
            _answers_one_of_ours(session, sg)
        assert screened is not None
        answer = receive(session, ctx, party, screened, today=today,
                         envelope=Envelope(sg.functie or "", gemeente))
        row = envelop.record_received(session, ontvangen, bericht_id=answer.bericht_id)
        _answer(session, ctx, ontvangen, answer)
    row.antwoord = _bv03(session, ctx, sg)
    return row.antwoord


def _answers_one_of_ours(session: Session, sg: stuf.Stuurgegevens) -> None:
    """A Du01 answers a Di01 the gateway sent to its zender (ggk-koppelvlak.md §1.1): a JW302 our
    JW301, a JW320 our JW319. Anything else is StUF043, crossRefnummer unknown, one of the
    checks before a Bv03 (§4.6): the provider learns at once that its retour reached nothing."""
    heen = envelop.sent(session, sg.cross_refnummer, to=sg.zender.organisatie)
    if heen is None or heen.soort != "Di01" or heen.functie != envelop.HEENBERICHT[sg.functie or ""]:
        raise stuf.EnvelopFout("StUF043", f"crossRefnummer {(sg.cross_refnummer or '')[:40]} is geen Di01 met een "
                                          f"{envelop.HEENBERICHT[sg.functie or '']} die deze gateway aan "
                                          f"{(sg.zender.organisatie or '')[:20]} stuurde")


def _refusal(session: Session, ctx: Context, ontvangen: stuf.Ontvangen) -> EnvelopRij:
    fout = ontvangen.bericht
    assert isinstance(fout, stuf.Fout)
    weigering = envelop.refuse(session, ctx, fout)
    if weigering.envelop is None:
        # Not one of ours (or already purged): kept and logged for the operator (§4.4).
        _log.warning("Fo01 %s from %s names unknown crossRefnummer %s", fout.code,
                     fout.stuurgegevens.zender.organisatie, fout.stuurgegevens.cross_refnummer)
    else:
        _log.warning("envelope %s refused by %s: %s %s", weigering.envelop.referentienummer,
                     fout.stuurgegevens.zender.organisatie, fout.code, fout.omschrijving)
    return envelop.record_received(session, ontvangen, bericht_id=weigering.bericht_id)


def _answer(session: Session, ctx: Context, ontvangen: stuf.Ontvangen, answer: Answer) -> None:
    received = ontvangen.bericht
    assert isinstance(received, stuf.Envelop) and answer.bericht_id is not None
    sg = received.stuurgegevens
    gemeente, aanbieder = sg.ontvanger.organisatie or "", sg.zender.organisatie or ""
    if answer.media_type == XML:
        functie = ANTWOORD[sg.functie or ""]
        as_di01 = functie == "JW325" and (ctx.ggk or GgkRoute()).jw325_envelop == "di01"
        envelop.send_envelop(session, ctx, soort="Di01" if as_di01 else "Du01", bericht_id=answer.bericht_id,
                             gemeente=gemeente, aanbieder=aanbieder, functie=functie, payload=answer.body,
                             cross_refnummer=None if as_di01 else sg.referentienummer)
        return
    if answer.media_type == JSON:
        return  # a JW302/JW320, recorded on the JW301/JW319 it answers: nothing answers it
    code, plek, omschrijving = _fo01(answer)
    envelop.send_fo01(session, ctx, ontvangen, bericht_id=answer.bericht_id, code=code, plek=plek,
                      omschrijving=omschrijving)


def _fo01(answer: Answer) -> tuple[str, str, str]:
    """The Fo01 for a payload the intake refused with a problem (see the module's table)."""
    problem = json.loads(answer.body)
    detail = str(problem.get("detail") or problem.get("title") or "")
    if answer.status == 400:
        errors = problem.get("errors") or []
        if errors:
            first = errors[0]
            detail = f"{first.get('path') or '/'}: {first.get('message')}"
        return "StUF055", "client", f"{STUF055_TEKST}: {detail}"
    if answer.status == 403:
        return "StUF052", "client", f"Zender is niet geautoriseerd: {detail}"
    if answer.status >= 500:
        return "StUF058", "server", f"Bericht is niet verwerkt door een fout bij de ontvanger: {detail}"
    return "StUF058", "client", f"Bericht is niet verwerkt: {detail}"


def _bv03(session: Session, ctx: Context, received: stuf.Stuurgegevens) -> bytes:
    """The acknowledgement of a stored envelope (ggk-koppelvlak.md §3.6): from our system to the
    sender's, crossRefnummer its referentienummer, numbered like everything the gateway sends."""
    sg = stuf.Stuurgegevens("Bv03", envelop.zender(ctx, received.ontvanger.organisatie or ""), received.zender,
                            stuf.new_referentienummer(), envelop.next_tijdstip(session, ctx),
                            received.referentienummer)
    element = stuf.build_bv03(sg)
    if errors := stuf.validate(element):
        raise envelop.EnvelopOngeldig(f"Bv03 afgekeurd door de eigen controle: {'; '.join(errors)[:500]}")
    return stuf.soap_request(element)
