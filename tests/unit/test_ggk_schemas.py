"""Our StUF-GGk schemas (schemas/ggk/) against the facts they were written from.

The structure is re-derived at test time from the indented trees of
shared/domain/ggk-koppelvlak.md (§3.3 Di01, §3.4 Du01 = Di01 + crossRefnummer, §3.6 Fo01, Fo03,
Bv03) and the facet table of §3.2, and compared with what the XSDs declare, walked with
`xmlschema` (a second engine beside lxml, which the gateway validates with). Element by element:
name, namespace, position, cardinality, and the type where the facts name one. The facts file
sits beside a checkout (as in CI); without it these comparisons are skipped, the examples and
refusals at the bottom run anyway.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas" / "ggk"
FACTS = REPO.parent / "shared" / "domain" / "ggk-koppelvlak.md"

GGK = "http://www.stufstandaarden.nl/koppelvlak/ggk0210"
STUF = "http://www.egem.nl/StUF/StUF0301"
XS = "http://www.w3.org/2001/XMLSchema"
PREFIXES = {"GGK": GGK, "StUF": STUF}
SHORT = {GGK: "GGK", STUF: "StUF"}

GGK_XSD = "ggk0210_msg_ggkberichten.xsd"
STUF_XSD = "stuf0301.xsd"

needs_facts = pytest.mark.skipif(not FACTS.exists(), reason=f"facts file not beside the checkout: {FACTS}")


# --- the facts -------------------------------------------------------------------------------

@dataclass
class Node:
    ns: str
    name: str
    min: int
    max: int
    note: str = ""
    choice: bool = False  # the children are alternatives
    children: list[Node] = field(default_factory=list)


@cache
def facts() -> str:
    return FACTS.read_text(encoding="utf-8")


def section(number: str) -> str:
    """The text of section `### number` up to the next heading."""
    found = re.search(rf"^### {re.escape(number)}\b.*?$(.*?)(?=^##)", facts(), re.M | re.S)
    assert found, f"section {number} not in {FACTS.name}"
    return found.group(1)


def code_block(text: str) -> str:
    found = re.search(r"^```\n(.*?)^```", text, re.M | re.S)
    assert found, "no indented tree in the section"
    return found.group(1)


_LINE = re.compile(r"^(?P<indent> *)(?P<prefix>GGK|StUF):(?P<name>[\w\-]+)\s+\[(?P<card>1|0\.\.1)\]\s*(?P<note>.*)$")
_INLINE_CHILD = re.compile(r"(\w+) \[(1|0\.\.1)\]")
SYSTEEM_NOTE = re.compile(r"^Systeem(:|$)")


def _card(text: str) -> tuple[int, int]:
    return (0, 1) if text == "0..1" else (1, 1)


def parse_tree(block: str) -> list[Node]:
    """The indented trees of a code block (two spaces a level); continuation lines (indented
    text that starts with no element name) extend the note of the line before."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    last: Node | None = None
    for line in block.splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            if line.startswith(" ") and last is not None:
                last.note += " " + line.strip()
                continue
            break  # the one-line descriptions of Fo03/Bv03 follow; read by their own tests
        depth = len(match["indent"]) // 2
        node = Node(PREFIXES[match["prefix"]], match["name"], *_card(match["card"]), match["note"].strip())
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            roots.append(node)
        stack.append((depth, node))
        last = node
    return roots


def _expand_notes(node: Node, systeem: list[Node] | None) -> None:
    """What the notes say in words: 'same four children' (ontvanger = zender), 'choice',
    'Systeem: a [1], b [0..1]' (children inline) and a bare 'Systeem' (those children again)."""
    for index, child in enumerate(node.children):
        if child.note.startswith("same four children"):
            previous = node.children[index - 1]
            assert previous.name == "zender", child.note
            child.children = [Node(c.ns, c.name, c.min, c.max) for c in previous.children]
        if SYSTEEM_NOTE.match(child.note) and not child.children:
            inline = _INLINE_CHILD.findall(child.note)
            if inline:
                systeem = [Node(child.ns, name, *_card(card)) for name, card in inline]
            assert systeem, f"{child.name}: Systeem named before its children"
            child.children = [Node(c.ns, c.name, c.min, c.max) for c in systeem]
        if child.note.startswith("choice"):
            child.choice = True
        _expand_notes(child, systeem)


def di01_tree() -> Node:
    [root] = parse_tree(code_block(section("3.3")))
    _expand_notes(root, None)
    return root


