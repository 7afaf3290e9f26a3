"""The StUF-GGk envelope layer (koppelvlak ggk0210 on StUF 03.01, SOAP 1.1), pure: the messages
as values, built and read, checked against our own XSDs (schemas/ggk/), wrapped in SOAP, and
the WSDL the endpoint serves. No database, no web framework: the endpoint, the storage and the
delivery use this. Facts: shared/domain/ggk-koppelvlak.md; what the gateway does: design §8."""
from __future__ import annotations

from gateway.stuf.envelope import (
    Envelop,
    Fout,
    Ontvangen,
    Stuurgegevens,
    Systeem,
    Versies,
    build,
    build_bv03,
    fo01_details,
    is_referentienummer,
    moment,
    new_referentienummer,
    read_envelop,
    read_fout,
    read_stuurgegevens,
    tijdstip,
)
from gateway.stuf.errors import EnvelopFout
from gateway.stuf.names import GGK_NS, SOAP_ACTIONS, SOAP_NS, STUF_NS
from gateway.stuf.schemas import validate
from gateway.stuf.soap import MAX_BYTES, parse_request, parse_response, soap_fault, soap_request
from gateway.stuf.wsdl import SCHEMA_FILES, schema_file, wsdl

__all__ = [
    "GGK_NS", "MAX_BYTES", "SCHEMA_FILES", "SOAP_ACTIONS", "SOAP_NS", "STUF_NS",
    "Envelop", "EnvelopFout", "Fout", "Ontvangen", "Stuurgegevens", "Systeem", "Versies",
    "build", "build_bv03", "fo01_details", "is_referentienummer", "moment", "new_referentienummer",
    "parse_request", "parse_response", "read_envelop", "read_fout", "read_stuurgegevens",
    "schema_file", "soap_fault", "soap_request", "tijdstip", "validate", "wsdl",
]
