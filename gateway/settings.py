"""Settings from GATEWAY_* environment variables, built once by `get_settings()`.

Nothing reads the environment at import time: the app factory, the CLI and the Celery
factory call `get_settings()` and pass the result on, so tests can build their own.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///gateway.db",
        description="SQLAlchemy URL; default is a SQLite file in the working directory.",
    )
    broker_url: str = Field(
        default="",
        description="Celery broker; empty means the embedded broker (no server needed).",
    )
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest message accepted (bytes).")
    max_xml_depth: int = Field(default=32, description="Deepest element nesting accepted.")
    max_xml_elements: int = Field(default=50_000, description="Most elements in one message.")
    sweep_interval_seconds: float = Field(
        default=15.0, description="How often the periodic sweep re-sends unprocessed work.")
    sweep_min_age_seconds: float = Field(
        default=30.0, description="Work younger than this is left to its own wake-up call.")
    signalen_interval_seconds: float = Field(
        default=3600.0, description="How often the periodic signals (no start, care past the end) are made.")
    retention_years: int = Field(
        default=20, ge=1, le=200,
        description="Years a client's file is kept after its last entry (Jeugdwet: 20); then the "
                    "periodic purge removes its message bodies and personal data, keeping the counts.")
    purge_interval_seconds: float = Field(
        default=86400.0, gt=0, description="How often the retention purge runs.")
    login_failures_per_address: int = Field(
        default=20, ge=1,
        description="Failed back-office log-ins from one address (any names) within 15 minutes before that "
                    "address is refused for 15 minutes; raise it when many users share one address (NAT).")
    login_hash_concurrency: int = Field(
        default=1, ge=1,
        description="Password checks (argon2, a quarter second of CPU each) run at once per API process; "
                    "further log-ins wait their turn, so a flood of them cannot starve the API.")
    today: date | None = Field(
        default=None,
        description="Pin the application's clock to this day at start-up (it runs on from there); "
                    "for acceptance environments and tests. Empty: the machine's clock.")
    clock_shift_seconds: float | None = Field(
        default=None,
        description="Move the application's clock by this many seconds (GATEWAY_TODAY goes first); "
                    "for tests that start several processes on one shifted clock.")
    log_format: Literal["json", "text"] = Field(
        default="json", description="Process log lines: one JSON object per line, or text for a terminal.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe level that is logged.")
    metrics_allow_from: str = Field(
        default="127.0.0.1,::1",
        description="Who may read /metrics: comma-separated addresses or networks, or * for everyone.")
    ggk_url: str = Field(
        default="",
        description="The Digikoppeling adapter's OntvangAsynchroon (SOAP 1.1), where the gateway sends its "
                    "StUF-GGk envelopes. Empty: no GGk route, and /ggk/OntvangAsynchroon answers 404.")
    ggk_allow_from: str = Field(
        default="127.0.0.1,::1",
        description="Who may call /ggk/OntvangAsynchroon (the adapter): comma-separated addresses or networks.")
    ggk_max_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0,
        description="Largest envelope accepted (bytes). The chain's limit is 25 MB; read as binary megabytes, "
                    "so whatever the chain let through is taken in.")
    ggk_applicatie: str = Field(
        default="Jeugdhulpgateway", min_length=3, max_length=50,
        description="zender/applicatie in the envelopes the gateway sends.")
    ggk_client_cert: Path | None = Field(
        default=None, description="Client certificate (PEM) for TLS to the adapter; with GATEWAY_GGK_CLIENT_KEY.")
    ggk_client_key: Path | None = Field(default=None, description="The client certificate's private key (PEM).")
    ggk_ca_bundle: Path | None = Field(
        default=None, description="CA bundle (PEM) the adapter's certificate is checked against; empty: the system's.")
    ggk_jw325_envelop: Literal["du01", "di01"] = Field(
        default="du01",
        description="How the JW325 for a JW323 that came through the GGk goes back: as a Du01 answering the "
                    "Di01 (default), or as a Di01 of its own (the facts leave this open).")
    cjg_contact: str = Field(
        default="", max_length=500,
        description="Whom the parents contact about a beschikking, printed in it (telephone, e-mail, hours); "
                    "{gemeente} stands for the municipality's name. Empty: a sentence naming the CJG of "
                    "the gemeente.")
    sandbox: bool = Field(
        default=False,
        description="Run as a sandbox for providers' own tests (docs/sandbox.md): providers register "
                    "themselves and a stand-in municipality answers by the client's BSN. Only on a "
                    "database that holds nothing else.")
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    mappings_dir: Path = PROJECT_ROOT / "mappings"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(
        default=1, ge=1,
        description="API processes `gateway serve` runs behind its one port, all on the same database and "
                    "broker. 1: the API runs in the serve process itself.")
    proxy_headers: bool = Field(
        default=False,
        description="Believe X-Forwarded-For/-Proto, but only from forwarded_allow_ips (a TLS proxy in "
                    "front). Off: the peer's address is the client's, whatever a header says.")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or networks of the proxies whose forwarded headers count.")

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    @field_validator("ggk_client_cert", "ggk_client_key", "ggk_ca_bundle", "today", "clock_shift_seconds",
                     mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # An empty variable (docker-compose passes `${GATEWAY_GGK_CLIENT_CERT:-}`) means "none",
        # not the file "." that a Path would make of it; an empty GATEWAY_TODAY is the machine's
        # clock, as the README's table says, not a date that fails to parse.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def ggk_enabled(self) -> bool:
        return bool(self.ggk_url.strip())

    @property
    def embedded_broker(self) -> bool:
        return not self.broker_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
