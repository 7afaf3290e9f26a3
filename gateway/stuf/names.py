"""The names of the StUF-GGk koppelvlak ggk0210: namespaces, root elements, soapActions, the
schema folder (shared/domain/ggk-koppelvlak.md §2, §3.1)."""
from __future__ import annotations

import re
from pathlib import Path

GGK_NS = "http://www.stufstandaarden.nl/koppelvlak/ggk0210"
STUF_NS = "http://www.egem.nl/StUF/StUF0301"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"

# The operations of port type OntvangAsynchroon, by berichtcode, with their exact soapAction.
SOAP_ACTIONS: dict[str, str] = {
    "Di01": f"{GGK_NS}/ggk_Di01",
    "Du01": f"{GGK_NS}/ggk_Du01",
    "Fo01": f"{STUF_NS}/Fo01",
}

# berichtcode -> the root element (Clark notation) of that message.
ROOTS: dict[str, str] = {
    "Di01": f"{{{GGK_NS}}}envelopHeenbericht-ggk_Di01",
    "Du01": f"{{{GGK_NS}}}envelopRetourbericht-ggk_Du01",
    "Fo01": f"{{{STUF_NS}}}Fo01Bericht",
    "Fo03": f"{{{STUF_NS}}}Fo03Bericht",
    "Bv03": f"{{{STUF_NS}}}Bv03Bericht",
}
BERICHTCODES: dict[str, str] = {tag: code for code, tag in ROOTS.items()}

# The prefixes the messages we build carry, as in the facts' examples.
NSMAP_GGK = {"GGK": GGK_NS, "StUF": STUF_NS}
NSMAP_STUF = {"StUF": STUF_NS}

# UUID-refnummer (§3.2): lower case only, version 4, variant 8/9/a/b.
UUID_REFNUMMER = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# Our XSDs and WSDLs (written from the facts); beside gateway/, like the iJw XSDs in schemas/.
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "ggk"
GGK_XSD = "ggk0210_msg_ggkberichten.xsd"
STUF_XSD = "stuf0301.xsd"
GGK_STUF_XSD = "ggk0210_stuf0301_msg_ggkberichten.xsd"
WSDL = "ggk0210_OntvangAsynchroon_ggkberichten.wsdl"
TYPES_WSDL = "stuf0301_types.wsdl"
