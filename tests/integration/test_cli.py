"""The `gateway` command: party registration and offline validation."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import main
from gateway.db.models import Partij, Token
from gateway.intake.parties import authenticate
from tests.support import edit, example


def test_provider_add_prints_only_the_token(cli_env, sessions):
    result = cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token and len(token) > 30
    with sessions() as session:
        party = authenticate(session, token)
        assert (party.soort, party.code) == ("aanbieder", "12345678")
        stored = session.scalars(select(Token.token_hash)).all()
        assert token not in stored  # only the hash is stored


def test_adding_an_existing_party_adds_a_token(cli_env, sessions):
    first = cli_env.invoke(main, ["municipality", "add", "--code", "0363", "--name", "Amsterdam"]).stdout.strip()
    second = cli_env.invoke(main, ["municipality", "add", "--code", "0363", "--name", "Amsterdam"]).stdout.strip()
    assert first != second
    with sessions() as session:
        assert len(session.scalars(select(Partij)).all()) == 1
        assert authenticate(session, first).id == authenticate(session, second).id


def test_bad_codes_are_refused(cli_env):
    result = cli_env.invoke(main, ["provider", "add", "--agb", "123", "--name", "X"])
    assert result.exit_code == 2 and "8 digits" in result.output
    result = cli_env.invoke(main, ["municipality", "add", "--code", "AMS", "--name", "X"])
    assert result.exit_code == 2


def test_validate_json_one_object_per_file(tmp_path):
    good = tmp_path / "good.xml"
    good.write_bytes(example("JW305"))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(edit(example("JW305"), "<jw305:Bsn>999994323<", "<jw305:Bsn>123456789<"))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<a>")
    result = CliRunner().invoke(main, ["validate", "--json", str(good), str(bad), str(broken)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(r) for r in lines] == [{"file", "message", "accepted", "level", "retourcodes", "rules"}] * 3
    assert lines[0] == {"file": str(good), "message": "JW305", "accepted": True, "level": 0,
                        "retourcodes": [], "rules": []}
    assert (lines[1]["accepted"], lines[1]["level"], lines[1]["retourcodes"]) == (False, 2, ["0001"])
    assert "CS002" in lines[1]["rules"]
    assert (lines[2]["message"], lines[2]["level"]) == (None, 1)


def test_validate_exit_zero_when_all_accepted_and_level4_runs(tmp_path):
    good = tmp_path / "good.xml"
    good.write_bytes(example("AGJ"))
    assert CliRunner().invoke(main, ["validate", str(good)]).exit_code == 0
    unknown_product = tmp_path / "s329.xml"
    unknown_product.write_bytes(edit(example("AGJ"), "<ijw:Code>45A01<", "<ijw:Code>99Z99<"))
    result = CliRunner().invoke(main, ["validate", "--json", str(unknown_product)])
    report = json.loads(result.stdout)
    assert (result.exit_code, report["level"], report["retourcodes"]) == (1, 4, ["S329"])


def test_validate_needs_no_database(tmp_path):
    """Run as a real process with a database URL that cannot work."""
    message = tmp_path / "m.xml"
    message.write_bytes(example("JW305"))
    env = {**os.environ, "GATEWAY_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "validate", str(message)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "geaccepteerd" in done.stdout
