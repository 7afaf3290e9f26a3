"""`gateway partij list`, and registering parties: codes checked, a changed name refused."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from gateway.cli import main
from gateway.db.models import Partij, Token


def _add(cli_env, *args: str):
    return cli_env.invoke(main, list(args))


def _state(sessions) -> tuple[list[tuple[str, str, str]], int]:
    """The parties (soort, code, naam) and the number of tokens."""
    with sessions() as session:
        parties = session.execute(select(Partij.soort, Partij.code, Partij.naam).order_by(Partij.id)).all()
        return [tuple(p) for p in parties], session.scalar(select(func.count()).select_from(Token))


def test_partij_list_shows_each_party_with_its_active_tokens(cli_env, sessions):
    empty = cli_env.invoke(main, ["partij", "list"])
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert "no parties are registered" in empty.stderr
    assert _add(cli_env, "municipality", "add", "--code", "0363", "--name", "Amsterdam").exit_code == 0
    assert _add(cli_env, "provider", "add", "--agb", "87654321", "--name", "Keten BV", "--kanaal", "ggk").exit_code == 0
    for _ in range(2):
        assert _add(cli_env, "provider", "add", "--agb", "12345678", "--name", "Zorg BV").exit_code == 0
    with sessions() as session:
        first = session.scalar(select(Token.id).join(Partij).where(Partij.code == "12345678").order_by(Token.id))
    assert cli_env.invoke(main, ["token", "revoke", str(first)]).exit_code == 0  # a revoked one does not count

    listed = cli_env.invoke(main, ["partij", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == ["soort\tcode\tnaam\tkanaal\tactieve tokens",
                                          "aanbieder\t12345678\tZorg BV\tapi\t1",
                                          "aanbieder\t87654321\tKeten BV\tggk\t1",
                                          "gemeente\t0363\tAmsterdam\t-\t1"]
    as_json = cli_env.invoke(main, ["partij", "list", "--json"])
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"soort": "aanbieder", "code": "12345678", "naam": "Zorg BV", "kanaal": "api", "actieve_tokens": 1},
        {"soort": "aanbieder", "code": "87654321", "naam": "Keten BV", "kanaal": "ggk", "actieve_tokens": 1},
        {"soort": "gemeente", "code": "0363", "naam": "Amsterdam", "kanaal": None, "actieve_tokens": 1}]


@pytest.mark.parametrize("agb", ["1234567", "123456789", "1234567a", " 12345678", "١٢٣٤٥٦٧٨"])
def test_an_agb_code_is_eight_digits_0_to_9(cli_env, sessions, agb):
    for args in (["provider", "add", "--agb", agb, "--name", "Zorg BV"],
                 ["provider", "kanaal", "--agb", agb, "--kanaal", "ggk"],
                 ["provider", "webhook", "--agb", agb, "--off"]):
        result = cli_env.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert f"een AGB-code is precies 8 cijfers, niet {agb!r}" in result.stderr
        assert result.stdout == "" and "database:" not in result.stderr  # refused before the database
    assert _state(sessions) == ([], 0)


@pytest.mark.parametrize(("code", "fout"), [("9999", "9999 is geen gemeentecode op de CBS-lijst"),
                                            ("036", "4 digits"), ("0000", "0000 is geen gemeentecode")])
def test_a_municipality_must_be_on_the_cbs_list(cli_env, sessions, code, fout):
    result = cli_env.invoke(main, ["municipality", "add", "--code", code, "--name", "Nergens"])
    assert result.exit_code == 2 and result.stdout == ""
    assert fout in result.stderr
    assert _state(sessions) == ([], 0)


@pytest.mark.parametrize(("kind", "option", "code", "name"), [("provider", "--agb", "12345678", "Zorg BV"),
                                                               ("municipality", "--code", "0363", "Amsterdam")])
def test_another_name_for_a_registered_code_adds_no_token(cli_env, sessions, kind, option, code, name):
    assert _add(cli_env, kind, "add", option, code, "--name", name).exit_code == 0
    before = _state(sessions)
    result = _add(cli_env, kind, "add", option, code, "--name", "Iets Anders")
    assert result.exit_code == 1 and result.stdout == ""
    soort = "aanbieder" if kind == "provider" else "gemeente"
    assert (f"error: {soort} {code} is registered as {name!r}, not 'Iets Anders'; no token added. "
            f"For a new token give --name {name!r}; if it was renamed, add --rename; if it is another "
            f"party, check {option}.") in result.stderr
    assert _state(sessions) == before
    # The registered name, in other capitals or spacing, is still the same party: a new token.
    again = _add(cli_env, kind, "add", option, code, "--name", f"  {name.upper()} ")
    assert again.exit_code == 0, again.output
    assert _state(sessions) == (before[0], before[1] + 1)


def test_rename_gives_the_party_its_new_name_and_a_token(cli_env, sessions):
    assert _add(cli_env, "provider", "add", "--agb", "12345678", "--name", "Zorg BV").exit_code == 0
    renamed = _add(cli_env, "provider", "add", "--agb", "12345678", "--name", "Zorg  Nieuw BV", "--rename")
    assert renamed.exit_code == 0, renamed.output
    assert len(renamed.stdout.splitlines()) == 1
    assert "aanbieder 12345678 renamed from 'Zorg BV' to 'Zorg Nieuw BV'" in renamed.stderr
    assert _state(sessions) == ([("aanbieder", "12345678", "Zorg Nieuw BV")], 2)
    # --rename with the name it has already changes nothing but adds a token.
    same = _add(cli_env, "provider", "add", "--agb", "12345678", "--name", "Zorg Nieuw BV", "--rename")
    assert same.exit_code == 0 and "renamed" not in same.stderr
    # A new party with --rename is simply registered.
    new = _add(cli_env, "municipality", "add", "--code", "0363", "--name", "Amsterdam", "--rename")
    assert new.exit_code == 0 and "renamed" not in new.stderr
    assert _state(sessions)[0][-1] == ("gemeente", "0363", "Amsterdam")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_name_must_be_given_and_fit(cli_env, sessions, name):
    result = _add(cli_env, "provider", "add", "--agb", "12345678", "--name", name)
    assert result.exit_code == 2 and result.stdout == ""
    assert "Invalid value for '--name'" in result.stderr
    assert _state(sessions) == ([], 0)
