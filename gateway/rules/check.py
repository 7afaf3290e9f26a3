"""Checking one message, levels 1 to 4, without storing anything.

Shared by the HTTP intake, `POST /api/v1/validatie`, `gateway validate` and the self-check of
every message the gateway sends (`gateway.domain.berichten.uitgaand.self_check`, which judges the tree
it built with `check_tree_schema` and `check_rules`, no parse), so the schema and the rules
give the same verdict everywhere. (The intake adds what only it can know: the caller, the
municipalities served, the message log; `gateway validate` also checks the messages a
municipality sends, such as a JW301, which the intake does not take in.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

import gateway.rules  # noqa: F401  (registers the rules)
from gateway.messages import BY_NAME, RECEIVABLE, MessageType, by_namespace
from gateway.reference import ReferenceData
from gateway.rules.engine import Outcome, RuleContext, StateReader, evaluate
from gateway.xml.safe import Limits, check_depth_of, parse
from gateway.xml.schemafouten import unknown_root_message
from gateway.xml.schemas import SchemaError, SchemaSet
from gateway.xml.view import ParsedMessage


@dataclass
class CheckResult:
    message: MessageType | None
    parsed: ParsedMessage | None
    schema_errors: list[SchemaError] = field(default_factory=list)
    outcome: Outcome | None = None
    # The message as far as it could be read, also when the schema rejects it: enough to
    # store its key fields and to check the Afzender.
    view: ParsedMessage | None = None

    @property
    def level(self) -> int:
        """0 when accepted, 1 for the XSD, else the level of the failing rules."""
        if self.schema_errors or self.parsed is None:
            return 1
        return self.outcome.level if self.outcome else 0

    @property
    def accepted(self) -> bool:
        return self.level == 0

    @property
    def retourcodes(self) -> list[str]:
        return self.outcome.retourcodes if self.outcome else []

    @property
    def rule_codes(self) -> list[str]:
        if self.schema_errors:
            return ["XSD"]
        return [] if self.outcome is None else list(dict.fromkeys(f.code for f in self.outcome.findings))


# What an unknown namespace is compared with: the messages a provider sends (BerichtCode, namespace).
_RECEIVABLE_NAMESPACES = {name: (BY_NAME[name].berichtcode, BY_NAME[name].namespace) for name in RECEIVABLE}


def identify(tree: etree._ElementTree) -> MessageType | None:
    root = tree.getroot()
    if not isinstance(root.tag, str) or not root.tag.startswith("{"):
        return None
    namespace = root.tag[1:].split("}", 1)[0]
    return by_namespace(namespace)


def check_schema(body: bytes, *, schemas: SchemaSet, limits: Limits) -> CheckResult:
    """Level 1: safe parse (raises UnsafeXml), message type by namespace, XSD."""
    tree = parse(body, limits, check_depth=False)
    result = check_tree_schema(tree, schemas)
    if result.parsed is None:
        check_depth_of(tree.getroot(), limits)  # a valid message is as shallow as its schema
    return result


def check_tree_schema(tree: etree._ElementTree, schemas: SchemaSet) -> CheckResult:
    """Level 1 of a tree: the message type by namespace, the XSD."""
    message = identify(tree)
    if message is None:
        root = tree.getroot()
        return CheckResult(None, None, [SchemaError(root.sourceline, "/",
                                                    unknown_root_message(root, _RECEIVABLE_NAMESPACES))])
    errors = schemas.for_type(message).errors(tree)
    view = ParsedMessage(tree, message)
    return CheckResult(message, None if errors else view, errors, view=view)


def check_rules(result: CheckResult, *, reference: ReferenceData, today: date,
                state: StateReader | None = None, max_level: int = 4) -> CheckResult:
    if result.parsed is not None:
        ctx = RuleContext(result.parsed, today, reference, state)
        result.outcome = evaluate(ctx, max_level=max_level)
    return result


def check_message(body: bytes, *, schemas: SchemaSet, reference: ReferenceData, today: date,
                  limits: Limits = Limits(), state: StateReader | None = None,
                  max_level: int = 4) -> CheckResult:
    result = check_schema(body, schemas=schemas, limits=limits)
    return check_rules(result, reference=reference, today=today, state=state, max_level=max_level)
