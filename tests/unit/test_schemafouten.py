"""Schema errors (level 1) in Dutch: one case per common kind, each a real example message with
one thing broken, checked through the same level-1 check the intake runs. Each error keeps
libxml2's English text as `original`."""
from __future__ import annotations

import pytest
from lxml import etree

from gateway.rules.check import check_schema
from gateway.xml.safe import Limits, UnsafeXml, parse
from gateway.xml.schemafouten import SchemaFacts, schema_message, syntax_message
from tests.support import FIXTURES, edit, example, schemas

JW305_NS = "http://www.istandaarden.nl/ijw/3_2/jw305/schema"
BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"


def only_error(body: bytes):
    [error] = check_schema(body, schemas=schemas(), limits=Limits()).schema_errors
    return error


def jw305(old: str, new: str) -> bytes:
    return edit(example("JW305"), old, new)


CASES = {
    "missing element": (
        jw305("<jw305:Geslacht>2</jw305:Geslacht>", ""),
        "SCHEMAV_ELEMENT_CONTENT", 24,
        "Vóór Naam ontbreekt een verplicht element: het schema verwacht hier Geslacht."),
    "missing element at the end": (
        jw305("<jw305:StatusAanlevering>1</jw305:StatusAanlevering>", ""),
        "SCHEMAV_ELEMENT_CONTENT", 33,
        "In StartProduct ontbreekt een verplicht element: StatusAanlevering."),
    "unexpected element": (
        jw305("<jw305:Geslacht>2</jw305:Geslacht>", "<jw305:Geslacht>2</jw305:Geslacht><jw305:Hobby>x</jw305:Hobby>"),
        "SCHEMAV_ELEMENT_CONTENT", 23,
        "Hobby is geen element van dit bericht; hier verwacht het schema Naam."),
    "wrong order": (
        jw305("<jw305:BerichtVersie>3</jw305:BerichtVersie>\n    <jw305:BerichtSubversie>2</jw305:BerichtSubversie>",
              "<jw305:BerichtSubversie>2</jw305:BerichtSubversie>\n    <jw305:BerichtVersie>3</jw305:BerichtVersie>"),
        "SCHEMAV_ELEMENT_CONTENT", 5,
        "BerichtSubversie staat op de verkeerde plaats: eerst komt BerichtVersie."),
    "element twice": (
        jw305("<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>999994323</jw305:Bsn>\n<jw305:Bsn>999994323</jw305:Bsn>"),
        "SCHEMAV_ELEMENT_CONTENT", 20,
        "Bsn komt hier vaker voor dan het schema toestaat."),
    "element twice, apart": (
        jw305("<jw305:Geslacht>2</jw305:Geslacht>", "<jw305:Geslacht>2</jw305:Geslacht>\n<jw305:Bsn>999994323</jw305:Bsn>"),
        "SCHEMAV_ELEMENT_CONTENT", 24,
        "Bsn komt hier vaker voor dan het schema toestaat."),
    "pattern": (
        jw305("<jw305:Bsn>999994323<", "<jw305:Bsn>99999432X<"),
        "SCHEMAV_CVC_PATTERN_VALID", 19,
        "Bsn: de waarde '99999432X' heeft niet de vorm die het schema vraagt (patroon [0-9]{9})."),
    "maximum length": (
        jw305("<ijw:Voornamen>Sem<", "<ijw:Voornamen>" + "S" * 201 + "<"),
        "SCHEMAV_CVC_MAXLENGTH_VALID", 29,
        "Voornamen: de waarde is 201 tekens lang; dat mag hoogstens 200 tekens zijn."),
    "enumeration": (
        jw305("<jw305:Geslacht>2<", "<jw305:Geslacht>7<"),
        "SCHEMAV_CVC_ENUMERATION_VALID", 23,
        "Geslacht: de waarde '7' staat niet in de codelijst; toegestaan zijn 0, 1, 2."),
    "date format": (
        jw305("<ijw:Datum>2018-02-22<", "<ijw:Datum>22-02-2018<"),
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1", 21,
        "Datum: de waarde '22-02-2018' is geen geldige datum; schrijf een datum als JJJJ-MM-DD, "
        "bijvoorbeeld 2026-09-22, zonder tijdzone."),
    "integer format": (
        jw305("<jw305:ToewijzingNummer>100001<", "<jw305:ToewijzingNummer>100.001<"),
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1", 34,
        "ToewijzingNummer: de waarde '100.001' is geen geheel getal; schrijf alleen cijfers, zonder punt, "
        "komma of spaties."),
    "amount as a decimal": (
        edit((FIXTURES / "berichten" / "JW323-declaratie.xml").read_bytes(), "<ijw:Bedrag>156800<", "<ijw:Bedrag>1568,00<"),
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1", 48,
        "Bedrag: de waarde '1568,00' is geen geheel getal; schrijf alleen cijfers, zonder punt, komma of spaties."),
    "number too large": (
        jw305("<jw305:ToewijzingNummer>100001<", "<jw305:ToewijzingNummer>1000000000<"),
        "SCHEMAV_CVC_MAXINCLUSIVE_VALID", 34,
        "ToewijzingNummer: de waarde '1000000000' is groter dan het maximum 999999999."),
    "child in the wrong namespace": (
        jw305("<ijw:Datum>2018-02-22</ijw:Datum>", "<jw305:Datum>2018-02-22</jw305:Datum>"),
        "SCHEMAV_ELEMENT_CONTENT", 21,
        f"Datum staat in de verkeerde namespace ({JW305_NS}); het schema verwacht het in namespace {BASIS_NS}."),
    "text where elements belong": (
        jw305("<jw305:Naam>", "<jw305:Naam>Sem de Wit"),
        "SCHEMAV_CVC_COMPLEX_TYPE_2_3", 24,
        "Naam bevat tekst, maar mag alleen elementen bevatten."),
    "attribute": (
        jw305("<jw305:Geslacht>", '<jw305:Geslacht soort="m">'),
        "SCHEMAV_CVC_TYPE_3_1_1", 23,
        "Geslacht: het attribuut soort is hier niet toegestaan; iJw-berichten hebben geen attributen."),
}