def du01_tree() -> Node:
    text = " ".join(section("3.4").split())
    assert "`berichtcode` = `Du01`" in text
    # "**`StUF:crossRefnummer` [1] (UUID-refnummer) sits between `tijdstipBericht` and `functie`**"
    found = re.search(r"`StUF:(\w+)` \[(1|0\.\.1)\] \(([\w\-]+)\) sits between `(\w+)` and `(\w+)`", text)
    assert found, "§3.4 no longer says where the Du01's extra element sits"
    name, card, type_name, before, after = found.groups()
    root = di01_tree()
    root.name = "envelopRetourbericht-ggk_Du01"
    stuurgegevens = root.children[0]
    names = [c.name for c in stuurgegevens.children]
    assert names.index(after) == names.index(before) + 1
    stuurgegevens.children.insert(names.index(after), Node(STUF, name, *_card(card), type_name))
    berichtcode = stuurgegevens.children[0]
    berichtcode.note = berichtcode.note.replace("Di01", "Du01")
    return root


def fo_trees() -> dict[str, Node]:
    block = code_block(section("3.6"))
    [fo01] = parse_tree(block)
    _expand_notes(fo01, None)
    systeem = fo01.children[0].children[1].children
    flat = " ".join(block.split())
    fo03_line = re.search(r'StUF:Fo03Bericht same stuurgegevens \(berichtcode fixed "(\w+)"\) \+ StUF:body as above',
                          flat)
    assert fo03_line and fo03_line[1] == "Fo03", "§3.6 no longer describes Fo03 as Fo01's twin"
    fo03 = parse_tree(block)[0]
    _expand_notes(fo03, None)
    fo03.name = "Fo03Bericht"
    fo03.children[0].children[0].note = f'Berichtcode, fixed "{fo03_line[1]}"'
    bv03_line = re.search(r'StUF:Bv03Bericht StUF:stuurgegevens only \(berichtcode fixed "(\w+)", (.*?) — all \[1\]\); '
                          r"no body", flat)
    assert bv03_line, "§3.6 no longer describes Bv03 as stuurgegevens only"
    bv03_children = [Node(STUF, "berichtcode", 1, 1, f'Berichtcode, fixed "{bv03_line[1]}"')]
    for name in (n.strip() for n in bv03_line[2].split(",")):
        child = Node(STUF, name, 1, 1)
        if name in ("zender", "ontvanger"):
            child.children = [Node(c.ns, c.name, c.min, c.max) for c in systeem]
        bv03_children.append(child)
    bv03 = Node(STUF, "Bv03Bericht", 1, 1, children=[Node(STUF, "stuurgegevens", 1, 1, children=bv03_children)])
    return {"Fo01Bericht": fo01, "Fo03Bericht": fo03, "Bv03Bericht": bv03}


def facts_lines(node: Node, depth: int = 0, in_choice: bool = False) -> list[str]:
    """One line per element: depth, namespace, name, cardinality, and 'choice' for an
    alternative. The list keeps document order, so a dropped or moved element shows."""
    lines = [f"{'  ' * depth}{SHORT[node.ns]}:{node.name} [{node.min}..{node.max}]{' choice' if in_choice else ''}"]
    for child in node.children:
        lines += facts_lines(child, depth + 1, node.choice)
    return lines


# --- the schemas -----------------------------------------------------------------------------

@cache
def schema(file_name: str, directory: Path = SCHEMAS) -> xmlschema.XMLSchema:
    # "local": imports resolve to files beside the schema, never to the network
    return xmlschema.XMLSchema(str(directory / file_name), allow="local")


def xsd_lines(element: xmlschema.XsdElement, depth: int = 0, in_choice: bool = False) -> list[str]:
    qname = etree.QName(element.name)
    max_occurs = "n" if element.max_occurs is None else element.max_occurs
    lines = [f"{'  ' * depth}{SHORT[qname.namespace]}:{qname.localname} [{element.min_occurs}..{max_occurs}]"
             f"{' choice' if in_choice else ''}"]
    content = element.type.content if element.type.is_complex() else None
    if isinstance(content, xmlschema.validators.XsdGroup):
        for item in content:
            if isinstance(item, xmlschema.validators.XsdAnyElement):
                continue  # detailsXML's wildcard: test_foutdetails_xml_skips_any_element
            assert isinstance(item, xmlschema.XsdElement), f"{element.name}: nested group"
            lines += xsd_lines(item, depth + 1, content.model == "choice")
    return lines


