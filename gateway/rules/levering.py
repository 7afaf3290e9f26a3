"""Level-3 rules of the start and stop of care (JW305, JW307): the link to a toewijzing
(TR019, IV075) and the sequences of starts, stops and deletes (TR063, TR071, TR074, TR326,
TR382, TR413-TR415), all from one run of the message through the delivery model
(`gateway.model.leveringen`), so the rules and what the intake records cannot disagree."""
from __future__ import annotations

from lxml import etree

from gateway.model.leveringen import NIEUW
from gateway.model.leveringsklassen import Klasse, classes, outcome
from gateway.model.stand import ToewijzingStand
from gateway.rules.engine import Failures, RuleContext, rule
from gateway.xml.view import present

REGIE = ("JW305", "JW307")
TAAKGERICHT = "taakgericht"


def _classes(ctx: RuleContext) -> list[Klasse]:
    if "klassen" not in ctx.memo:
        ctx.memo["klassen"] = classes(ctx.msg)
    found: list[Klasse] = ctx.memo["klassen"]
    return found


def _outcome(ctx: RuleContext) -> dict[etree._Element, list[str]]:
    if "leveringen" not in ctx.memo:
        msg = ctx.msg
        state = ctx.log.leveringen(present(msg.ontvanger), present(msg.afzender), present(msg.bsn))
        ctx.memo["leveringen"] = outcome(state, _classes(ctx))
    found: dict[etree._Element, list[str]] = ctx.memo["leveringen"]
    return found


def _toewijzing(ctx: RuleContext, nummer: int) -> ToewijzingStand | None:
    msg = ctx.msg
    for stand in ctx.log.toewijzingen(present(msg.ontvanger), present(msg.afzender), present(msg.bsn)):
        if stand.nummer == nummer:
            return stand
    return None


@rule("TR019", level=3, retourcode="9019", messages=REGIE, needs_state=True)
def tr019(ctx: RuleContext) -> Failures:
    """A new start or stop names a toewijzing of this client at this provider; without a
    ToewijzingNummer only a taakgericht product may be delivered (TR019, IV096)."""
    for k in _classes(ctx):
        if k.status != NIEUW:
            continue  # a delete undoes what was recorded; TR063 says whether it exists
        if k.sleutel.nummer is None:
            product = ctx.reference.producten.get((k.sleutel.categorie or "", k.sleutel.code or ""))
            if product is None or product.uitvoeringsvariant != TAAKGERICHT:
                yield k.element
        elif _toewijzing(ctx, k.sleutel.nummer) is None:
            yield k.element


@rule("IV075", level=3, retourcode="9019", messages=("JW305",), needs_state=True)
def iv075(ctx: RuleContext) -> Failures:
    """The start's Product equals the toewijzing's: Categorie and Code (specific), Categorie
    only (aspecific), no Product (generic). The facts give IV075 no retourcode of its own; a
    start with another product cannot be linked to that toewijzing, so it answers 9019."""
    for k in _classes(ctx):
        if k.status != NIEUW or k.sleutel.nummer is None:
            continue
        stand = _toewijzing(ctx, k.sleutel.nummer)
        if stand is not None and (k.sleutel.categorie, k.sleutel.code) != (stand.categorie, stand.code):
            yield k.element


def _unlinked(ctx: RuleContext) -> set[etree._Element]:
    """Classes naming a ToewijzingNummer the client does not have: those are 9019 (TR019)
    only; design §7: "a known one without a start of the same key is 9069"."""
    return {k.element for k in _classes(ctx)
            if k.sleutel.nummer is not None and _toewijzing(ctx, k.sleutel.nummer) is None}


def _sequence_rule(code: str, retourcode: str, messages: tuple[str, ...]) -> None:
    def check(ctx: RuleContext) -> Failures:
        skip = _unlinked(ctx) if code == "TR382" else set()
        for element, codes in _outcome(ctx).items():
            if retourcode in codes and element not in skip:
                yield element
    check.__doc__ = f"{code}: the delivery model answers {retourcode} for this class."
    rule(code, level=3, retourcode=retourcode, messages=messages, needs_state=True)(check)


for _code, _retourcode, _messages in (
        ("TR063", "9063", REGIE), ("TR074", "9074", REGIE), ("TR071", "9071", ("JW305",)),
        ("TR326", "9326", ("JW305",)), ("TR382", "9069", ("JW307",)), ("TR413", "9413", ("JW307",)),
        ("TR414", "9414", ("JW307",)), ("TR415", "9415", ("JW307",))):
    _sequence_rule(_code, _retourcode, _messages)