@pytest.mark.parametrize("case", CASES)
def test_each_common_schema_error_is_told_in_dutch_with_the_original_beside_it(case):
    body, kind, line, dutch = CASES[case]
    error = only_error(body)
    assert (error.kind, error.line, error.message) == (kind, line, dutch)
    assert error.original.startswith("Element '{")  # libxml2's English, unchanged
    assert error.as_json() == {"line": line, "path": error.path, "message": dutch, "original": error.original}


def test_minimum_length_and_the_pattern_of_an_empty_name():
    body = jw305("<ijw:Achternaam>Wit<", "<ijw:Achternaam><")
    errors = check_schema(body, schemas=schemas(), limits=Limits()).schema_errors
    assert [e.message for e in errors] == [
        "Achternaam: de waarde is 0 tekens lang; dat moet ten minste 1 teken zijn.",
        "Achternaam: de lege waarde heeft niet de vorm die het schema vraagt (patroon .*[^\\s].*).",
    ]


def test_a_code_of_one_character_that_is_too_long_is_told_in_dutch_that_agrees():
    errors = check_schema(jw305("<jw305:Geslacht>2<", "<jw305:Geslacht>22<"), schemas=schemas(),
                          limits=Limits()).schema_errors
    assert [e.message for e in errors] == [
        "Geslacht: de waarde is 2 tekens lang; dat mag hoogstens 1 teken zijn.",
        "Geslacht: de waarde '22' staat niet in de codelijst; toegestaan zijn 0, 1, 2.",
    ]


def test_a_long_code_list_is_cut_short_and_stays_whole_in_the_original():
    error = only_error(jw305("<ijw:Categorie>45<", "<ijw:Categorie>99<"))
    assert error.message == ("Categorie: de waarde '99' staat niet in de codelijst; toegestaan zijn 31, 32, 33, 34, "
                             "35, 36, 37, 38, 40, 41, 42, 43 en nog 12 andere.")
    assert "'54', '55'}" in error.original


