"""Product rules (level 2, retourcode 0001): Product, Omvang, Budget and dates of the product
classes, and the in-message uniqueness/overlap rules of JW301 and JW315/AGJ.

Product classes per message (facts E.5): JW301 ToegewezenProduct, JW315 and AGJ
AangevraagdProduct (the AGJ's has exactly JW315's children), JW317 NieuwProduct and
TeWijzigenProduct. A TeWijzigenProduct carries no Product, so the rules about the Product
(CD079, CD041, CD080/CD095/CD096) are checked on NieuwProduct only; what they mean for a
TeWijzigenProduct is checked against the stored assignment at level 3 (TR411, TR412, TR375).

"No Code" (CD080/CD095/CD096) means the class has no Product/Code, also when it has no
Product at all, as the official rule tests an empty Code.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from datetime import date

from lxml import etree

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.rules.xpath_values import date_number, date_string, filled, is_nan, normalize_space

_TOEGEWEZEN = "m:Client/m:ToegewezenProducten/m:ToegewezenProduct"
_AANGEVRAAGD = "m:Client/m:AangevraagdeProducten/m:AangevraagdProduct"
_NIEUW = "m:Client/m:Verzoek/m:NieuweProducten/m:NieuwProduct"
_TE_WIJZIGEN = "m:Client/m:Verzoek/m:TeWijzigenProducten/m:TeWijzigenProduct"

# Product classes that can carry a Product (CD079, CD041, CD080/CD095/CD096).
_WITH_PRODUCT = {"JW301": (_TOEGEWEZEN,), "JW315": (_AANGEVRAAGD,), "AGJ": (_AANGEVRAAGD,),
                 "JW317": (_NIEUW,)}
# Product classes that carry Omvang, Budget and an end date (CD075-CD078, CS338/CS343).
_WITH_OMVANG = {"JW301": (_TOEGEWEZEN,), "JW315": (_AANGEVRAAGD,), "AGJ": (_AANGEVRAAGD,),
                "JW317": (_NIEUW, _TE_WIJZIGEN)}
# End date of a product class, per message.
_END = {"JW301": "m:Einddatum", "JW315": "m:ToewijzingEinddatum",
        "AGJ": "m:ToewijzingEinddatum", "JW317": "m:Einddatum"}

# The Omvang rules on aspecific products and on "per dag" only apply to assignments that
# end after this day or are open-ended (the 2021 change of the standard).
CUTOFF = date(2020, 12, 31)
_CUTOFF_NUMBER = 20201231
_PER_DAG_NOT_ALLOWED = ("14", "16", "83", "84")  # etmaal, dagdeel, euro's, stuks (inspanning)
_VERWIJZER_MET_CODE = ("02", "03", "04", "05")  # huisarts, jeugdarts, GI, medisch specialist


def _classes(ctx: RuleContext, table: Mapping[str, tuple[str, ...]]) -> Iterator[etree._Element]:
    for path in table[ctx.msg.type.name]:
        yield from ctx.msg.findall(path)


def _open_or_after_cutoff(ctx: RuleContext, element: etree._Element) -> bool:
    # As the XSLT, a number comparison: white space around the end date is harmless here.
    end = ctx.msg.find(_END[ctx.msg.type.name], element)
    return end is None or date_number(end.text) > _CUTOFF_NUMBER


def _same_product(a: tuple[str | None, str | None] | None,
                  b: tuple[str | None, str | None] | None) -> bool:
    """Same Categorie and Code; same Categorie when either Code is missing; and, as in the
    official XSLT, any pair where either class has no Product (generic: budget only)."""
    if a is None or b is None:
        return True
    return a[0] == b[0] and (a[1] is None or b[1] is None or a[1] == b[1])


same_product = _same_product  # for the domain's overlap checks (gateway.domain.aanvraag.aanvragen)


def overlapping(ctx: RuleContext, path: str, start: str, end: str,
                ignore: Callable[[etree._Element], bool] | None = None) -> Iterator[etree._Element]:
    """The classes at `path` whose period (start..end, both inclusive, no end = open-ended)
    overlaps an earlier class of the same product; each reported once. Dates are compared
    as numbers YYYYMMDD, as the XSLT does, so white space around them is harmless."""
    msg = ctx.msg
    seen: list[tuple[tuple[str | None, str | None] | None, float, float]] = []
    for element in msg.findall(path):
        if ignore is not None and ignore(element):
            continue
        begin = date_number(msg.text(start, element))
        if is_nan(begin):
            continue
        einde = msg.find(end, element)
        finish = math.inf if einde is None else date_number(einde.text)
        product = msg.find("m:Product", element)
        key = None if product is None else (msg.text("b:Categorie", product),
                                            msg.text("b:Code", product))
        if any(_same_product(key, k) and begin <= e and b <= finish for k, b, e in seen):
            yield element
        seen.append((key, begin, finish))


# -- Product, Omvang, Budget (facts E.5) ---------------------------------------------------

@rule("CD079", level=2, messages=tuple(_WITH_PRODUCT))
def cd079(ctx: RuleContext) -> Failures:
    """A product class without Budget has a Product."""
    for element in _classes(ctx, _WITH_PRODUCT):
        if ctx.msg.find("m:Budget", element) is None and ctx.msg.find("m:Product", element) is None:
            yield element


@rule("CD041", level=2, messages=tuple(_WITH_PRODUCT))
def cd041(ctx: RuleContext) -> Failures:
    """A product class with a Product/Code has an Omvang."""
    for element in _classes(ctx, _WITH_PRODUCT):
        if ctx.msg.find("m:Product/b:Code", element) is not None \
                and ctx.msg.find("m:Omvang", element) is None:
            yield element


# CD077 and CD078 are one mutual exclusion seen from both sides, as in the official rule
# report: CD077 sits on Omvang ("if Budget is filled, leave empty"), CD078 on Budget ("if
# Omvang is filled, leave empty"). A class with both therefore fails both; CD077 reports
# the Omvang, CD078 the Budget.
@rule("CD077", level=2, messages=tuple(_WITH_OMVANG))
def cd077(ctx: RuleContext) -> Failures:
    """A product class with a Budget has no Omvang."""
    for element in _classes(ctx, _WITH_OMVANG):
        omvang = ctx.msg.find("m:Omvang", element)
        if omvang is not None and ctx.msg.find("m:Budget", element) is not None:
            yield omvang


@rule("CD078", level=2, messages=tuple(_WITH_OMVANG))
def cd078(ctx: RuleContext) -> Failures:
    """A product class with an Omvang has no Budget."""
    for element in _classes(ctx, _WITH_OMVANG):
        budget = ctx.msg.find("m:Budget", element)
        if budget is not None and ctx.msg.find("m:Omvang", element) is not None:
            yield budget


def _aspecific_with_omvang(ctx: RuleContext) -> Iterator[etree._Element]:
    for element in _classes(ctx, _WITH_PRODUCT):
        omvang = ctx.msg.find("m:Omvang", element)
        if omvang is not None and ctx.msg.find("m:Product/b:Code", element) is None \
                and _open_or_after_cutoff(ctx, element):
            yield omvang


@rule("CD080", level=2, messages=("JW301",))
def cd080(ctx: RuleContext) -> Failures:
    """A ToegewezenProduct without Product/Code ending after 2020 (or open) has no Omvang."""
    yield from _aspecific_with_omvang(ctx)


@rule("CD095", level=2, messages=("JW315", "AGJ"))
def cd095(ctx: RuleContext) -> Failures:
    """An AangevraagdProduct without Product/Code ending after 2020 (or open) has no Omvang."""
    yield from _aspecific_with_omvang(ctx)


@rule("CD096", level=2, messages=("JW317",))
def cd096(ctx: RuleContext) -> Failures:
    """A NieuwProduct without Product/Code ending after 2020 (or open) has no Omvang."""
    yield from _aspecific_with_omvang(ctx)


@rule("CD075", level=2, messages=tuple(_WITH_OMVANG))
def cd075(ctx: RuleContext) -> Failures:
    """A product class with a Budget has an Einddatum (ToewijzingEinddatum)."""
    end = _END[ctx.msg.type.name]
    for element in _classes(ctx, _WITH_OMVANG):
        if ctx.msg.find("m:Budget", element) is not None and ctx.msg.find(end, element) is None:
            yield element


@rule("CD076", level=2, messages=tuple(_WITH_OMVANG))
def cd076(ctx: RuleContext) -> Failures:
    """A product class with Frequentie 2 (per week) has an Einddatum (ToewijzingEinddatum)."""
    end = _END[ctx.msg.type.name]
    for element in _classes(ctx, _WITH_OMVANG):
        if ctx.msg.text("m:Omvang/b:Frequentie", element) == "2" \
                and ctx.msg.find(end, element) is None:
            yield element


def _per_dag_not_allowed(ctx: RuleContext) -> Iterator[etree._Element]:
    for element in _classes(ctx, _WITH_OMVANG):
        omvang = ctx.msg.find("m:Omvang", element)
        if omvang is None or ctx.msg.text("b:Eenheid", omvang) not in _PER_DAG_NOT_ALLOWED:
            continue
        frequentie = ctx.msg.find("b:Frequentie", omvang)
        if frequentie is not None and frequentie.text not in ("2", "4", "6") \
                and _open_or_after_cutoff(ctx, element):
            yield frequentie


@rule("CS338", level=2, messages=("JW301", "JW317"))
def cs338(ctx: RuleContext) -> Failures:
    """Eenheid 14, 16, 83 or 84 (ending after 2020 or open) has Frequentie 2, 4 or 6."""
    yield from _per_dag_not_allowed(ctx)


@rule("CS343", level=2, messages=("JW315", "AGJ"))
def cs343(ctx: RuleContext) -> Failures:
    """Eenheid 14, 16, 83 or 84 (ending after 2020 or open) has Frequentie 2, 4 or 6."""
    yield from _per_dag_not_allowed(ctx)


# -- JW301 ToegewezenProduct --------------------------------------------------------------

@rule("CS335", level=2, messages=("JW301",))
def cs335(ctx: RuleContext) -> Failures:
    """A ToegewezenProduct with RedenWijziging 13 (verwijderd) has Einddatum = Ingangsdatum."""
    for element in ctx.msg.findall(_TOEGEWEZEN):
        if ctx.msg.text("m:RedenWijziging", element) != "13":
            continue
        # As the official XSLT: checked when both dates are there (a missing Einddatum is
        # CD076's or CD075's business, not this rule's), and compared as strings, so white
        # space around either date makes them differ (facts §5).
        einddatum = ctx.msg.find("m:Einddatum", element)
        if einddatum is not None and date_string(einddatum.text) != \
                date_string(ctx.msg.text("m:Ingangsdatum", element)):
            yield einddatum


@rule("CS336", level=2, messages=("JW301",))
def cs336(ctx: RuleContext) -> Failures:
    """RedenWijziging 01 (administratieve correctie, vervallen) is not used."""
    for reden in ctx.msg.findall(f"{_TOEGEWEZEN}/m:RedenWijziging"):
        if reden.text == "01":
            yield reden


def _deleted(ctx: RuleContext, element: etree._Element) -> bool:
    """What TR302 skips, exactly as the XSLT: RedenWijziging 13 (or the old 01), a filled
    Einddatum, and Ingangsdatum and Einddatum equal as strings once the '-' are removed; so
    a deleted product whose date has white space around it counts again (facts §4, §5)."""
    einddatum = ctx.msg.text("m:Einddatum", element)
    return ctx.msg.text("m:RedenWijziging", element) in ("13", "01") and filled(einddatum) \
        and date_string(einddatum) == date_string(ctx.msg.text("m:Ingangsdatum", element))


@rule("TR302", level=2, messages=("JW301",))
def tr302(ctx: RuleContext) -> Failures:
    """The same product is not assigned twice with overlapping periods (deleted ones aside)."""
    yield from overlapping(ctx, _TOEGEWEZEN, "m:Ingangsdatum", "m:Einddatum",
                           ignore=lambda element: _deleted(ctx, element))


# -- JW315 / AGJ AangevraagdProduct ------------------------------------------------------

@rule("TR383", level=2, messages=("JW315", "AGJ"))
def tr383(ctx: RuleContext) -> Failures:
    """Each AangevraagdProduct has its own ReferentieAanbieder within the message."""
    # As the XSLT: each product's reference, trimmed, against the raw text of the earlier
    # products' references, reporting the earlier one. So "REF" then " REF" is a duplicate,
    # " REF" then "REF" is not.
    # Each earlier product is reported once, however many later ones repeat it.
    earlier: dict[str | None, list[etree._Element]] = {}
    reported: set[etree._Element] = set()
    for referentie in ctx.msg.findall(f"{_AANGEVRAAGD}/m:ReferentieAanbieder"):
        for match in earlier.get(normalize_space(referentie.text), ()):
            if match not in reported:
                reported.add(match)
                yield match
        earlier.setdefault(referentie.text, []).append(referentie)


@rule("TR386", level=2, messages=("JW315", "AGJ"))
def tr386(ctx: RuleContext) -> Failures:
    """The same product is not requested twice with overlapping periods."""
    yield from overlapping(ctx, _AANGEVRAAGD, "m:ToewijzingIngangsdatum",
                           "m:ToewijzingEinddatum")


@rule("CD043", level=2, messages=("JW315", "AGJ"))
def cd043(ctx: RuleContext) -> Failures:
    """BeschikkingIngangsdatum is given exactly when BeschikkingNummer is."""
    for element in ctx.msg.findall(_AANGEVRAAGD):
        ingang = ctx.msg.find("m:BeschikkingIngangsdatum", element)
        nummer = ctx.msg.find("m:BeschikkingNummer", element)
        if ingang is not None and nummer is None:
            yield ingang
        elif ingang is None and nummer is not None:
            yield element


# Verwijzer: for Type 02-05 exactly one of ZorgverlenerCode and Naam; other types never a
# ZorgverlenerCode (Naam optional). Split as in the official rule report (CD regels, iJw 3.2):
#   CD066: Type 02-05 and ZorgverlenerCode filled => Naam empty   ("not both")
#   CD067: Type 02-05 and ZorgverlenerCode empty  => Naam filled  ("at least one")
#   CD068: Type not 02-05                         => ZorgverlenerCode empty
@rule("CD066", level=2, messages=("JW315", "AGJ"))
def cd066(ctx: RuleContext) -> Failures:
    """A Verwijzer of Type 02-05 with a ZorgverlenerCode has no Naam."""
    for verwijzer in ctx.msg.findall(f"{_AANGEVRAAGD}/m:Verwijzer"):
        naam = ctx.msg.find("b:Naam", verwijzer)
        if ctx.msg.text("b:Type", verwijzer) in _VERWIJZER_MET_CODE and naam is not None \
                and ctx.msg.find("b:ZorgverlenerCode", verwijzer) is not None:
            yield naam


@rule("CD067", level=2, messages=("JW315", "AGJ"))
def cd067(ctx: RuleContext) -> Failures:
    """A Verwijzer of Type 02-05 without ZorgverlenerCode has a Naam."""
    for verwijzer in ctx.msg.findall(f"{_AANGEVRAAGD}/m:Verwijzer"):
        if ctx.msg.text("b:Type", verwijzer) in _VERWIJZER_MET_CODE \
                and ctx.msg.find("b:ZorgverlenerCode", verwijzer) is None \
                and ctx.msg.find("b:Naam", verwijzer) is None:
            yield verwijzer


@rule("CD068", level=2, messages=("JW315", "AGJ"))
def cd068(ctx: RuleContext) -> Failures:
    """A Verwijzer of Type 01, 06 or 08 has no ZorgverlenerCode."""
    for verwijzer in ctx.msg.findall(f"{_AANGEVRAAGD}/m:Verwijzer"):
        code = ctx.msg.find("b:ZorgverlenerCode", verwijzer)
        if code is not None and ctx.msg.text("b:Type", verwijzer) not in _VERWIJZER_MET_CODE:
            yield code
