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
from tests.support import edit, example, reference


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
    assert result.exit_code == 2 and "8 cijfers" in result.output
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
    assert [list(r) for r in lines] == [["file", "message", "accepted", "level", "retourcodes", "rules",
                                         "report"]] * 3
    assert lines[0] == {"file": str(good), "message": "JW305", "accepted": True, "level": 0,
                        "retourcodes": [], "rules": [], "report": []}
    assert (lines[1]["accepted"], lines[1]["level"], lines[1]["retourcodes"]) == (False, 2, ["0001"])
    assert lines[1]["rules"] == ["CS002"]
    # The report: per failing rule where, what it checks and what to change (design.md §7).
    assert lines[1]["report"] == [{"code": "CS002", "retourcode": "0001", "location": "/Bericht/Client/Bsn",
                                   "explanation": reference().explain("CS002"),
                                   "remedy": reference().remedy("CS002")}]
    assert (lines[2]["message"], lines[2]["level"], lines[2]["rules"]) == (None, 1, ["XSD"])
    [xsd] = lines[2]["report"]
    assert (xsd["code"], xsd["retourcode"], xsd["location"]) == ("XSD", None, "/")
    assert xsd["explanation"].startswith(reference().explain("XSD") + " (geen goedgevormde XML")
    assert xsd["remedy"] == reference().remedy("XSD")


def test_validate_prints_where_each_rule_failed_then_its_explanation_and_remedy_once(tmp_path):
    bad = edit(example("JW305"), "<jw305:Bsn>999994323<", "<jw305:Bsn>123456789<")  # CS002
    # Two dates after the Dagtekening (2026-09-22): TR134 in two places.
    bad = edit(bad, "<ijw:Datum>2018-02-22<", "<ijw:Datum>2026-10-01<")
    bad = edit(bad, "<jw305:Begindatum>2026-09-21<", "<jw305:Begindatum>2026-09-30<")
    rules = tmp_path / "rules.xml"
    rules.write_bytes(bad)
    schema_bad = tmp_path / "schema.xml"
    schema_bad.write_bytes(edit(edit(example("JW305"), "<jw305:Bsn>999994323<", "<jw305:Bsn>99999432X<"),
                                "<jw305:Geslacht>2<", "<jw305:Geslacht>7<"))
    result = CliRunner().invoke(main, ["validate", str(rules), str(schema_bad)])
    assert result.exit_code == 1
    out = result.stdout
    text = reference()
    assert f"{rules}: JW305 afgekeurd (niveau 2), retourcodes 0001\n" in out
    cs002 = (f"  CS002 (0001) /Bericht/Client/Bsn\n    Uitleg: {text.explain('CS002')}\n"
             f"    Hoe op te lossen: {text.remedy('CS002')}\n")
    assert cs002 in out
    tr134 = out[out.index("  TR134 (0001)"):]
    assert tr134.count("  TR134 (0001) /Bericht/Client/") == 2
    assert tr134.split("\n")[2:4] == [f"    Uitleg: {text.explain('TR134')}",
                                      f"    Hoe op te lossen: {text.remedy('TR134')}"]
    # Schema errors: each with its line, then the schema's explanation and remedy once.
    xsd = out[out.index(f"{schema_bad}: JW305 afgekeurd (niveau 1)"):]
    assert "  regel 19: " in xsd and "  regel 23: " in xsd
    assert xsd.count(f"    Uitleg: {text.explain('XSD')}\n") == 1
    assert xsd.count(f"    Hoe op te lossen: {text.remedy('XSD')}\n") == 1


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


def _kanaal(sessions, agb: str) -> str:
    with sessions() as session:
        return session.scalar(select(Partij.kanaal).where(Partij.soort == "aanbieder", Partij.code == agb))


def test_provider_add_sets_the_channel_only_when_asked(cli_env, sessions):
    assert cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"]).exit_code == 0
    assert _kanaal(sessions, "12345678") == "api"
    result = cli_env.invoke(main, ["provider", "add", "--agb", "87654321", "--name", "Keten BV", "--kanaal", "ggk"])
    assert result.exit_code == 0, result.output
    assert _kanaal(sessions, "87654321") == "ggk"
    # Another token for it without --kanaal leaves the channel as it was; with it, changes it.
    assert cli_env.invoke(main, ["provider", "add", "--agb", "87654321", "--name", "Keten BV"]).exit_code == 0
    assert _kanaal(sessions, "87654321") == "ggk"
    assert cli_env.invoke(main, ["provider", "add", "--agb", "87654321", "--name", "Keten BV",
                                 "--kanaal", "api"]).exit_code == 0
    assert _kanaal(sessions, "87654321") == "api"
    result = cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "X", "--kanaal", "post"])
    assert result.exit_code == 2 and "post" in result.output


def test_provider_kanaal_switches_a_registered_provider(cli_env, sessions):
    cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"])
    result = cli_env.invoke(main, ["provider", "kanaal", "--agb", "12345678", "--kanaal", "ggk"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "ggk" in result.stderr
    assert _kanaal(sessions, "12345678") == "ggk"
    assert cli_env.invoke(main, ["provider", "kanaal", "--agb", "12345678", "--kanaal", "api"]).exit_code == 0
    assert _kanaal(sessions, "12345678") == "api"


def test_provider_kanaal_of_an_unknown_provider_is_refused(cli_env, sessions):
    result = cli_env.invoke(main, ["provider", "kanaal", "--agb", "11112222", "--kanaal", "ggk"])
    assert result.exit_code == 2
    assert "no provider with AGB code 11112222" in result.stderr
    result = cli_env.invoke(main, ["provider", "kanaal", "--agb", "123", "--kanaal", "ggk"])
    assert result.exit_code == 2 and "8 cijfers" in result.output