@pytest.mark.parametrize(("namespace", "why"), [
    ("http://www.istandaarden.nl/ijw/3_1/jw305/schema", "BerichtCode 438"),  # an older release
    ("urn:iets-anders", "BerichtCode 438"),
])
def test_an_unknown_namespace_names_the_one_expected_for_that_message(namespace, why):
    body = jw305(f'xmlns:jw305="{JW305_NS}"', f'xmlns:jw305="{namespace}"')
    error = only_error(body)
    assert error.message == (f"onbekend bericht: root-element Bericht in namespace {namespace}; een JW305 ({why}) "
                             f"heeft als namespace {JW305_NS}.")
    assert (error.path, error.original) == ("/", None)  # found by the gateway, not by libxml2


def test_an_unknown_namespace_without_a_berichtcode_is_recognised_by_its_name():
    body = b'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_1/jw307/schema"/>'
    assert only_error(body).message.endswith(
        "een JW307 (de namespace noemt JW307) heeft als namespace http://www.istandaarden.nl/ijw/3_2/jw307/schema.")


def test_a_root_in_no_namespace_lists_the_namespaces_the_gateway_takes_in():
    message = only_error(b"<Bericht/>").message
    assert message.startswith("onbekend bericht: root-element Bericht in geen namespace; de gateway kent de namespaces ")
    assert f"JW305: {JW305_NS}" in message and "AGJ: urn:jeugdhulp-gateway:aanvraag:1.0" in message


@pytest.mark.parametrize(("body", "dutch", "english"), [
    (b"<Bericht><open></Bericht>",
     "de openingstag <open> (regel 1) wordt afgesloten met </Bericht>; elke tag moet worden afgesloten met zijn "
     "eigen naam", "Opening and ending tag mismatch"),
    (b"<Bericht>", "het bericht houdt op voordat <Bericht> (regel 1) is afgesloten; is het afgebroken?",
     "Premature end of data"),
    (b"<a>R&D</a>", "een & in tekst moet als &amp; geschreven worden", "EntityRef"),
    (b"<a/><b/>", "na het root-element staat nog inhoud; een bericht heeft precies één root-element", "Extra content"),
    ("<a>é</a>".encode("latin-1"), "het bericht bevat bytes die niet passen bij de tekenset; stuur UTF-8, of noem "
     "de tekenset in de XML-declaratie", "Invalid bytes"),
])
def test_not_well_formed_xml_is_told_in_dutch_with_the_original_beside_it(body, dutch, english):
    with pytest.raises(UnsafeXml) as refused:
        parse(body)
    assert refused.value.reason == f"geen goedgevormde XML: {dutch}"
    assert refused.value.original.startswith(english)
    assert refused.value.extra["errors"] == [{"line": 1, "path": "/", "message": refused.value.reason,
                                              "original": refused.value.original}]


def test_an_unknown_kind_still_leads_in_dutch_and_keeps_the_original():
    original = "Element '{urn:x}Iets': Something libxml2 may say one day."
    facts = SchemaFacts({}, frozenset())
    assert schema_message("SCHEMAV_SOMETHING_NEW", original, facts=facts) == \
        f"Iets voldoet niet aan het XML-schema: {original}"
    assert schema_message("SCHEMAV_CVC_PATTERN_VALID", "reworded by a newer libxml2", facts=facts) == \
        "Het bericht voldoet niet aan het XML-schema: reworded by a newer libxml2"
    assert syntax_message(-1, "Something odd") == "de XML-parser meldt: Something odd"


def test_missing_children_that_libxml2_does_not_list_are_still_a_dutch_sentence():
    # libxml2 leaves out "Expected is ( ... )" when it cannot list what is missing.
    original = "Element '{urn:x}StartProduct': Missing child element(s)."
    assert schema_message("SCHEMAV_ELEMENT_CONTENT", original, facts=SchemaFacts({}, frozenset())) == \
        "In StartProduct ontbreekt een verplicht element."