def xsd_element(root_name: str) -> xmlschema.XsdElement:
    namespace = GGK if root_name.startswith("envelop") else STUF
    file_name = GGK_XSD if namespace == GGK else STUF_XSD
    return schema(file_name).maps.elements[f"{{{namespace}}}{root_name}"]


def walk(element: xmlschema.XsdElement, path: str = "") -> dict[str, xmlschema.XsdElement]:
    path = f"{path}/{etree.QName(element.name).localname}"
    found = {path: element}
    if element.type.is_complex() and isinstance(element.type.content, xmlschema.validators.XsdGroup):
        for item in element.type.content:
            if isinstance(item, xmlschema.XsdElement):
                found.update(walk(item, path))
    return found


def facts_by_path(node: Node, path: str = "") -> dict[str, Node]:
    path = f"{path}/{node.name}"
    found = {path: node}
    for child in node.children:
        found.update(facts_by_path(child, path))
    return found


def all_trees() -> dict[str, Node]:
    return {"envelopHeenbericht-ggk_Di01": di01_tree(), "envelopRetourbericht-ggk_Du01": du01_tree(), **fo_trees()}


# --- structure -------------------------------------------------------------------------------

@needs_facts
@pytest.mark.parametrize("root_name", ["envelopHeenbericht-ggk_Di01", "envelopRetourbericht-ggk_Du01",
                                       "Fo01Bericht", "Fo03Bericht", "Bv03Bericht"])
def test_every_element_sits_where_the_facts_put_it(root_name):
    expected = facts_lines(all_trees()[root_name])
    assert len(expected) > 5, "the tree of the facts was not read"
    assert xsd_lines(xsd_element(root_name)) == expected


@needs_facts
def test_the_trees_read_from_the_facts_are_the_ones_described():
    # A guard on the reader above: the notes it expands are expanded.
    di01 = facts_lines(di01_tree())
    assert "    StUF:ontvanger [1..1]" in di01 and "      StUF:organisatie [1..1]" in di01
    assert di01[-2:] == ["      GGK:xmlBestand [1..1] choice", "      GGK:tekstBestand [1..1] choice"]
    du01 = [line.strip() for line in facts_lines(du01_tree())]
    assert du01[du01.index("StUF:tijdstipBericht [1..1]") + 1] == "StUF:crossRefnummer [1..1]"
    fo01 = facts_lines(fo_trees()["Fo01Bericht"])
    assert "      StUF:organisatie [0..1]" in fo01 and "    StUF:detailsXML [0..1]" in fo01


# The type names of §3.2 (and the two complex types of §3.6), as the trees' notes name them.
TYPE_NAMES = {"Organisatie", "Applicatie", "Administratie", "Gebruiker", "Refnummer", "UUID-refnummer",
              "Tijdstip", "Functie", "Versienr", "BerichtcodeDi01", "BerichtcodeDu01", "Berichtcode",
              "Foutcode", "Foutplek", "Foutomschrijving", "Foutdetails", "Systeem", "Foutbericht"}


@needs_facts
def test_each_element_has_the_type_the_facts_name():
    checked = 0
    for root_name, tree in all_trees().items():
        declared = walk(xsd_element(root_name))
        for path, node in facts_by_path(tree).items():
            element = declared[path]
            first = re.split(r"[\s,:(]", node.note, maxsplit=1)[0] if node.note else ""
            if first in TYPE_NAMES:
                assert element.type.name is not None and etree.QName(element.type.name).localname == first, path
                checked += 1
            if (fixed := re.search(r'fixed "(\w+)"', node.note)) is not None:
                assert element.fixed == fixed[1], path
            if (enumerated := re.match(r'BerichtcodeD[iu]01 = "(\w+)"', node.note)) is not None:
                assert element.type.enumeration == [enumerated[1]], path
            if node.note.startswith("base64Binary"):
                assert element.type.is_simple() or element.type.has_simple_content(), path
                primitive = element.type if element.type.is_simple() else element.type.content
                assert primitive.name == f"{{{XS}}}base64Binary", path
                attributes = {} if element.type.is_simple() else dict(element.type.attributes)
                if "no attributes" in node.note:
                    assert attributes == {}, path
                if (required := re.search(r"@(\w+) required", node.note)) is not None:
                    # no namespace: the attribute's name is unqualified
                    assert list(attributes) == [required[1]] and attributes[required[1]].use == "required", path
    assert checked > 20


