"""Untrusted XML never makes the parser open a file or a connection, in any encoding
(a regression hangs on /dev/ptmx or a FIFO: the cases run in a child process with a deadline)."""
from __future__ import annotations

import os
from collections import defaultdict

import pytest

from tests.hostile_xml import ENCODINGS, REFERENCES, VECTORS, run_child, targets, watched_port

REFUSED = "DOCTYPE en entiteiten zijn niet toegestaan"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    fifo = tmp_path_factory.mktemp("fifo") / "dtd"
    os.mkfifo(fifo)
    with watched_port() as (port, accepted):
        results = run_child("parse", {"targets": targets(fifo, port)}, timeout=30)
    by_case = {r["case"]: r for r in results}
    assert len(by_case) == 2 * len(ENCODINGS) * len(VECTORS) * 6 + (len(REFERENCES) + len(VECTORS)) * 6
    return by_case, accepted


def _groups(by_case: dict, prefix: str) -> dict[str, list[dict]]:
    """Results of `prefix` cases grouped by everything but the target."""
    groups = defaultdict(list)
    for case, result in by_case.items():
        if case.startswith(prefix + "/"):
            groups[case.rsplit("/", 1)[0]].append(result)
    return groups


def test_every_case_is_answered_within_a_second(outcome):
    by_case, _ = outcome
    slow = {case: r["seconds"] for case, r in by_case.items() if r["seconds"] >= 1}
    assert not slow


def test_no_case_connects_to_the_http_url(outcome):
    _, accepted = outcome
    assert accepted == []


def test_a_doctype_is_refused_in_every_encoding_with_one_answer_for_every_path(outcome):
    by_case, _ = outcome
    groups = _groups(by_case, "parse")
    assert len(groups) == len(ENCODINGS) * len(VECTORS)
    for group, results in groups.items():
        answers = {(r["reason"], r["line"]) for r in results}
        # The byte scan finds it on line 2; UTF-7 hides it from any scan, the parsed document
        # shows it (no line).
        assert answers == {(REFUSED, None if group.startswith("parse/utf-7/") else 2)}, group


def test_the_parser_alone_opens_nothing(outcome):
    """Without the byte scan in front, libxml2 itself sees every DOCTYPE: it must load none
    of them, and the parsed document's DOCTYPE is refused."""
    by_case, _ = outcome
    groups = _groups(by_case, "parser-only")
    assert len(groups) == len(ENCODINGS) * len(VECTORS)
    for group, results in groups.items():
        assert {(r["reason"], r["line"]) for r in results} == {(REFUSED, None)}, group


def test_the_resolver_refuses_even_a_parser_told_to_load_dtds(outcome):
    by_case, _ = outcome
    for group, results in _groups(by_case, "resolver").items():
        assert {r["reason"] for r in results} == {REFUSED}, group


def test_references_without_a_doctype_are_never_followed(outcome):
    """xsi:schemaLocation and XInclude name a resource without a DTD: the XSD step follows
    neither, and the answer does not depend on the path."""
    by_case, _ = outcome
    groups = _groups(by_case, "check")
    assert all(r["reason"] is None and r["errors"] == [] for r in groups["check/schema-location"])
    xinclude = [(r["reason"], tuple(r["errors"])) for r in groups["check/xinclude"]]
    assert len(set(xinclude)) == 1 and xinclude[0][1], xinclude  # a schema error, the same for all
