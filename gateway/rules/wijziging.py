"""Level-3 rules of the verzoek om wijziging (JW317) that read the client's assignments at this
gemeente for this provider: TR304, TR349-TR351, TR357, TR361, TR373, TR375, TR411, TR412.

"Current" assignments are those valid on or after the Dagtekening (`ToewijzingStand.actueel_op`;
TR349: valid on or after the date, or starting later; deleted ones never reach the rules).
The rules that compare an OngewijzigdProduct or TeWijzigenProduct with its assignment look it
up among the current ones only and skip a ToewijzingNummer that is not there: TR350 and TR351
report those, so one wrong number does not also fail every comparison.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from lxml import etree

from gateway.model.stand import TBGT, ToewijzingStand
from gateway.rules.engine import Failures, RuleContext, rule
from gateway.rules.products import CUTOFF, same_product
from gateway.xml.view import present

_VERZOEK = "m:Client/m:Verzoek"
_ONGEWIJZIGD = f"{_VERZOEK}/m:OngewijzigdeProducten/m:OngewijzigdProduct"
_TE_WIJZIGEN = f"{_VERZOEK}/m:TeWijzigenProducten/m:TeWijzigenProduct"
_NIEUW = f"{_VERZOEK}/m:NieuweProducten/m:NieuwProduct"

_Product = tuple[str | None, str | None] | None


def _toewijzingen(ctx: RuleContext) -> list[ToewijzingStand]:
    msg = ctx.msg
    return ctx.log.toewijzingen(present(msg.ontvanger), present(msg.afzender), present(msg.bsn))


def _current(ctx: RuleContext) -> dict[int, ToewijzingStand] | None:
    """The current assignments by ToewijzingNummer; None when the Dagtekening cannot be read."""
    dagtekening = ctx.msg.dagtekening
    if dagtekening is None:
        return None
    return {t.nummer: t for t in _toewijzingen(ctx) if t.actueel_op(dagtekening)}


def _number(ctx: RuleContext, path: str, element: etree._Element) -> int | None:
    """An xs:integer field (ToewijzingNummer, Volume, Budget) as a number, compared by value."""
    text = ctx.msg.text(path, element)
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _listed(ctx: RuleContext, path: str, current: dict[int, ToewijzingStand]
            ) -> Iterator[tuple[etree._Element, ToewijzingStand | None]]:
    """Each class at `path` with its current assignment (None when its number is not one)."""
    for element in ctx.msg.findall(path):
        nummer = _number(ctx, "m:ToewijzingNummer", element)
        yield element, current.get(nummer) if nummer is not None else None


def _te_wijzigen(ctx: RuleContext) -> Iterator[tuple[etree._Element, ToewijzingStand]]:
    """Each TeWijzigenProduct whose ToewijzingNummer is a current assignment, with it."""
    current = _current(ctx)
    if not current:
        return
    for element, stand in _listed(ctx, _TE_WIJZIGEN, current):
        if stand is not None:
            yield element, stand


def _end(ctx: RuleContext, element: etree._Element, stand: ToewijzingStand) -> date | None:
    """The requested end of a TeWijzigenProduct: its Einddatum, else the assignment's."""
    if ctx.msg.find("m:Einddatum", element) is not None:
        return ctx.msg.date("m:Einddatum", element)
    return stand.einddatum


def _open_or_after_cutoff(end: date | None) -> bool:
    return end is None or end > CUTOFF


def _product(stand: ToewijzingStand) -> _Product:
    return None if stand.categorie is None else (stand.categorie, stand.code)


# -- the client and the set of current assignments -----------------------------------------

@rule("TR304", level=3, retourcode="8187", messages=("JW317",), needs_state=True)
def tr304(ctx: RuleContext) -> Failures:
    """The Bsn is a client this gemeente has assigned care to at this provider."""
    if not _toewijzingen(ctx):
        yield ctx.msg.required("m:Client/m:Bsn")


@rule("TR349", level=3, retourcode="9349", messages=("JW317",), needs_state=True)
def tr349(ctx: RuleContext) -> Failures:
    """Every current assignment is listed as OngewijzigdProduct or TeWijzigenProduct."""
    current = _current(ctx)
    if not current:
        return
    listed = {_number(ctx, "m:ToewijzingNummer", element)
              for path in (_ONGEWIJZIGD, _TE_WIJZIGEN) for element in ctx.msg.findall(path)}
    if any(nummer not in listed for nummer in current):
        yield ctx.msg.required(_VERZOEK)


@rule("TR350", level=3, retourcode="9350", messages=("JW317",), needs_state=True)
def tr350(ctx: RuleContext) -> Failures:
    """Each OngewijzigdProduct's ToewijzingNummer is a current assignment of the client."""
    yield from _not_current(ctx, _ONGEWIJZIGD)


@rule("TR351", level=3, retourcode="9351", messages=("JW317",), needs_state=True)
def tr351(ctx: RuleContext) -> Failures:
    """Each TeWijzigenProduct's ToewijzingNummer is a current assignment of the client."""
    yield from _not_current(ctx, _TE_WIJZIGEN)


