"""Rendering the declaration answer (JW325) on a received JW323 (facts B.4, D.1, IV087/IV088).

- level 2, or a failure in the Header: the Header only, with 0001 or the Header's codes;
- otherwise the Header carries 0200 and the DeclaratieAntwoord has the totals
  (TotaalIngediendBedrag as declared, TotaalToegekendBedrag the sum of the approved lines)
  and its own code: 8001 when everything was approved, the declaration's code (9333) when it
  was rejected as a whole, else 0200; under Clienten only the rejected clients and, per
  client, only its rejected prestaties, each with its RetourCodes (the client: 8187 when the
  client itself is rejected, else 0200).

Pure rendering: `uitgaand.self_check` (our XSD and rules) judges the tree before it is
stored, put in the postbus or answered.
"""
from __future__ import annotations

from lxml import etree

from gateway.messages import BY_NAME
from gateway.model.declaratie import Antwoord
from gateway.render.outbound import Kop, header
from gateway.xml.build import basis, finish, new_root, renamed, sub
from gateway.xml.schemas import SchemaSet
from gateway.xml.view import ParsedMessage

JW325 = BY_NAME["JW325"]
VOLLEDIG_TOEGEKEND = "8001"
GEEN_OPMERKING = "0200"


def render_jw325(kop: Kop, jw323: ParsedMessage, answer: Antwoord,
                 schemas: SchemaSet) -> etree._ElementTree:
    root = new_root(JW325)
    header(root, JW325, afzender=kop.gemeente, ontvanger=kop.aanbieder, identificatie=kop.identificatie,
           dagtekening=kop.dagtekening, schemas=schemas)
    head = root[0]
    source = jw323.type.namespace
    identificatie = renamed(jw323.required("m:Header/m:BerichtIdentificatie"), source, JW325)
    identificatie.tag = f"{{{JW325.namespace}}}DeclaratieIdentificatie"
    head.append(identificatie)
    versie = renamed(jw323.required("m:Header/m:XsdVersie"), source, JW325)
    versie.tag = f"{{{JW325.namespace}}}XsdVersieDeclaratie"
    head.append(versie)
    _codes(head, answer.header)
    if not answer.header_only:
        _antwoord(root, jw323, answer)
    return finish(root)


def _antwoord(root: etree._Element, jw323: ParsedMessage, answer: Antwoord) -> None:
    element = sub(root, JW325, "DeclaratieAntwoord")
    sub(element, JW325, "DeclaratieNummer", answer.nummer)
    _totaal(sub(element, JW325, "TotaalIngediendBedrag"), answer.ingediend)
    _totaal(sub(element, JW325, "TotaalToegekendBedrag"), answer.toegekend)
    if answer.afgewezen:
        clienten = sub(element, JW325, "Clienten")
        for client, client_codes, prestaties in answer.afgewezen:
            c = sub(clienten, JW325, "Client")
            sub(c, JW325, "Bsn", jw323.text("m:Bsn", client))
            lijst = sub(c, JW325, "Prestaties")
            for prestatie, codes in prestaties:
                copied = renamed(prestatie, jw323.type.namespace, JW325)
                _codes(copied, codes)
                lijst.append(copied)
            _codes(c, client_codes)
    if answer.declaratie:
        codes = answer.declaratie
    elif answer.afgewezen:
        codes = [GEEN_OPMERKING]
    else:
        codes = [VOLLEDIG_TOEGEKEND]
    _codes(element, codes)


def _totaal(parent: etree._Element, amount: int) -> None:
    basis(parent, "TotaalBedrag", str(abs(amount)))
    basis(parent, "DebetCredit", "C" if amount < 0 else "D")


def _codes(parent: etree._Element, codes: list[str]) -> None:
    wrapper = sub(parent, JW325, "RetourCodes")
    for code in codes:
        sub(wrapper, JW325, "RetourCode", code)
