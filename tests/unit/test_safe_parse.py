"""Hostile bodies are refused with UnsafeXml (an HTTP 400), never a crash or a hang."""
from __future__ import annotations

import time

import pytest

from gateway.xml.safe import Limits, UnsafeXml, parse
from tests.support import example


def test_example_parses():
    assert parse(example("JW305")).getroot() is not None


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    b'<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://127.0.0.1:1/evil.dtd"><a/>',
    b'<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>',
    b'<!doctype a><a/>',
], ids=["internal-entity", "external-dtd", "xxe", "lowercase-doctype"])
def test_doctype_and_entities_are_refused(body):
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse(body)


def test_billion_laughs_is_refused_quickly():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = f'<!DOCTYPE a [<!ENTITY l0 "lol">{entities}]><a>&l9;</a>'.encode()
    started = time.perf_counter()
    with pytest.raises(UnsafeXml):
        parse(body)
    assert time.perf_counter() - started < 1


def test_utf16_body_with_doctype_is_still_refused():
    body = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'.encode("utf-16")
    with pytest.raises(UnsafeXml):
        parse(body)


def test_not_well_formed_reports_the_line():
    with pytest.raises(UnsafeXml) as caught:
        parse(b"<a>\n<b>\n</a>")
    assert caught.value.line == 3


def test_size_is_checked_before_parsing():
    with pytest.raises(UnsafeXml, match="groter"):
        parse(b"<a/>" + b" " * 100, Limits(max_bytes=50))


def test_depth_limit():
    deep = b"<a>" * 40 + b"</a>" * 40
    with pytest.raises(UnsafeXml, match="genest"):
        parse(deep, Limits(max_depth=32))
    assert parse(b"<a>" * 30 + b"</a>" * 30, Limits(max_depth=32)) is not None


def test_element_count_limit():
    wide = b"<a>" + b"<b/>" * 200 + b"</a>"
    with pytest.raises(UnsafeXml, match="elementen"):
        parse(wide, Limits(max_elements=100))


def test_one_mebibyte_of_small_elements_is_bounded():
    body = b"<a>" + b"<b/>" * 262_000 + b"</a>"
    started = time.perf_counter()
    with pytest.raises(UnsafeXml, match="elementen"):
        parse(body, Limits(max_bytes=1024 * 1024 + 16))
    assert time.perf_counter() - started < 2


def test_deep_message_is_refused_by_the_check_also_when_the_schema_runs_first():
    from gateway.rules.check import check_schema
    from tests.support import schemas

    deep = (b'<jw305:Bericht xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/jw305/schema">'
            + b"<a>" * 40 + b"</a>" * 40 + b"</jw305:Bericht>")
    with pytest.raises(UnsafeXml, match="genest"):
        check_schema(deep, schemas=schemas(), limits=Limits(max_depth=32))
    unknown = b"<x>" * 40 + b"</x>" * 40
    with pytest.raises(UnsafeXml, match="genest"):
        check_schema(unknown, schemas=schemas(), limits=Limits(max_depth=32))


def test_every_valid_fixture_is_far_below_the_depth_limit():
    """Why check_schema may skip the depth check of schema-valid messages."""
    from tests.support import FIXTURES

    for path in list((FIXTURES / "berichten").glob("*.xml")) + list((FIXTURES / "xsd/valid").glob("*.xml")):
        root = parse(path.read_bytes()).getroot()
        assert max(len(list(e.iterancestors())) for e in root.iter()) + 1 < Limits().max_depth // 2, path
