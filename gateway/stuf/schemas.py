"""Our StUF-GGk XSDs (schemas/ggk/), loaded once per process, never from the network."""
from __future__ import annotations

from functools import lru_cache

from lxml import etree

from gateway.stuf.names import BERICHTCODES, GGK_XSD, SCHEMA_DIR, STUF_XSD


@lru_cache(maxsize=4)
def schema(file_name: str) -> etree.XMLSchema:
    """One of our XSDs; its imports and includes are files beside it."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / file_name), parser))


def schema_for(code: str) -> etree.XMLSchema:
    """Di01/Du01 against the envelope schema, the StUF messages against stuf0301.xsd."""
    return schema(GGK_XSD if code in ("Di01", "Du01") else STUF_XSD)


def validate(element: etree._Element) -> list[str]:
    """What is wrong with `element` (a Di01, Du01, Fo01, Fo03 or Bv03, by its root's name)
    against our XSDs; [] when it is valid. The self-check of everything the gateway sends."""
    code = BERICHTCODES.get(element.tag) if isinstance(element.tag, str) else None
    if code is None:
        return [f"geen StUF-GGk-bericht: {element.tag!r}"]
    xsd = schema_for(code)
    if xsd.validate(element):
        return []
    return [f"regel {e.line}: {e.message}" for e in xsd.error_log]
