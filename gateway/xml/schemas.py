"""The XSDs in schemas/, loaded once per process and looked up by namespace.

Loading never touches the network: imports resolve to files beside each schema.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from gateway.messages import BASIS_NS, MESSAGE_TYPES, MessageType
from gateway.xml.schemafouten import CONTENT_KIND, ElementIndex, SchemaFacts, element_of, schema_message

BASIS_FILE = "basisschema.xsd"  # imported by every iJw schema, beside it


@dataclass(frozen=True)
class SchemaError:
    line: int | None
    path: str
    message: str  # in Dutch (gateway.xml.schemafouten)
    # libxml2's name for the error (SCHEMAV_CVC_PATTERN_VALID, ...): what is wrong without
    # the value that `message` may quote, for logs that must carry no personal data.
    kind: str = ""
    # libxml2's own English text, kept beside the Dutch; None for what the gateway found itself.
    original: str | None = None

    def as_json(self) -> dict[str, object]:
        """One member of a schema rejection's `errors` (design.md §7), plus `original`."""
        return {"line": self.line, "path": self.path, "message": self.message, "original": self.original}


@dataclass
class LoadedSchema:
    message: MessageType
    xsd: etree.XMLSchema
    basis_version: str
    message_version: str
    facts: SchemaFacts

    def errors(self, tree: etree._ElementTree) -> list[SchemaError]:
        if self.xsd.validate(tree):
            return []
        elements = ElementIndex(tree)
        return [self._error(elements, e) for e in self.xsd.error_log]

    def _error(self, elements: ElementIndex, entry: etree._LogEntry) -> SchemaError:
        path, line, clark = entry.path or "", entry.line or None, element_of(entry.message)
        # Only an element content error is told apart by the element's siblings.
        element = elements.find(line, clark, path) if entry.type_name == CONTENT_KIND and clark else None
        message = schema_message(entry.type_name, entry.message, facts=self.facts, element=element)
        return SchemaError(line, path, message, entry.type_name, entry.message)

    def is_valid(self, tree: etree._ElementTree) -> bool:
        return self.xsd.validate(tree)


class SchemaSet:
    def __init__(self, directory: Path):
        self.directory = directory
        self._by_ns: dict[str, LoadedSchema] = {}
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        docs = {message: etree.parse(str(directory / message.schema_file), parser) for message in MESSAGE_TYPES}
        # The types and elements of every schema, the basisschema's among them: they are
        # namespace-qualified, so one set serves all messages.
        facts = SchemaFacts.of([etree.parse(str(directory / BASIS_FILE), parser), *docs.values()])
        for message, doc in docs.items():
            self._by_ns[message.namespace] = LoadedSchema(
                message=message,
                xsd=etree.XMLSchema(doc),
                basis_version=_appinfo(doc, "BasisschemaXsdVersie"),
                message_version=_appinfo(doc, "BerichtXsdVersie"),
                facts=facts,
            )

    def for_namespace(self, namespace: str | None) -> LoadedSchema | None:
        return self._by_ns.get(namespace or "")

    def for_type(self, message: MessageType) -> LoadedSchema:
        """The schema of a message type the gateway knows: every one is loaded above."""
        return self._by_ns[message.namespace]

    def for_message(self, name: str) -> LoadedSchema:
        for schema in self._by_ns.values():
            if schema.message.name == name:
                return schema
        raise KeyError(name)


def _appinfo(doc: etree._ElementTree, field: str) -> str:
    found = doc.getroot().find(
        f"{{http://www.w3.org/2001/XMLSchema}}annotation/{{http://www.w3.org/2001/XMLSchema}}appinfo/{{{BASIS_NS}}}{field}"
    )
    return found.text.strip() if found is not None and found.text else "1.0.0"


@lru_cache(maxsize=4)
def load_schemas(directory: Path) -> SchemaSet:
    return SchemaSet(directory)