# The iJw 3.2 schemas have no decimal, dateTime or digit facets; these kinds are checked against a
# schema of their own, with libxml2's real texts.
_OWN_SCHEMA = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" xmlns:t="urn:t"
    elementFormDefault="qualified">
  <xs:simpleType name="Bedrag"><xs:restriction base="xs:decimal">
    <xs:totalDigits value="5"/><xs:fractionDigits value="2"/></xs:restriction></xs:simpleType>
  <xs:element name="r"><xs:complexType><xs:sequence>
    <xs:element name="a" type="t:Bedrag" maxOccurs="9"/>
    <xs:element name="b" maxOccurs="9"><xs:simpleType><xs:restriction base="xs:string">
      <xs:length value="3"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="d" type="xs:dateTime"/>
  </xs:sequence></xs:complexType></xs:element></xs:schema>"""


def test_decimal_digits_length_and_datetime_kinds():
    doc = etree.fromstring(_OWN_SCHEMA)
    xsd = etree.XMLSchema(doc)
    message = etree.fromstring(b'<r xmlns="urn:t"><a>123456</a><a>1.234</a><a>1,5</a><b>ab</b>'
                               b"<d>2026-09-22</d></r>")
    assert not xsd.validate(message)
    facts = SchemaFacts.of([doc.getroottree()])
    assert [schema_message(e.type_name, e.message, facts=facts) for e in xsd.error_log] == [
        "a: de waarde '123456' heeft meer dan 5 cijfers.",
        "a: de waarde '1.234' heeft meer dan 2 cijfers achter de decimale punt.",
        "a: de waarde '1,5' is geen decimaal getal; schrijf alleen cijfers met hoogstens één punt als "
        "decimaalteken (geen komma), bijvoorbeeld 12.50.",
        "b: de waarde is 2 tekens lang; dat moet precies 3 tekens zijn.",
        "d: de waarde '2026-09-22' is geen geldig tijdstip; schrijf het als JJJJ-MM-DDTUU:MM:SS, bijvoorbeeld "
        "2026-09-22T09:30:00.",
    ]


def test_gateway_validate_prints_the_dutch_text_with_the_original(tmp_path):
    from gateway.settings import Settings
    from gateway.validate_files import validate_file

    bad = tmp_path / "datum.xml"
    bad.write_bytes(jw305("<ijw:Datum>2018-02-22<", "<ijw:Datum>22-02-2018<"))
    report = validate_file(bad, Settings())
    assert report["details"][0] == (
        "regel 21: /jw305:Bericht/jw305:Client/jw305:Geboortedatum/ijw:Datum: Datum: de waarde '22-02-2018' is geen "
        "geldige datum; schrijf een datum als JJJJ-MM-DD, bijvoorbeeld 2026-09-22, zonder tijdzone. (origineel: "
        "Element '{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}Datum': '22-02-2018' is not a valid value "
        "of the atomic type '{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}LDT_Datum'.)")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Bericht>")
    assert validate_file(broken, Settings())["details"][0] == (
        "regel 1: geen goedgevormde XML: het bericht houdt op voordat <Bericht> (regel 1) is afgesloten; is het "
        "afgebroken? (origineel: Premature end of data in tag Bericht line 1, line 1, column 10)")


def test_thousands_of_misplaced_elements_on_one_line_are_told_without_searching_each():
    # A hostile body: every StartProduct on one line, each with its StatusAanlevering too early.
    # Finding each one's siblings would cost the square of their number; the text stays Dutch.
    product = ("<jw305:StartProduct><jw305:ToewijzingNummer>1</jw305:ToewijzingNummer><jw305:Product>"
               "<ijw:Categorie>45</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw305:Product>"
               "<jw305:ToewijzingIngangsdatum>2026-09-15</jw305:ToewijzingIngangsdatum>"
               "<jw305:StatusAanlevering>1</jw305:StatusAanlevering><jw305:Begindatum>2026-09-21</jw305:Begindatum>"
               "</jw305:StartProduct>")
    text = example("JW305").decode()
    start, end = text.index("<jw305:StartProduct>"), text.index("</jw305:StartProducten>")
    body = (text[:start] + product * 2000 + text[end:]).encode()
    errors = check_schema(body, schemas=schemas(), limits=Limits(max_elements=100_000)).schema_errors
    assert len(errors) == 2000
    assert {e.message for e in errors} == {
        "StatusAanlevering wordt hier niet verwacht: het schema verwacht hier Begindatum; ontbreekt dat, "
        "of staat StatusAanlevering op de verkeerde plaats?"}
