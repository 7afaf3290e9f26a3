"""`gateway provider webhook`: set or clear a provider's webhook and its signing secret."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.cli import main
from gateway.db.models import Partij

AGB = "12345678"
URL = "https://zorg.example/hooks/gateway"


@pytest.fixture
def provider(cli_env):
    assert cli_env.invoke(main, ["provider", "add", "--agb", AGB, "--name", "Zorg BV"]).exit_code == 0


def webhook_of(sessions, agb: str = AGB) -> tuple[str | None, str | None]:
    with sessions() as session:
        party = session.scalar(select(Partij).where(Partij.soort == "aanbieder", Partij.code == agb))
        return party.webhook_url, party.webhook_geheim


def test_setting_a_webhook_prints_only_the_new_secret(cli_env, provider, sessions):
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--url", URL])
    assert result.exit_code == 0, result.output
    [secret] = result.stdout.splitlines()
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert webhook_of(sessions) == (URL, secret)


def test_setting_it_again_makes_a_new_secret(cli_env, provider, sessions):
    first = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--url", URL]).stdout.strip()
    other = "http://127.0.0.1:9000/hook"
    second = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--url", other]).stdout.strip()
    assert first != second
    assert webhook_of(sessions) == (other, second)


def test_off_clears_url_and_secret_and_prints_nothing(cli_env, provider, sessions):
    assert cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--url", URL]).exit_code == 0
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--off"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "switched off" in result.stderr
    assert webhook_of(sessions) == (None, None)


def test_unknown_provider_exits_2(cli_env, provider):
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", "87654321", "--url", URL])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "87654321" in result.stderr and "registered" in result.stderr


def test_a_municipality_code_is_not_a_provider(cli_env, sessions):
    assert cli_env.invoke(main, ["municipality", "add", "--code", "0363", "--name", "Amsterdam"]).exit_code == 0
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", "00000363", "--url", URL])
    assert result.exit_code == 2


@pytest.mark.parametrize("url", ["ftp://zorg.example/hook", "zorg.example/hook", "https://", "javascript:alert(1)",
                                 "https://zorg.example/" + "x" * 500])
def test_a_url_that_is_not_http_exits_2(cli_env, provider, sessions, url):
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, "--url", url])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--url" in result.stderr
    assert webhook_of(sessions) == (None, None)


@pytest.mark.parametrize("args", [[], ["--url", URL, "--off"]])
def test_url_or_off_exactly_once(cli_env, provider, sessions, args):
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", AGB, *args])
    assert result.exit_code == 2
    assert "--url" in result.stderr and "--off" in result.stderr
    assert webhook_of(sessions) == (None, None)


def test_bad_agb_exits_2(cli_env):
    result = cli_env.invoke(main, ["provider", "webhook", "--agb", "123", "--url", URL])
    assert result.exit_code == 2 and "8 cijfers" in result.stderr
