"""The XSDs in schemas/: they load offline, accept the example messages and reject broken ones.

Fixtures live in tests/fixtures/xsd/{valid,invalid}/, one message per file; an invalid file is
named after what it breaks. A file is validated against the schema of its root element's namespace.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
FIXTURES = REPO / "tests" / "fixtures" / "xsd"
SHARED = Path(__file__).resolve().parents[3] / "shared"
# The shared examples are copied into the repository, so they are checked in every run;
# the trees of the facts are only beside a checkout (as in CI) and compared when there.
SHARED_EXAMPLES = REPO / "tests" / "fixtures" / "berichten"
XSD_TREES = SHARED / "domain" / "xsd-trees.txt"
BASIS_TYPES = SHARED / "domain" / "basis-types.txt"

XS = "http://www.w3.org/2001/XMLSchema"
IJW = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
IJW_MESSAGES = ("301", "302", "305", "306", "307", "308", "315", "316", "317", "318", "319", "320", "323", "325")

# schema file -> (targetNamespace, ijw:bericht in the appinfo; None for the basisschema)
SCHEMA_FILES: dict[str, tuple[str, str | None]] = {
    "basisschema.xsd": (IJW, None),
    **{f"jw{n}.xsd": (f"http://www.istandaarden.nl/ijw/3_2/jw{n}/schema", f"jw{n}") for n in IJW_MESSAGES},
    "agj.xsd": ("urn:jeugdhulp-gateway:aanvraag:1.0", "agj"),
    "agr.xsd": ("urn:jeugdhulp-gateway:aanvraag-retour:1.0", "agr"),
}
MESSAGE_FILES = [name for name in SCHEMA_FILES if name != "basisschema.xsd"]
NAMESPACE_TO_FILE = {ns: name for name, (ns, _) in SCHEMA_FILES.items() if name != "basisschema.xsd"}

APPINFO = {
    "standaard": "ijw",
    "release": "3.2",
    "BerichtXsdVersie": "1.0.0",
    "BerichtXsdMinVersie": "1.0.0",
    "BerichtXsdMaxVersie": "1.0.0",
    "BasisschemaXsdVersie": "1.0.0",
    "BasisschemaXsdMinVersie": "1.0.0",
    "BasisschemaXsdMaxVersie": "1.0.0",
}


def _parser() -> etree.XMLParser:
    # untrusted input: no entities, no DTDs, no network
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@cache
def lxml_schema(file_name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / file_name), _parser()))


@cache
def xmlschema_schema(file_name: str) -> xmlschema.XMLSchema:
    # "sandbox": imports may only resolve to files under schemas/, never to the network
    return xmlschema.XMLSchema(str(SCHEMAS / file_name), allow="sandbox")


def schema_file_for(path: Path) -> str:
    root = etree.parse(str(path), _parser()).getroot()
    namespace = etree.QName(root).namespace
    assert namespace in NAMESPACE_TO_FILE, f"{path.name}: no schema for namespace {namespace!r}"
    return NAMESPACE_TO_FILE[namespace]


def lxml_errors(path: Path) -> list[str]:
    schema = lxml_schema(schema_file_for(path))
    if schema.validate(etree.parse(str(path), _parser())):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def xmlschema_errors(path: Path) -> list[str]:
    schema = xmlschema_schema(schema_file_for(path))
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(str(path))]


def _files(folder: Path) -> list:
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{folder} does not exist"))]
    return [pytest.param(p, id=p.name) for p in sorted(folder.glob("*.xml"))]


# ------------------------------------------------------------------ the schema files themselves


def test_schema_folder_holds_exactly_the_expected_files() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.xsd")) == sorted(SCHEMA_FILES)


@pytest.mark.parametrize("file_name", sorted(SCHEMA_FILES))
def test_schema_loads_with_lxml(file_name: str) -> None:
    lxml_schema(file_name)


@pytest.mark.parametrize("file_name", sorted(SCHEMA_FILES))
def test_schema_loads_with_xmlschema(file_name: str) -> None:
    schema = xmlschema_schema(file_name)
    assert schema.target_namespace == SCHEMA_FILES[file_name][0]


@pytest.mark.parametrize("file_name", MESSAGE_FILES)
def test_message_schema_header(file_name: str) -> None:
    namespace, bericht = SCHEMA_FILES[file_name]
    root = etree.parse(str(SCHEMAS / file_name), _parser()).getroot()
    assert root.get("targetNamespace") == namespace
    assert root.get("elementFormDefault") == "qualified"
    imports = root.findall(f"{{{XS}}}import")
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [(IJW, "basisschema.xsd")]
    appinfo = root.find(f"{{{XS}}}annotation/{{{XS}}}appinfo")
    got = {etree.QName(e).localname: e.text for e in appinfo if etree.QName(e).namespace == IJW}
    assert got == {**APPINFO, "bericht": bericht}
    # the single global element is Bericht of the named type Root
    elements = root.findall(f"{{{XS}}}element")
    assert [(e.get("name"), e.get("type").split(":")[1]) for e in elements] == [("Bericht", "Root")]


def test_basisschema_is_qualified_and_self_contained() -> None:
    root = etree.parse(str(SCHEMAS / "basisschema.xsd"), _parser()).getroot()
    assert root.get("targetNamespace") == IJW
    assert root.get("elementFormDefault") == "qualified"
    assert root.findall(f"{{{XS}}}import") == [] and root.findall(f"{{{XS}}}include") == []
    assert root.findall(f"{{{XS}}}element") == []


# ------------------------------------------------------------------ messages


@pytest.mark.parametrize("path", _files(SHARED_EXAMPLES))
def test_shared_example_is_valid(path: Path) -> None:
    assert lxml_errors(path) == []
    assert xmlschema_errors(path) == []


@pytest.mark.parametrize("path", _files(FIXTURES / "valid"))
def test_valid_fixture_is_valid(path: Path) -> None:
    assert lxml_errors(path) == []
    assert xmlschema_errors(path) == []


@pytest.mark.parametrize("path", _files(FIXTURES / "invalid"))
def test_invalid_fixture_is_rejected(path: Path) -> None:
    prefix = path.name.split("-", 1)[0]
    assert schema_file_for(path) == f"{prefix}.xsd", "the file name starts with its message"
    assert lxml_errors(path), "lxml accepted it"
    assert xmlschema_errors(path), "xmlschema accepted it"


def test_there_are_negative_cases_for_every_message_family() -> None:
    names = {p.name.split("-", 1)[0] for p in (FIXTURES / "invalid").glob("*.xml")}
    assert {"jw301", "jw305", "jw306", "agj", "agr"} <= names


# ------------------------------------------------------------------ the schemas against the facts


def _expand(schema: xmlschema.XMLSchema) -> list[str]:
    """The message tree in the notation of xsd-trees.txt, read back from the loaded schema."""
    lines: list[str] = []

    def type_name(element) -> str:
        xsd_type = element.type
        if xsd_type.name is None:
            assert xsd_type.is_simple(), element.name
            return f"[{xsd_type.base_type.local_name} pattern={xsd_type.patterns.regexps[-1]}]"
        return xsd_type.local_name

    def walk(element, depth: int) -> None:
        prefix = "ijw:" if element.target_namespace == IJW else ""
        most = "n" if element.max_occurs is None else element.max_occurs
        lines.append(f"{'  ' * depth}{prefix}{element.local_name} {element.min_occurs}..{most} : {type_name(element)}")
        if element.type.is_complex():
            for child in element.type.content.iter_elements():
                walk(child, depth + 1)

    walk(schema.elements["Bericht"], 0)
    return lines


def _domain_trees() -> list:
    if not XSD_TREES.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{XSD_TREES} does not exist"))]
    blocks = re.split(r"^# ", XSD_TREES.read_text(encoding="utf-8"), flags=re.M)[1:]
    params = []
    for block in blocks:
        head, *body = block.rstrip("\n").split("\n")
        message = re.match(r"(JW\d+) ", head).group(1)
        params.append(pytest.param(message.lower() + ".xsd", [line for line in body if line.strip()], id=message))
    return params


@pytest.mark.parametrize(("file_name", "expected"), _domain_trees())
def test_message_tree_matches_the_standard(file_name: str, expected: list[str]) -> None:
    assert _expand(xmlschema_schema(file_name)) == expected


def test_basisschema_types_match_the_standard() -> None:
    if not BASIS_TYPES.is_file():
        pytest.skip(f"{BASIS_TYPES} does not exist")
    schema = xmlschema_schema("basisschema.xsd")
    expected_names = set()
    for line in BASIS_TYPES.read_text(encoding="utf-8").splitlines():
        name, rest = (part.strip() for part in line.split(":", 1))
        expected_names.add(name)
        xsd_type = schema.types[name]
        if name.startswith("CDT_"):
            got = ", ".join(
                f"{e.local_name}[{e.min_occurs}..{'n' if e.max_occurs is None else e.max_occurs}]:{e.type.local_name}"
                for e in xsd_type.content.iter_elements()
            )
            assert f"complex ( {got} )" == rest, name
            continue
        expected = dict(facet.split("=", 1) for facet in rest.split("  //", 1)[0].strip().split("; "))
        got = {"base": xsd_type.base_type.local_name}
        if xsd_type.min_length is not None:
            got["minLength"] = str(xsd_type.min_length)
        if xsd_type.max_length is not None:
            got["maxLength"] = str(xsd_type.max_length)
        if xsd_type.patterns:
            got["pattern"] = "".join(xsd_type.patterns.regexps)
        if xsd_type.enumeration:
            got["enum"] = ",".join(xsd_type.enumeration)
        if xsd_type.min_value is not None:
            got["minInclusive"] = str(xsd_type.min_value)
        if xsd_type.max_value is not None:
            got["maxInclusive"] = str(xsd_type.max_value)
        assert got == expected, name
    assert set(schema.types) == expected_names


# ------------------------------------------------------------------ the aanvraagformulier (design.md section 4)


def _children(schema: xmlschema.XMLSchema, type_name: str) -> list[tuple[str, int, int | None]]:
    xsd_type = schema.types[type_name]
    return [(e.local_name, e.min_occurs, e.max_occurs) for e in xsd_type.content.iter_elements()]


def test_agj_client_is_jw301_client_then_the_form_and_jw315_products() -> None:
    agj, jw301, jw315 = (xmlschema_schema(f) for f in ("agj.xsd", "jw301.xsd", "jw315.xsd"))
    jw301_client = _children(jw301, "Client")
    assert jw301_client[-1][0] == "ToegewezenProducten"
    assert _children(agj, "Client") == [*jw301_client[:-1], ("Aanvraagformulier", 1, 1), ("AangevraagdeProducten", 1, 1)]
    for shared in ("Relaties", "Relatie", "Contact", "Contactgegevens"):
        assert _children(agj, shared) == _children(jw301, shared), shared
    assert _children(agj, "AangevraagdProduct") == _children(jw315, "AangevraagdProduct")
    assert _children(agj, "Header") == _children(jw315, "Header")
    assert _children(agj, "Aanvraagformulier") == [
        ("Hulpvraag", 1, 1),
        ("Contextanalyse", 1, 1),
        ("Resultaten", 1, 1),
        ("ToestemmingOuders", 1, 1),
        ("Afstemming", 1, 1),
        ("Leveringsvorm", 1, 1),
    ]
    assert _children(agj, "Resultaten") == [("Resultaat", 1, 10)]
    assert _children(agj, "Afstemming") == [("Datum", 1, 1), ("Overeenstemming", 1, 1), ("Toelichting", 0, 1)]


def test_agr_is_built_from_agj_as_jw316_from_jw315() -> None:
    agj, agr, jw316 = (xmlschema_schema(f) for f in ("agj.xsd", "agr.xsd", "jw316.xsd"))
    retour_codes = ("RetourCodes", 1, 1)
    assert _children(agr, "Root") == [("Header", 1, 1), ("Client", 0, 1)]
    assert _children(agr, "Header") == _children(jw316, "Header")
    assert _children(agr, "Client") == [*_children(agj, "Client"), retour_codes]
    assert _children(agr, "AangevraagdProduct") == [*_children(agj, "AangevraagdProduct"), retour_codes]
    # design.md: only Client and AangevraagdProduct carry RetourCodes
    for same in ("Relaties", "Relatie", "Contact", "Contactgegevens", "Aanvraagformulier", "Afstemming"):
        assert _children(agr, same) == _children(agj, same), same
