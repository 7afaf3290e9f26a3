"""The rule engine: a registry of rule functions per message and level, and their evaluation.

A rule is a small function named by its rule code. It receives a `RuleContext` and yields
the elements where the message breaks it (the failing location). The registry knows the
rest: its level, its retourcode and the messages it applies to.

Levels follow iJw (IV028/IV032): 1 is the XSD (not a rule here), 2 the in-message rules
(retourcode 0001), 3 cross-message rules that read the message log, 4 rules against
external data (system date, CBS municipality list, product catalogue).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from lxml import etree

from gateway.messages import BASIS_NS
from gateway.model.leveringen import Leveringen
from gateway.model.stand import ToewijzingStand
from gateway.reference import ReferenceData
from gateway.rules import xpath_values
from gateway.xml.view import ParsedMessage


class StateReader(Protocol):
    """What level-3 rules may read from the message log (never write)."""

    def identificatie_used(self, message: str, afzender: str, identificatie: str) -> bool: ...

    def referentie_used(self, aanbieder: str, referentie: str) -> bool: ...

    def open_request(self, aanbieder: str, gemeente: str, bsn: str) -> bool: ...

    def toewijzingen(self, gemeente: str, aanbieder: str, bsn: str) -> list[ToewijzingStand]:
        """Every assignment of this client at this provider, current version, deleted ones
        (RedenWijziging 13) left out."""
        ...

    def leveringen(self, gemeente: str, aanbieder: str, bsn: str) -> Leveringen:
        """The client's current starts and stops at this provider."""
        ...

    # JW323 only (gateway.domain.financien.declaraties.DeclaratieLog); the JW323 rules judge nothing
    # when the reader lacks it:
    # def declaratie_stand(self, msg: ParsedMessage) -> DeclaratieStand: the toewijzingen the
    #     declaration names, its clients known at this provider, the provider's approved
    #     prestaties on them, and whether the DeclaratieNummer was used before.


@dataclass
class RuleContext:
    msg: ParsedMessage
    today: date
    reference: ReferenceData
    state: StateReader | None = None
    # Work several rules share within one check (e.g. one run through the delivery model).
    # Each key has one accessor function, which reads it back with its type.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def log(self) -> StateReader:
        """The message log, for the rules registered with `needs_state`: the engine runs
        those only when the context has one."""
        if self.state is None:
            raise LookupError("a rule that reads the message log ran without one")
        return self.state

    @property
    def guard_variables(self) -> dict[str, float]:
        """`$today` and the Header's Dagtekening as numbers YYYYMMDD (XPath 1.0 has no dates):
        `$dagtekening` read whole (white space around it ignored, as `number()` does) and
        `$dagtekening_bound` cut to its first 10 characters, as the official XSLT reads it
        where the Dagtekening is an upper bound (TR134, TR002): leading white space there
        shortens the number, so guards of such rules must use the cut reading."""
        if "guard_variables" not in self.memo:  # the same for every level of one check
            text = self.dagtekening_text
            whole = xpath_values.date_number(text)
            self.memo["guard_variables"] = {
                "today": _number(self.today), "dagtekening": 0 if math.isnan(whole) else whole,
                "dagtekening_bound": xpath_values.upper_bound(text)}
        variables: dict[str, float] = self.memo["guard_variables"]
        return variables

    @property
    def dagtekening_text(self) -> str | None:
        """The Header's Dagtekening as written, white space included (for a retour: the heen
        message's, echoed): the raw text the XSLT's date readings start from."""
        # Rules only see schema-valid messages, where the Header's children stand in the
        # schema's order: Dagtekening is the second child of the sixth (BerichtIdentificatie).
        # A comment or processing instruction in the Header shifts those positions; then
        # look the element up by name.
        element: etree._Element | None
        try:
            element = self.msg.root[0][5][1]
        except IndexError:
            element = None
        if element is None or element.tag != _DAGTEKENING_TAG:
            return self.msg.text("m:Header/m:BerichtIdentificatie/b:Dagtekening")
        return element.text


_DAGTEKENING_TAG = f"{{{BASIS_NS}}}Dagtekening"


def _number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


RuleFunc = Callable[[RuleContext], Iterable[etree._Element]]
# What a rule function returns: a generator of the elements where the message breaks it.
Failures = Iterator[etree._Element]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    level: int
    retourcode: str
    messages: frozenset[str]
    func: RuleFunc
    needs_state: bool
    guard: str | Mapping[str, str] | None = None
    # Another function for some messages (`extend`): the same rule on another structure.
    variants: Mapping[str, RuleFunc] | None = None

    def func_for(self, message: str) -> RuleFunc:
        return self.variants.get(message, self.func) if self.variants else self.func

    def guard_for(self, message: str) -> str | None:
        return self.guard.get(message) if isinstance(self.guard, Mapping) else self.guard


@dataclass(frozen=True)
class Finding:
    code: str
    retourcode: str
    level: int
    location: str
    element: etree._Element | None = field(default=None, compare=False, repr=False)

    @property
    def in_header(self) -> bool:
        return self.location.startswith("/Bericht/Header")


@dataclass
class Outcome:
    findings: list[Finding]

    @property
    def accepted(self) -> bool:
        return not self.findings

    @property
    def level(self) -> int:
        return min((f.level for f in self.findings), default=0)

    @property
    def header_failed(self) -> bool:
        return any(f.in_header for f in self.findings)

    @property
    def retourcodes(self) -> list[str]:
        """The codes the retour carries: a failure in the Header rejects the message before
        its client is assessed (facts D.1), so then only the Header's codes count; the rule
        report still lists every finding."""
        findings = self.findings
        if self.level > 2 and self.header_failed:
            findings = [f for f in findings if f.in_header]
        codes: list[str] = []
        for f in findings:
            if f.retourcode not in codes:
                codes.append(f.retourcode)
        return codes


