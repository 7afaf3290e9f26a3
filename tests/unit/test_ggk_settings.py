"""The GGk settings as an operator sets them: in a shell, or through docker-compose.yml, which
passes every GGk variable, empty when the operator left it out."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TLS_FILES = ("GATEWAY_GGK_CLIENT_CERT", "GATEWAY_GGK_CLIENT_KEY", "GATEWAY_GGK_CA_BUNDLE")


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_tls_file_means_none(monkeypatch, value):
    for name in TLS_FILES:
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.ggk_client_cert, settings.ggk_client_key, settings.ggk_ca_bundle) == (None, None, None)


def test_a_tls_file_is_a_path(monkeypatch):
    monkeypatch.setenv("GATEWAY_GGK_CLIENT_CERT", "/certs/gateway.pem")
    assert Settings().ggk_client_cert == Path("/certs/gateway.pem")


def test_without_a_url_the_route_is_off(monkeypatch):
    monkeypatch.setenv("GATEWAY_GGK_URL", "")
    assert not Settings().ggk_enabled
    monkeypatch.setenv("GATEWAY_GGK_URL", "https://adapter.example/ggk/OntvangAsynchroon")
    assert Settings().ggk_enabled


def test_compose_gives_every_gateway_process_the_ggk_settings_and_the_stub_a_profile():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    known = {f"GATEWAY_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker", "beat"):
        environment = services[name]["environment"]
        assert {"GATEWAY_GGK_URL", "GATEWAY_GGK_ALLOW_FROM", *TLS_FILES} <= set(environment)
        assert set(environment) <= known, "a variable the gateway does not read"
    stub = services["ggk-stub"]
    assert stub["profiles"] == ["ggk-stub"]
    assert stub["command"][:3] == ["gateway", "ggk", "stub"]