def test_a_dropped_or_moved_element_is_seen(tmp_path):
    """The comparison above sees a change: our Di01 schema with functie dropped, and with
    referentienummer and tijdstipBericht swapped, no longer gives the same lines."""
    original = xsd_lines(xsd_element("envelopHeenbericht-ggk_Di01"))
    half = "ggk0210_stuf0301_msg_ggkberichten.xsd"
    text = (SCHEMAS / half).read_text(encoding="utf-8")
    di01_type = text[text.index('name="StuurgegevensDi01"'):text.index('name="StuurgegevensDu01"')]
    functie = '      <xs:element name="functie" type="StUF:Functie"/>\n'
    ref = '      <xs:element name="referentienummer" type="StUF:UUID-refnummer"/>\n'
    tijd = '      <xs:element name="tijdstipBericht" type="StUF:Tijdstip"/>\n'
    assert functie in di01_type and ref + tijd in di01_type
    for number, changed in enumerate((di01_type.replace(functie, ""), di01_type.replace(ref + tijd, tijd + ref))):
        directory = tmp_path / str(number)
        shutil.copytree(SCHEMAS, directory)
        (directory / half).write_text(text.replace(di01_type, changed), encoding="utf-8")
        element = schema(GGK_XSD, directory).maps.elements[f"{{{GGK}}}envelopHeenbericht-ggk_Di01"]
        assert xsd_lines(element) != original


# --- simple types ----------------------------------------------------------------------------

def facet_table() -> list[tuple[str, str, str]]:
    rows = []
    for line in section("3.2").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("type", "---") and not cells[0].startswith("-"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def _simple_type(label: str) -> list[xmlschema.validators.XsdSimpleType]:
    """The XSD simple types a row of the table is about."""
    maps = schema(GGK_XSD).maps
    if label == "BerichtcodeDi01 / Du01":
        return [maps.types[f"{{{STUF}}}BerichtcodeDi01"], maps.types[f"{{{STUF}}}BerichtcodeDu01"]]
    if label == "bestandsnaam":
        return [maps.types[f"{{{GGK}}}TekstBestand"].attributes["bestandsnaam"].type]
    name = label.split(" (")[0]
    for namespace in (STUF, GGK):
        if (found := maps.types.get(f"{{{namespace}}}{name}")) is not None:
            return [found]
    raise AssertionError(f"no type {name} in our schemas")


@needs_facts
def test_the_simple_types_have_the_facets_of_the_table():
    rows = facet_table()
    assert len(rows) >= 18
    checked = set()
    for label, base, restriction in rows:
        if label.endswith(" content") or label == "FoutdetailsXML":
            continue  # checked with the elements and below
        for xsd_type in _simple_type(label):
            assert etree.QName(xsd_type.base_type.name).localname == base, label
            facets = xsd_type.facets
            for facet, value in re.findall(r"\b(minLength|maxLength|length) (\d+)", restriction):
                assert facets[f"{{{XS}}}{facet}"].value == int(value), (label, facet)
            lengths = {f for f in ("minLength", "maxLength", "length") if f"{{{XS}}}{f}" in facets}
            assert lengths == set(re.findall(r"\b(minLength|maxLength|length) \d+", restriction)), label
            patterns = re.findall(r"pattern `([^`]+)`", restriction)
            declared = facets[f"{{{XS}}}pattern"].regexps if f"{{{XS}}}pattern" in facets else []
            assert declared == patterns, label
            if "enumeration" in restriction:
                values = re.findall(r"`(\w+)`", restriction)
                expected = values if label != "BerichtcodeDi01 / Du01" else [values[_simple_type(label).index(xsd_type)]]
                assert xsd_type.enumeration == expected, label
            else:
                assert not xsd_type.enumeration, label
            checked.add(label)
    assert {"Organisatie", "Applicatie", "Tijdstip", "Versienr", "Foutplek", "bestandsnaam"} <= checked


@needs_facts
def test_foutdetails_xml_skips_any_element():
    [row] = [r for r in facet_table() if r[0] == "FoutdetailsXML"]
    assert "any namespace" in row[2] and "`processContents=\"skip\"`" in row[2] and "0..n" in row[2]
    content = schema(STUF_XSD).maps.types[f"{{{STUF}}}FoutdetailsXML"].content
    [wildcard] = list(content)
    assert isinstance(wildcard, xmlschema.validators.XsdAnyElement)
    assert (list(wildcard.namespace), wildcard.process_contents, wildcard.min_occurs, wildcard.max_occurs) == (
        ["##any"], "skip", 0, None)


# --- examples and refusals (lxml, as the gateway validates) -----------------------------------

def lxml_schema(file_name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / file_name), parser))


