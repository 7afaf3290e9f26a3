"""What a unit of work needs from outside the database: the schemas, the reference data and
the limits on untrusted XML, built once per process (API lifespan, Celery worker) and passed
in, with the application's one clock.

The clock is `gateway.clock`, read where the work needs it: a Context has no clock of its
own, so a request, a task and the back office read the same time, and a test moves it for
all of them with `gateway.clock.install`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from gateway import clock
from gateway.reference import ReferenceData
from gateway.settings import Settings
from gateway.xml.safe import Limits
from gateway.xml.schemas import SchemaSet


@dataclass(frozen=True)
class GgkRoute:
    """The gateway's side of the national chain (design.md §8): what its envelopes say about
    it, and how the JW325 for a JW323 received through the chain goes back."""

    applicatie: str = "Jeugdhulpgateway"
    applicatie_versie: str = "0000"  # 4 digits each (Versienr): the gateway's major version
    applicatie_subversie: str = "0001"  # and minor version
    jw325_envelop: str = "du01"  # "du01" | "di01"
    # Where the envelopes go (the adapter's OntvangAsynchroon) and the TLS to it.
    url: str = ""
    client_cert: str | None = None
    client_key: str | None = None
    ca_bundle: str | None = None

    @staticmethod
    def versions(version: str) -> tuple[str, str]:
        """applicatieVersie and applicatieSubversie from a version such as "0.14.2"."""
        major, minor = [*(int(part) for part in version.split(".")[:2] if part.isdigit()), 0, 0][:2]
        return f"{major % 10000:04d}", f"{minor % 10000:04d}"

    @classmethod
    def of(cls, settings: Settings) -> GgkRoute | None:
        if not settings.ggk_enabled:
            return None
        try:
            version = metadata.version("jeugdhulp-gateway")
        except metadata.PackageNotFoundError:  # run from a checkout that was never installed
            version = "0.1.0"
        versie, subversie = cls.versions(version)
        return cls(settings.ggk_applicatie, versie, subversie, settings.ggk_jw325_envelop, settings.ggk_url.strip(),
                   _path(settings.ggk_client_cert), _path(settings.ggk_client_key), _path(settings.ggk_ca_bundle))


def _path(value: Path | None) -> str | None:
    return str(value) if value else None


@dataclass(frozen=True)
class Context:
    schemas: SchemaSet
    reference: ReferenceData
    limits: Limits = field(default_factory=Limits)
    ggk: GgkRoute | None = None  # None: the gateway is not a link in the chain (no GATEWAY_GGK_URL)
    # Whom the parents contact, printed in every beschikking (GATEWAY_CJG_CONTACT); empty: the
    # default sentence naming the gemeente (gateway.domain.aanvraag.beschikkingen).
    cjg_contact: str = ""
    # Started as a sandbox (GATEWAY_SANDBOX, docs/sandbox.md): its providers and municipalities
    # keep to their own pairs (gateway.domain.beheer.sandbox.partner_fout); a real gateway
    # spends no statement on that.
    sandbox: bool = False

    now = staticmethod(clock.now)  # UTC, aware: for stored timestamps
    local_now = staticmethod(clock.local_now)  # Dutch wall-clock time, for what messages say
    today = staticmethod(clock.today)  # the Dutch calendar date