REGISTRY: dict[str, RuleSpec] = {}


def rule(code: str, *, level: int, messages: Iterable[str], retourcode: str | None = None,
         needs_state: bool = False,
         guard: str | Mapping[str, str] | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under its code. Level-2 rules answer 0001.

    `guard` is an optional XPath 1.0 expression (prefixes `m:` and `b:`; variables `$today`,
    `$dagtekening` and `$dagtekening_bound` as numbers YYYYMMDD, see
    `RuleContext.guard_variables`), or one per message, that is true whenever the rule *might*
    fail. Guards of plain paths from the root element are cheapest. It runs inside
    libxml2 without creating Python objects, so on the common, valid message the rule
    costs a microsecond; the function itself decides. A guard must never be false where
    the rule fails: when in doubt, leave it out.
    """
    if level == 2 and retourcode is None:
        retourcode = "0001"
    if retourcode is None:
        raise ValueError(f"{code}: a level-{level} rule needs its own retourcode")

    def register(func: RuleFunc) -> RuleFunc:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = RuleSpec(code, level, retourcode, frozenset(messages), func, needs_state,
                                  guard)
        return func

    return register


def extend(code: str, messages: Iterable[str], func: RuleFunc | None = None) -> None:
    """Apply an already registered rule to more messages, with `func` for those messages
    when the rule's own function cannot read them (another structure). Used by the JW323
    rules for the Header rules every heen-bericht has (TR056, TR135, TR378) and for rules
    whose JW323 form reads the declaration's clients and prestaties (CS002, TR101, TR304,
    TR381). Call at import time, before any check (the plans are cached)."""
    spec = REGISTRY[code]
    extra = frozenset(messages)
    variants = dict(spec.variants or {})
    if func is not None:
        variants.update(dict.fromkeys(extra, func))
    guard = spec.guard
    if isinstance(guard, str) and func is not None:
        guard = dict.fromkeys(spec.messages, guard)  # the new forms run unguarded
    # `needs_state` stays the rule's own: a widened form that reads the log yields nothing
    # when the context has none.
    REGISTRY[code] = RuleSpec(code, spec.level, spec.retourcode, spec.messages | extra, spec.func,
                              spec.needs_state, guard, variants or None)


@lru_cache(maxsize=256)
def rules_for(message: str, level: int) -> tuple[RuleSpec, ...]:
    # Cached: the registry is complete once gateway.rules is imported, before any check.
    return tuple(r for r in REGISTRY.values() if r.level == level and message in r.messages)


@lru_cache(maxsize=512)
def _compiled_guard(expression: str, namespace: str) -> etree.XPath:
    return etree.XPath(expression, namespaces={"m": namespace, "b": BASIS_NS})


@dataclass(frozen=True)
class _Plan:
    """The rules of one message and level, split once by whether they have a guard."""

    guarded: tuple[tuple[RuleSpec, str], ...]
    unguarded: tuple[RuleSpec, ...]
    combined: str | None  # all guards joined with `or`


@lru_cache(maxsize=256)
def _plan(message: str, level: int) -> _Plan:
    guarded: list[tuple[RuleSpec, str]] = []
    unguarded: list[RuleSpec] = []
    for spec in rules_for(message, level):
        expression = spec.guard_for(message)
        if expression:
            guarded.append((spec, expression))
        else:
            unguarded.append(spec)
    combined = " or ".join(f"({e})" for _, e in guarded) or None
    return _Plan(tuple(guarded), tuple(unguarded), combined)


def run_rule(spec: RuleSpec, ctx: RuleContext, guard: str | None = None,
             variables: dict[str, float] | None = None) -> list[Finding]:
    if guard is not None:
        variables = variables or ctx.guard_variables
        if not _compiled_guard(guard, ctx.msg.type.namespace)(ctx.msg.root, **variables):
            return []
    return [
        Finding(spec.code, spec.retourcode, spec.level, ctx.msg.location(el), el)
        for el in spec.func_for(ctx.msg.type.name)(ctx)
    ]


def run_level(ctx: RuleContext, level: int) -> list[Finding]:
    plan = _plan(ctx.msg.type.name, level)
    findings: list[Finding] = []
    for spec in plan.unguarded:
        if not (spec.needs_state and ctx.state is None):
            findings.extend(run_rule(spec, ctx))
    # One libxml2 call clears every guarded rule of a valid message at once; only when it
    # says something might fail does each guarded rule run (behind its own guard).
    if plan.combined is None:
        return findings
    variables = ctx.guard_variables
    if _compiled_guard(plan.combined, ctx.msg.type.namespace)(ctx.msg.root, **variables):
        for spec, guard in plan.guarded:
            if not (spec.needs_state and ctx.state is None):
                findings.extend(run_rule(spec, ctx, guard, variables))
    return findings


def evaluate(ctx: RuleContext, *, max_level: int = 4) -> Outcome:
    """Level 2 first: any failure there rejects the message as a whole (0001) and later
    levels are not assessed. Levels 3 and 4 are then run together, so the retour names
    every cross-message and external problem at once. Rules that need the message log
    are skipped when the context has none (offline validation)."""
    findings = run_level(ctx, 2)
    if findings or max_level < 3:
        return Outcome(findings)
    for level in range(3, max_level + 1):
        findings.extend(run_level(ctx, level))
    return Outcome(findings)