def _not_current(ctx: RuleContext, path: str) -> Failures:
    current = _current(ctx)
    if current is None:
        return
    for element, stand in _listed(ctx, path, current):
        if stand is None:
            yield element


# -- dates of a change ----------------------------------------------------------------------

@rule("TR357", level=3, retourcode="9357", messages=("JW317",), needs_state=True)
def tr357(ctx: RuleContext) -> Failures:
    """A TeWijzigenProduct starting on or before the Dagtekening keeps the original Ingangsdatum."""
    dagtekening = ctx.msg.dagtekening
    if dagtekening is None:
        return  # no current assignments without it (`_current`), so nothing to compare
    for element, stand in _te_wijzigen(ctx):
        start = ctx.msg.date("m:GewensteIngangsdatum", element)
        if start is not None and start <= dagtekening and start != stand.ingangsdatum:
            yield element


@rule("TR373", level=3, retourcode="9373", messages=("JW317",), needs_state=True)
def tr373(ctx: RuleContext) -> Failures:
    """A change of Budget or of a TBGT volume starts on the assignment's Ingangsdatum."""
    for element, stand in _te_wijzigen(ctx):
        start = ctx.msg.date("m:GewensteIngangsdatum", element)
        if start is None or start == stand.ingangsdatum:
            continue
        # "Het Budget ... wordt gewijzigd": only a Budget or Volume that is given and differs
        # from the assignment's counts as a change; leaving it out is not read as one (TR411
        # says when an Omvang must be there).
        budget = _number(ctx, "m:Budget", element)
        volume = _number(ctx, "m:Omvang/b:Volume", element)
        if (budget is not None and budget != stand.budget) \
                or (stand.frequentie == TBGT and volume is not None and volume != stand.volume):
            yield element


# -- Omvang against the assignment's product (facts E.5) -------------------------------------

@rule("TR375", level=3, retourcode="9375", messages=("JW317",), needs_state=True)
def tr375(ctx: RuleContext) -> Failures:
    """A TeWijzigenProduct of a generic assignment (no Product) ending after 2020 (or open) has no Omvang."""
    for element, stand in _te_wijzigen(ctx):
        if stand.categorie is None and ctx.msg.find("m:Omvang", element) is not None \
                and _open_or_after_cutoff(_end(ctx, element, stand)):
            yield element


@rule("TR411", level=3, retourcode="9411", messages=("JW317",), needs_state=True)
def tr411(ctx: RuleContext) -> Failures:
    """A TeWijzigenProduct of an assignment with a product Code has an Omvang."""
    for element, stand in _te_wijzigen(ctx):
        if stand.code is not None and ctx.msg.find("m:Omvang", element) is None:
            yield element


@rule("TR412", level=3, retourcode="9412", messages=("JW317",), needs_state=True)
def tr412(ctx: RuleContext) -> Failures:
    """A TeWijzigenProduct of an aspecific assignment ending after 2020 (or open) has no Omvang."""
    for element, stand in _te_wijzigen(ctx):
        if stand.categorie is not None and stand.code is None \
                and ctx.msg.find("m:Omvang", element) is not None \
                and _open_or_after_cutoff(_end(ctx, element, stand)):
            yield element


# -- overlap within the whole request -----------------------------------------------------

def _periods(ctx: RuleContext, current: dict[int, ToewijzingStand]
             ) -> Iterator[tuple[etree._Element, _Product, date, date]]:
    """Every class of the request with its product and period (no end = open-ended), in
    message order: OngewijzigdProduct as assigned, TeWijzigenProduct with the assignment's
    product over the requested period, NieuwProduct as requested. Classes whose number is
    not a current assignment are left out (TR350/TR351)."""
    msg = ctx.msg
    for element, stand in _listed(ctx, _ONGEWIJZIGD, current):
        if stand is not None:
            yield element, _product(stand), stand.ingangsdatum, stand.einddatum or date.max
    for element, stand in _listed(ctx, _TE_WIJZIGEN, current):
        begin = msg.date("m:GewensteIngangsdatum", element)
        if stand is not None and begin is not None:
            yield element, _product(stand), begin, msg.date("m:Einddatum", element) or date.max
    for element in msg.findall(_NIEUW):
        begin = msg.date("m:GewensteIngangsdatum", element)
        if begin is None:
            continue
        product = msg.find("m:Product", element)
        key = None if product is None else (msg.text("b:Categorie", product),
                                            msg.text("b:Code", product))
        yield element, key, begin, msg.date("m:Einddatum", element) or date.max


@rule("TR361", level=3, retourcode="9361", messages=("JW317",), needs_state=True)
def tr361(ctx: RuleContext) -> Failures:
    """The same product does not occur twice in the request with overlapping periods."""
    current = _current(ctx)
    if current is None:
        return
    seen: list[tuple[_Product, date, date]] = []
    for element, key, begin, end in _periods(ctx, current):
        if any(same_product(key, k) and begin <= e and b <= end for k, b, e in seen):
            yield element
        seen.append((key, begin, end))