def examples() -> dict[str, bytes]:
    blocks = re.findall(r"^```xml\n(.*?)^```", facts(), re.M | re.S)
    return {etree.QName(etree.fromstring(b.encode())).localname: b.encode() for b in blocks}


@needs_facts
def test_the_worked_examples_are_valid():
    found = examples()
    assert set(found) == {"envelopHeenbericht-ggk_Di01", "envelopRetourbericht-ggk_Du01", "Fo01Bericht"}
    for name, body in found.items():
        file_name = STUF_XSD if name == "Fo01Bericht" else GGK_XSD
        validator = lxml_schema(file_name)
        assert validator.validate(etree.fromstring(body)), (name, validator.error_log)
        assert schema(file_name).is_valid(etree.fromstring(body)), name


DI01 = b"""<GGK:envelopHeenbericht-ggk_Di01 xmlns:GGK="http://www.stufstandaarden.nl/koppelvlak/ggk0210"
    xmlns:StUF="http://www.egem.nl/StUF/StUF0301">
  <GGK:stuurgegevens>
    <StUF:berichtcode>Di01</StUF:berichtcode>
    <StUF:zender><StUF:organisatie>12345678</StUF:organisatie><StUF:applicatie>ZorgDossierPro</StUF:applicatie></StUF:zender>
    <StUF:ontvanger><StUF:organisatie>0363</StUF:organisatie><StUF:applicatie>GGk</StUF:applicatie></StUF:ontvanger>
    <StUF:referentienummer>4bef3459-17a2-44f6-a695-c6a57c7f1e34</StUF:referentienummer>
    <StUF:tijdstipBericht>20260415093012345</StUF:tijdstipBericht>
    <StUF:functie>JW315</StUF:functie>
  </GGK:stuurgegevens>
  <GGK:parameters>
    <GGK:applicatieVersie>0007</GGK:applicatieVersie><GGK:applicatieSubversie>0001</GGK:applicatieSubversie>
    <GGK:functieVersie>0003</GGK:functieVersie><GGK:functieSubversie>0002</GGK:functieSubversie>
    <GGK:bericht><GGK:xmlBestand>PD94bWwgdmVyc2lvbj0iMS4wIiBlbmNvZGluZz0iVVRGLTgiPz4=</GGK:xmlBestand></GGK:bericht>
  </GGK:parameters>
</GGK:envelopHeenbericht-ggk_Di01>"""


@pytest.mark.parametrize(("change", "valid"), [
    (lambda b: b, True),
    (lambda b: b.replace(b"4bef3459-17a2-44f6-a695-c6a57c7f1e34", b"4BEF3459-17A2-44F6-A695-C6A57C7F1E34"), False),
    (lambda b: b.replace(b"<StUF:functie>JW315</StUF:functie>", b""), False),
    # a version-1 UUID, as in the bundle's own Fo01 example
    (lambda b: b.replace(b"4bef3459-17a2-44f6", b"9c0f7b90-5c69-11e5"), False),
    (lambda b: b.replace(b"<StUF:berichtcode>Di01", b"<StUF:berichtcode>Du01"), False),
    (lambda b: b.replace(b"<StUF:organisatie>0363</StUF:organisatie>", b""), False),
    (lambda b: b.replace(b"<GGK:functieVersie>0003", b"<GGK:functieVersie>003"), False),
    (lambda b: b.replace(b"<GGK:xmlBestand>PD94", b'<GGK:xmlBestand bestandsnaam="a.xml">PD94'), False),
    (lambda b: b.replace(b"GGK:xmlBestand>", b"GGK:tekstBestand>"), False),  # no bestandsnaam
    (lambda b: b.replace(b"<GGK:xmlBestand>", b'<GGK:tekstBestand bestandsnaam="lijst.csv">')
                .replace(b"</GGK:xmlBestand>", b"</GGK:tekstBestand>"), True),
    (lambda b: b.replace(b"<GGK:xmlBestand>", b'<GGK:tekstBestand bestandsnaam="lijst 1.csv">')
                .replace(b"</GGK:xmlBestand>", b"</GGK:tekstBestand>"), False),
    # stuurgegevens' children are StUF, not GGK
    (lambda b: b.replace(b"StUF:functie>", b"GGK:functie>"), False),
])
def test_the_di01_schema_refuses_what_the_facts_refuse(change, valid):
    assert lxml_schema(GGK_XSD).validate(etree.fromstring(change(DI01))) is valid
