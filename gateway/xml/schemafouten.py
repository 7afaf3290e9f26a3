"""Dutch texts for what libxml2 finds wrong in a message (level 1).

libxml2 names every error by a fixed kind (`type_name`: SCHEMAV_CVC_PATTERN_VALID,
ERR_TAG_NAME_MISMATCH, ...) and words it in English in a fixed format. The tables below map
each common kind to a pattern on that English text and a Dutch template filled from it; the
English original always travels beside the Dutch text, so nothing libxml2 said is lost. A
kind that is not in a table, or an English text in a format a newer libxml2 changed, gets a
Dutch lead sentence followed by the original.

Element content errors ("This element is not expected") say the same thing for a missing,
an extra, a misplaced or a doubled element; the message's own tree tells which it is, so
that translation looks at the element's siblings (`ElementIndex`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_XS_PREFIXED = "xs:"
# How many values of an enumeration a message names before it stops: a code list can be long.
_MAX_CODES = 12

# One element of the libxml2 text: "Element '{ns}Name'" or "Element '{ns}Name', attribute 'a'".
_ELEMENT = r"Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: "


@dataclass(frozen=True)
class Translation:
    """What a libxml2 text becomes: `pattern` matches the English after the element part,
    `template` is the Dutch, filled with the pattern's groups, `element` (the local name) and
    `value` (a quoted value, or "leeg" for an empty one)."""

    pattern: str
    template: str


# The facets and the other kinds whose English carries all the Dutch needs.
SCHEMA_TEXTS: Mapping[str, Translation] = {
    "SCHEMAV_CVC_PATTERN_VALID": Translation(
        r"\[facet 'pattern'\] The value '(?P<value>.*)' is not accepted by the pattern '(?P<facet>.*)'\.",
        "{element}: {value} heeft niet de vorm die het schema vraagt (patroon {facet})."),
    # Worded so that the verb does not follow the number: "1 teken" and "200 tekens" both fit.
    "SCHEMAV_CVC_MAXLENGTH_VALID": Translation(
        r"\[facet 'maxLength'\] The value has a length of '(?P<length>\d+)'; this exceeds the allowed "
        r"maximum length of '(?P<facet>\d+)'\.",
        "{element}: de waarde is {length} lang; dat mag hoogstens {facet} zijn."),
    "SCHEMAV_CVC_MINLENGTH_VALID": Translation(
        r"\[facet 'minLength'\] The value has a length of '(?P<length>\d+)'; this underruns the allowed "
        r"minimum length of '(?P<facet>\d+)'\.",
        "{element}: de waarde is {length} lang; dat moet ten minste {facet} zijn."),
    "SCHEMAV_CVC_LENGTH_VALID": Translation(
        r"\[facet 'length'\] The value has a length of '(?P<length>\d+)'; this differs from the allowed "
        r"length of '(?P<facet>\d+)'\.",
        "{element}: de waarde is {length} lang; dat moet precies {facet} zijn."),
    "SCHEMAV_CVC_ENUMERATION_VALID": Translation(
        r"\[facet 'enumeration'\] The value '(?P<value>.*)' is not an element of the set \{(?P<facet>.*)\}\.",
        "{element}: {value} staat niet in de codelijst; toegestaan zijn {facet}."),
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": Translation(
        r"\[facet 'maxInclusive'\] The value '(?P<value>.*)' is greater than the maximum value allowed "
        r"\('(?P<facet>.*)'\)\.",
        "{element}: {value} is groter dan het maximum {facet}."),
    "SCHEMAV_CVC_MININCLUSIVE_VALID": Translation(
        r"\[facet 'minInclusive'\] The value '(?P<value>.*)' is less than the minimum value allowed "
        r"\('(?P<facet>.*)'\)\.",
        "{element}: {value} is kleiner dan het minimum {facet}."),
    "SCHEMAV_CVC_MAXEXCLUSIVE_VALID": Translation(
        r"\[facet 'maxExclusive'\] The value '(?P<value>.*)' must be less than '(?P<facet>.*)'\.",
        "{element}: {value} moet kleiner zijn dan {facet}."),
    "SCHEMAV_CVC_MINEXCLUSIVE_VALID": Translation(
        r"\[facet 'minExclusive'\] The value '(?P<value>.*)' must be greater than '(?P<facet>.*)'\.",
        "{element}: {value} moet groter zijn dan {facet}."),
    "SCHEMAV_CVC_TOTALDIGITS_VALID": Translation(
        r"\[facet 'totalDigits'\] The value '(?P<value>.*)' has more digits than are allowed \('(?P<facet>\d+)'\)\.",
        "{element}: {value} heeft meer dan {facet} cijfers."),
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID": Translation(
        r"\[facet 'fractionDigits'\] The value '(?P<value>.*)' has more fractional digits than are allowed "
        r"\('(?P<facet>\d+)'\)\.",
        "{element}: {value} heeft meer dan {facet} cijfers achter de decimale punt."),
    "SCHEMAV_CVC_TYPE_3_1_1": Translation(
        r"The attribute '(?P<name>[^']*)' is not allowed\.",
        "{element}: het attribuut {name} is hier niet toegestaan; iJw-berichten hebben geen attributen."),
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": Translation(
        r"The attribute '(?P<name>[^']*)' is not allowed\.",
        "{element}: het attribuut {name} is hier niet toegestaan; iJw-berichten hebben geen attributen."),
    "SCHEMAV_CVC_COMPLEX_TYPE_4": Translation(
        r"The attribute '(?P<name>[^']*)' is required but missing\.",
        "{element}: het verplichte attribuut {name} ontbreekt."),
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": Translation(
        r"Character content other than whitespace is not allowed because the content type is 'element-only'\.",
        "{element} bevat tekst, maar mag alleen elementen bevatten."),
    "SCHEMAV_CVC_COMPLEX_TYPE_2_1": Translation(
        r"Character content is not allowed, because the content type is empty\.",
        "{element} moet leeg zijn."),
    "SCHEMAV_CVC_ELT_1": Translation(
        r"No matching global declaration available for the validation root\.",
        "het root-element {element} bestaat niet in dit schema; een iJw-bericht begint met Bericht."),
}

_LENGTH_KINDS = ("SCHEMAV_CVC_MAXLENGTH_VALID", "SCHEMAV_CVC_MINLENGTH_VALID", "SCHEMAV_CVC_LENGTH_VALID")

# A value that does not fit its type ("'x' is not a valid value of the atomic type 'T'"):
# what the type asks, by the XSD built-in type it derives from.
_DATATYPE_KINDS = ("SCHEMAV_CVC_DATATYPE_VALID_1_2_1", "SCHEMAV_CVC_DATATYPE_VALID_1_2_2",
                   "SCHEMAV_CVC_DATATYPE_VALID_1_2_3")
_DATATYPE = re.compile(_ELEMENT + r"'(?P<value>.*)' is not a valid value of the (?:local )?"
                                  r"(?:atomic|list|union) type(?: '(?P<type>[^']*)')?\.", re.DOTALL)
_INTEGERS = ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
             "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
             "unsignedByte")
BUILTIN_TEXTS: Mapping[str, str] = {
    "date": "{value} is geen geldige datum; schrijf een datum als JJJJ-MM-DD, bijvoorbeeld 2026-09-22, "
            "zonder tijdzone",
    "time": "{value} is geen geldige tijd; schrijf een tijd als UU:MM:SS, bijvoorbeeld 09:30:00",
    "dateTime": "{value} is geen geldig tijdstip; schrijf het als JJJJ-MM-DDTUU:MM:SS, bijvoorbeeld "
                "2026-09-22T09:30:00",
    "decimal": "{value} is geen decimaal getal; schrijf alleen cijfers met hoogstens één punt als "
               "decimaalteken (geen komma), bijvoorbeeld 12.50",
    "boolean": "{value} is geen geldige waarde; schrijf true of false",
    **dict.fromkeys(_INTEGERS, "{value} is geen geheel getal; schrijf alleen cijfers, zonder punt, komma of spaties"),
}

CONTENT_KIND = "SCHEMAV_ELEMENT_CONTENT"
_ELEMENT_CONTENT = re.compile(
    _ELEMENT + r"(?P<what>This element is not expected|Missing child element\(s\))\."
               r"(?: Expected is(?: one of)? \( (?P<expected>.*) \)\.)?", re.DOTALL)

# Not well-formed: libxml2's parser errors, by kind. The groups are those of the English.
SYNTAX_TEXTS: Mapping[str, Translation] = {
    "ERR_TAG_NAME_MISMATCH": Translation(
        r"Opening and ending tag mismatch: (?P<open>\S+) line (?P<line>\d+) and (?P<close>[^\s,]+)",
        "de openingstag <{open}> (regel {line}) wordt afgesloten met </{close}>; elke tag moet "
        "worden afgesloten met zijn eigen naam"),
    "ERR_TAG_NOT_FINISHED": Translation(
        r"Premature end of data in tag (?P<open>\S+) line (?P<line>\d+)",
        "het bericht houdt op voordat <{open}> (regel {line}) is afgesloten; is het afgebroken?"),
    "ERR_DOCUMENT_EMPTY": Translation(r".*", "het bericht is leeg of begint niet met een element (<...>)"),
    "ERR_DOCUMENT_END": Translation(
        r".*", "na het root-element staat nog inhoud; een bericht heeft precies één root-element"),
    "ERR_INVALID_ENCODING": Translation(
        r".*", "het bericht bevat bytes die niet passen bij de tekenset; stuur UTF-8, of noem de "
               "tekenset in de XML-declaratie"),
    "ERR_INVALID_CHAR": Translation(r".*", "het bericht bevat een teken dat in XML niet is toegestaan"),
    "ERR_UNDECLARED_ENTITY": Translation(
        r"Entity '(?P<name>[^']*)' not defined",
        "de entiteit &{name}; bestaat niet; schrijf een & in tekst als &amp;"),
    "ERR_ENTITYREF_SEMICOL_MISSING": Translation(
        r".*", "een & in tekst moet als &amp; geschreven worden"),
    "ERR_ATTRIBUTE_REDEFINED": Translation(
        r"Attribute (?P<name>[^\s,]+) redefined", "het attribuut {name} staat twee keer in dezelfde tag"),
    "ERR_ATTRIBUTE_NOT_STARTED": Translation(
        r".*", "een attribuutwaarde moet tussen aanhalingstekens staan"),
    "ERR_LT_IN_ATTRIBUTE": Translation(r".*", "een < in een attribuutwaarde moet als &lt; geschreven worden"),
    "ERR_NAME_REQUIRED": Translation(r".*", "op deze plaats hoort een naam van een element of attribuut"),
    "ERR_GT_REQUIRED": Translation(r".*", "een tag is niet afgesloten met >"),
    "ERR_LTSLASH_REQUIRED": Translation(r".*", "een sluittag (</...>) ontbreekt of is onvolledig"),
    "ERR_RESERVED_XML_NAME": Translation(
        r".*", "de XML-declaratie (<?xml ...?>) mag alleen helemaal aan het begin van het bericht staan"),
    "NS_ERR_UNDEFINED_NAMESPACE": Translation(
        r"Namespace prefix (?P<prefix>\S+) (?:on|for) (?P<name>\S+) (?:is not defined|on \S+ is not defined)",
        "het namespace-prefix {prefix} (bij {name}) is niet gedeclareerd; voeg xmlns:{prefix}=\"...\" toe"),
}
_SYNTAX_NAMES: Mapping[int, str] = {value: name for name, value in vars(etree.ErrorTypes).items()
                                    if name.isupper() and isinstance(value, int)}


@dataclass(frozen=True)
class SchemaFacts:
    """What the XSDs themselves tell that libxml2's text leaves out: the built-in type each
    named simple type derives from (`{ns}LDT_Datum` → `date`), and every element each
    schema declares (Clark names), to tell an unknown element from a misplaced one."""

    builtin_of: Mapping[str, str]
    elements: frozenset[str]

    @classmethod
    def of(cls, schemas: Iterable[etree._ElementTree]) -> SchemaFacts:
        bases: dict[str, str] = {}
        elements: set[str] = set()
        for doc in schemas:
            root = doc.getroot()
            target = root.get("targetNamespace", "")
            for simple in root.iter(f"{{{XS}}}simpleType"):
                restriction = simple.find(f"{{{XS}}}restriction")
                if simple.get("name") and restriction is not None and restriction.get("base"):
                    bases[f"{{{target}}}{simple.get('name')}"] = _clark(restriction, restriction.get("base", ""))
            elements.update(f"{{{target}}}{e.get('name')}" for e in root.iter(f"{{{XS}}}element") if e.get("name"))
        return cls({name: _builtin(name, bases) for name in bases}, frozenset(elements))


def _clark(context: etree._Element, qname: str) -> str:
    prefix, _, local = qname.rpartition(":")
    return f"{{{context.nsmap.get(prefix or None, '')}}}{local}"


def _builtin(name: str, bases: Mapping[str, str]) -> str:
    seen = set()
    while name in bases and name not in seen:
        seen.add(name)
        name = bases[name]
    return name[len(XS) + 2:] if name.startswith(f"{{{XS}}}") else ""


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


def _namespace(clark: str) -> str:
    return clark[1:].split("}", 1)[0] if clark.startswith("{") else ""


def _quoted(value: str) -> str:
    return f"de waarde '{value}'" if value else "de lege waarde"


def _characters(count: str) -> str:
    return f"{count} teken" + ("" if count == "1" else "s")


def _codes(listed: str) -> str:
    codes = [code.strip().strip("'") for code in listed.split(",")]
    shown = ", ".join(codes[:_MAX_CODES])
    return shown + (f" en nog {len(codes) - _MAX_CODES} andere" if len(codes) > _MAX_CODES else "")


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "een van " + ", ".join(names)


def _missing(parent: str, wanted: list[str]) -> str:
    # libxml2 leaves out "Expected is ( ... )" when its automaton cannot list what is missing
    # (nbval + nbneg == 0 in xmlSchemaComplexTypeErr): the text then names no element.
    if not wanted:
        return f"In {parent} ontbreekt een verplicht element."
    return f"In {parent} ontbreekt een verplicht element: {_or(wanted)}."


def _fallback(element: str | None, original: str) -> str:
    where = f"{element} voldoet" if element else "het bericht voldoet"
    return f"{where[0].upper()}{where[1:]} niet aan het XML-schema: {original}"


def schema_message(kind: str, original: str, *, facts: SchemaFacts,
                   element: etree._Element | None = None) -> str:
    """The Dutch text for one schema error of `kind` (libxml2's type_name), worded by libxml2
    as `original`. `element` is the element the error is about, when it was found in the
    tree: it tells a missing element from a misplaced one."""
    head = re.match(_ELEMENT, original)
    name = _local(head.group("element")) if head else None
    if kind == CONTENT_KIND and (found := _ELEMENT_CONTENT.fullmatch(original)):
        return _content(found, element, facts)
    if kind in _DATATYPE_KINDS and (found := _DATATYPE.fullmatch(original)):
        return _datatype(found, facts)
    translation = SCHEMA_TEXTS.get(kind)
    if translation is None or head is None:
        return _fallback(name, original)
    found = re.fullmatch(_ELEMENT + translation.pattern, original, re.DOTALL)
    if found is None:
        return _fallback(name, original)
    fields = {k: v for k, v in found.groupdict().items() if v is not None}
    fields["element"] = name or ""
    if "value" in fields:
        fields["value"] = _quoted(fields["value"])
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        fields["facet"] = _codes(fields["facet"])
    if kind in _LENGTH_KINDS:
        fields["length"], fields["facet"] = _characters(fields["length"]), _characters(fields["facet"])
    return translation.template.format(**fields)


def _datatype(found: re.Match[str], facts: SchemaFacts) -> str:
    name, value, type_name = _local(found["element"]), found["value"], found["type"] or ""
    builtin = type_name[len(_XS_PREFIXED):] if type_name.startswith(_XS_PREFIXED) \
        else facts.builtin_of.get(type_name, "")
    text = BUILTIN_TEXTS.get(builtin)
    if text is None:
        kind = f" (type {_local(type_name)})" if type_name else ""
        return f"{name}: {_quoted(value)} is niet geldig{kind}."
    return f"{name}: {text.format(value=_quoted(value))}."


def _content(found: re.Match[str], element: etree._Element | None, facts: SchemaFacts) -> str:
    clark = found["element"]
    name = _local(clark)
    expected = [e.strip() for e in (found["expected"] or "").split(",") if e.strip()]
    wanted = [_local(e) for e in expected]
    if found["what"].startswith("Missing"):  # the element is the parent; its end came too soon
        return _missing(name, wanted)
    same_name = [e for e in expected if _local(e) == name and e != clark]
    if same_name:
        return (f"{name} staat in de verkeerde namespace ({_namespace(clark) or 'geen namespace'}); "
                f"het schema verwacht het in namespace {_namespace(same_name[0])}.")
    if clark not in facts.elements:
        where = f"; hier verwacht het schema {_or(wanted)}" if wanted else ""
        return f"{name} is geen element van dit bericht{where}."
    if element is not None:
        # The schema took an earlier sibling of this name where it stood, so this one is one
        # too many, next to it or further on: moving it would not help.
        if any(sibling.tag == element.tag for sibling in element.itersiblings(preceding=True)):
            return f"{name} komt hier vaker voor dan het schema toestaat."
        later = {sibling.tag for sibling in element.itersiblings()}
        if misplaced := [_local(e) for e in expected if e in later]:
            return f"{name} staat op de verkeerde plaats: eerst komt {_or(misplaced)}."
    if not wanted:
        return f"{name} wordt hier niet verwacht: op deze plaats mag geen element meer staan."
    if element is None:  # its siblings unknown: missing and misplaced cannot be told apart
        return (f"{name} wordt hier niet verwacht: het schema verwacht hier {_or(wanted)}; ontbreekt dat, "
                f"of staat {name} op de verkeerde plaats?")
    return f"Vóór {name} ontbreekt een verplicht element: het schema verwacht hier {_or(wanted)}."


def syntax_message(code: int, original: str) -> str:
    """The Dutch text for a parse error (not well-formed XML) with libxml2's error `code`."""
    translation = SYNTAX_TEXTS.get(_SYNTAX_NAMES.get(code, ""))
    found = re.match(translation.pattern, original, re.DOTALL) if translation else None
    if translation is None or found is None:
        return f"de XML-parser meldt: {original}"
    return translation.template.format(**{k: v for k, v in found.groupdict().items() if v is not None})


class ElementIndex:
    """Finds the element an error is about by its line and its name, the two things every
    error has (libxml2's path of an element in a default namespace is only `/*/*[3]`). Of
    several on one line, lxml's `getpath`, the libxml2 function that named the error's path,
    tells which; past a few the element is left unknown, so a hostile body of thousands of
    elements on one line costs no more than a plain one. Built once per tree, and only when
    an error needs its element."""

    _MAX_ON_ONE_LINE = 8

    def __init__(self, tree: etree._ElementTree):
        self._tree = tree
        self._by_line: dict[tuple[int, str], list[etree._Element]] | None = None

    def find(self, line: int | None, clark: str, path: str) -> etree._Element | None:
        if line is None:
            return None
        if self._by_line is None:
            self._by_line = {}
            for element in self._tree.getroot().iter():
                if isinstance(element.tag, str) and element.sourceline is not None:
                    self._by_line.setdefault((element.sourceline, element.tag), []).append(element)
        candidates = self._by_line.get((line, clark), [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > self._MAX_ON_ONE_LINE:
            return None
        return next((c for c in candidates if self._tree.getpath(c) == path), None)


def element_of(original: str) -> str | None:
    """The Clark name of the element a libxml2 schema error starts with."""
    head = re.match(_ELEMENT, original)
    return head.group("element") if head else None


def unknown_root_message(root: etree._Element, namespaces: Mapping[str, tuple[str, str]]) -> str:
    """A root element in a namespace the gateway has no schema for. `namespaces` maps each
    message's name to (its BerichtCode, its namespace). The expected namespace is named when
    the message says which one it is: its BerichtCode, or a namespace that names the message
    (an older release, a typing error)."""
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace, local = _namespace(tag), _local(tag)
    got = f"namespace {namespace}" if namespace else "geen namespace"
    lead = f"onbekend bericht: root-element {local} in {got}"
    code = next((e.text.strip() for e in root.iter() if isinstance(e.tag, str)
                 and _local(e.tag) == "BerichtCode" and e.text), None)
    for name, (berichtcode, expected) in namespaces.items():
        if code == berichtcode or (namespace and re.search(rf"\b{name}\b", namespace, re.IGNORECASE)):
            why = f"BerichtCode {code}" if code == berichtcode else f"de namespace noemt {name}"
            return f"{lead}; een {name} ({why}) heeft als namespace {expected}."
    known = ", ".join(f"{name}: {ns}" for name, (_, ns) in namespaces.items())
    return f"{lead}; de gateway kent de namespaces {known}."
