"""One error family: every exception class of the gateway derives from GatewayError, so each
edge answers it with one handler."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import gateway
import tasks
from gateway import problems
from gateway.domain.aanvraag.besluiten import BesluitFout
from gateway.domain.berichten.uitgaand import UitgaandOngeldig
from gateway.errors import GatewayError, NotFound
from gateway.intake.parties import AlIngetrokken, OnbekendToken
from gateway.problems import Problem
from gateway.xml.safe import UnsafeXml


def _modules():
    for package in (gateway, tasks):
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def _exception_classes():
    for module in _modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                yield cls


def test_every_exception_class_of_the_gateway_derives_from_gateway_error():
    found = set(_exception_classes())
    assert GatewayError in found and UitgaandOngeldig in found  # the walk reaches the domain
    outside = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in found if not issubclass(cls, GatewayError))
    assert outside == [], "exception classes outside the family (derive them from gateway.errors.GatewayError)"


def test_an_error_carries_what_the_edges_answer_with():
    refusal = BesluitFout(409, "al-besloten", "over aanvraag 5 is al besloten (toegekend)")
    assert (refusal.status, refusal.slug, refusal.title, refusal.detail) == (
        409, "al-besloten", "Conflict", "over aanvraag 5 is al besloten (toegekend)")
    assert (OnbekendToken(7).status, OnbekendToken(7).slug) == (404, "not-found")
    assert isinstance(OnbekendToken(7), NotFound) and AlIngetrokken(7).status == 409
    assert str(NotFound("geen aanvraag bij bericht 3")) == "geen aanvraag bij bericht 3"


def test_problem_json_renders_any_error_of_the_family():
    unsafe = UnsafeXml("geen goedgevormde XML: iets", line=3)
    assert problems.to_dict(unsafe) == {
        "type": "urn:jeugdhulp-gateway:problem:not-well-formed", "title": "Bericht is geen bruikbare XML",
        "status": 400, "detail": "geen goedgevormde XML: iets",
        "errors": [{"line": 3, "path": "/", "message": "geen goedgevormde XML: iets",
                    "original": None}]}
    problem = Problem(413, "too-large", "Bericht te groot", "berichten zijn hoogstens 10 bytes")
    assert problems.body(problem).decode() == (
        '{"type": "urn:jeugdhulp-gateway:problem:too-large", "title": "Bericht te groot", "status": 413, '
        '"detail": "berichten zijn hoogstens 10 bytes"}')
