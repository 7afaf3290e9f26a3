"""The classes of a JW305 (StartProduct) or JW307 (StopProduct) as the delivery model reads
them from the message, and what the model says of each: the one reading that both the level-3
rules and the recording of an accepted message use."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from gateway.model.leveringen import VERWIJDEREN, Leveringen, StartSleutel, Stop
from gateway.xml.view import ParsedMessage

_PATHS = {"JW305": "m:Client/m:StartProducten/m:StartProduct",
          "JW307": "m:Client/m:StopProducten/m:StopProduct"}


@dataclass(frozen=True)
class Klasse:
    """One StartProduct or StopProduct as the model needs it."""

    element: etree._Element  # for the rule report
    sleutel: StartSleutel
    status: str
    toewijzing_ingangsdatum: date | None
    stop: Stop | None  # None for a start


def classes(msg: ParsedMessage) -> list[Klasse]:
    found: list[Klasse] = []
    for element in msg.findall(_PATHS[msg.type.name]):
        nummer = msg.text("m:ToewijzingNummer", element)
        sleutel = StartSleutel(int(nummer) if nummer is not None else None,
                               msg.text("m:Product/b:Categorie", element), msg.text("m:Product/b:Code", element),
                               _date(msg, "m:Begindatum", element))
        stop = None
        if msg.type.name == "JW307":
            stop = Stop(msg.required_text("m:RedenBeeindiging", element),
                        _date(msg, "m:Einddatum", element))
        found.append(Klasse(element, sleutel, msg.required_text("m:StatusAanlevering", element),
                            msg.date("m:ToewijzingIngangsdatum", element), stop))
    # Deletes first: IV008 lets a delete and its corrected class share a message (key element
    # changed) and says nothing of their order; TR101 keeps their keys apart, so this is safe.
    return sorted(found, key=lambda k: k.status != VERWIJDEREN)


def has_deletes(msg: ParsedMessage) -> bool:
    return any(k.status == VERWIJDEREN for k in classes(msg))


def _date(msg: ParsedMessage, path: str, element: etree._Element) -> date:
    # A schema-valid xs:date Python cannot hold (year 0 or before, or after 9999) passes the
    # level-2 date rules, which compare YYYYMMDD numbers as the XSLT does; it keys as date.min
    # so the message is judged instead of crashing the intake.
    return msg.date(path, element) or date.min


def outcome(state: Leveringen, klassen: list[Klasse]) -> dict[etree._Element, list[str]]:
    """The retourcodes per class, applying the message's classes in document order to a copy
    of `state` (a delete and a new start in one message see each other, IV008)."""
    working = state.copy()
    result: dict[etree._Element, list[str]] = {}
    for k in klassen:
        if k.stop is None:
            result[k.element] = working.start(k.sleutel, k.status, k.toewijzing_ingangsdatum)
        else:
            result[k.element] = working.stop(k.sleutel, k.stop, k.status)
    return result
