"""The `gateway` command names its database and never makes a new one outside `serve` and
`db upgrade`: run from the wrong folder, a command stops instead of printing a token the
running server does not know."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from importlib.metadata import version

import click
import pytest
from sqlalchemy import func, inspect, select

from gateway.cli import main
from gateway.db.existing import shown
from gateway.db.models import Partij
from gateway.db.session import make_engine, make_sessionmaker
from gateway.settings import get_settings
from tests.scratch_database import scratch_database

# Every command that reads or changes the data, with what it needs to get that far.
DATA_COMMANDS = [
    (["provider", "add", "--agb", "12345678", "--name", "Zorg BV"], None),
    (["provider", "kanaal", "--agb", "12345678", "--kanaal", "ggk"], None),
    (["provider", "webhook", "--agb", "12345678", "--off"], None),
    (["municipality", "add", "--code", "0363", "--name", "Amsterdam"], None),
    (["partij", "list"], None),
    (["token", "list"], None),
    (["token", "revoke", "1"], None),
    (["user", "add", "--username", "beheer", "--role", "admin"], "een-lang-wachtwoord\n"),
    (["user", "passwd", "--username", "beheer"], "een-lang-wachtwoord\n"),
    (["user", "unlock", "--username", "beheer"], None),
    (["outbox", "list"], None),
    (["outbox", "retry", "1"], None),
    (["purge"], None),
    (["purge", "--dry-run"], None),
    (["ggk", "fo01", "--cross-ref", "0f1e2d3c-4b5a-4697-8877-665544332211", "--code", "BRS04",
      "--omschrijving", "weg"], None),
]


@pytest.fixture
def runner():
    """A CLI runner on the settings of its environment, read again for each test."""
    from click.testing import CliRunner

    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def elsewhere(tmp_path, monkeypatch, runner):
    """The default database URL, from a folder without a gateway.db."""
    folder = tmp_path / "elders"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    return folder


@pytest.mark.parametrize(("args", "stdin"), DATA_COMMANDS, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_no_command_creates_the_default_database(elsewhere, runner, args, stdin):
    result = runner.invoke(main, args, input=stdin)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    database = elsewhere / "gateway.db"
    assert f"there is no database file {database}." in result.stderr
    assert f"GATEWAY_DATABASE_URL is not set: the default sqlite:///gateway.db is a file in the current " \
           f"folder ({elsewhere})" in result.stderr
    assert "Run this command from the folder of the server" in result.stderr
    assert "gateway db upgrade" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_configured_file_that_is_missing_is_named_with_the_variable(tmp_path, monkeypatch, runner):
    missing = tmp_path / "server" / "gateway.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{missing}")
    result = runner.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"there is no database file {missing}." in result.stderr
    assert f"GATEWAY_DATABASE_URL is sqlite:///{missing}." in result.stderr
    assert not missing.parent.exists()


def test_a_real_run_from_another_folder_prints_no_token(tmp_path):
    """The way it went wrong: `gateway provider add` in a folder that is not the server's."""
    env = {key: value for key, value in os.environ.items() if key != "GATEWAY_DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "provider", "add", "--agb", "12345678",
                           "--name", "Zorg BV"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    assert f"there is no database file {tmp_path / 'gateway.db'}" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_that_was_never_migrated_is_refused_and_left_as_it_was(tmp_path, monkeypatch, runner):
    path = tmp_path / "gateway.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE iets (x INTEGER)")
    connection.close()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(main, ["municipality", "add", "--code", "0363", "--name", "Amsterdam"])
    assert result.exit_code == 1 and result.stdout == ""
    assert (f"the database sqlite:///{path} has no gateway tables (no alembic_version table: it was never "
            "migrated)") in result.stderr
    assert "gateway db upgrade" in result.stderr
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("iets",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not made WAL
    connection.close()


def test_a_file_that_is_no_database_is_one_line(tmp_path, monkeypatch, runner):
    path = tmp_path / "gateway.db"
    path.write_text("geen database\n" * 100)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(main, ["token", "list"])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"error: {path} cannot be read as a SQLite database: file is not a database." in result.stderr
    assert path.read_text() == "geen database\n" * 100


@pytest.fixture
def empty_database_url(tmp_path):
    """An existing database without the gateway's tables: a new PostgreSQL database on the test
    server, or an empty SQLite file."""
    with scratch_database(tmp_path, "leeg", create_file=True) as url:
        yield url


def test_a_database_that_was_never_migrated_is_refused_until_db_upgrade(empty_database_url, monkeypatch,
                                                                        runner):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", empty_database_url)
    add = ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"]
    refused = runner.invoke(main, add)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert f"the database {shown(empty_database_url)} has no gateway tables" in refused.stderr
    assert f"GATEWAY_DATABASE_URL is {shown(empty_database_url)}." in refused.stderr
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:  # nothing was made: not even Alembic's table
            assert inspect(connection).get_table_names() == []
        upgraded = runner.invoke(main, ["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        assert f"database: {shown(empty_database_url)}\n" in upgraded.stderr
        added = runner.invoke(main, add)
        assert added.exit_code == 0, added.output
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Partij)) == 1
    finally:
        engine.dispose()


def test_a_postgresql_database_that_does_not_exist_is_named(monkeypatch, runner):
    url = os.environ.get("GATEWAY_TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs the PostgreSQL test server")
    missing = url.rsplit("/", 1)[0] + f"/nergens_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", missing)
    result = runner.invoke(main, ["partij", "list"])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"the database {shown(missing)} does not exist on its server" in result.stderr
    assert "gateway db upgrade" in result.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(monkeypatch, runner):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+psycopg://nobody:geheim@127.0.0.1:1/none")
    result = runner.invoke(main, ["token", "list"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "the database postgresql+psycopg://nobody:***@127.0.0.1:1/none cannot be used: " in result.stderr
    assert "geheim" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("url", "said"), [
    ("geen url:geheim@", "error: GATEWAY_DATABASE_URL is no database URL SQLAlchemy can read"),
    ("nergens://gateway:geheim@db.example/gateway",
     "error: the database nergens://gateway:***@db.example/gateway cannot be used: no SQLAlchemy dialect"),
])
@pytest.mark.parametrize("command", [["provider", "add", "--agb", "12345678", "--name", "Zorg BV"], ["db", "upgrade"]])
def test_a_url_that_is_no_database_url_is_one_line_without_its_password(monkeypatch, runner, url, said, command):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    result = runner.invoke(main, command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(said), result.stderr
    assert "geheim" not in result.stderr and "Traceback" not in result.stderr


def test_commands_that_change_data_name_the_database_on_stderr(cli_env, database_url):
    named = f"database: {shown(database_url)}\n"
    added = cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"])
    assert added.exit_code == 0, added.output
    assert len(added.stdout.splitlines()) == 1 and added.stderr == named  # the token is stdout's only line
    municipality = cli_env.invoke(main, ["municipality", "add", "--code", "0363", "--name", "Amsterdam"])
    assert len(municipality.stdout.splitlines()) == 1 and municipality.stderr == named
    kanaal = cli_env.invoke(main, ["provider", "kanaal", "--agb", "12345678", "--kanaal", "ggk"])
    assert kanaal.stderr.startswith(named)
    # Reading changes nothing and says nothing about it.
    listed = cli_env.invoke(main, ["partij", "list"])
    assert listed.exit_code == 0 and listed.stderr == ""


def test_shown_hides_the_password_and_resolves_a_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown("postgresql+psycopg://gateway:geheim@db.example:5432/gateway") == \
        "postgresql+psycopg://gateway:***@db.example:5432/gateway"
    assert shown("sqlite:///gateway.db") == f"sqlite:///{tmp_path / 'gateway.db'}"
    assert shown("sqlite:///sub/../g.db") == f"sqlite:///{tmp_path / 'g.db'}"


def test_help_names_the_variable_its_default_and_the_database_in_use(tmp_path, monkeypatch, runner):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    text = " ".join(runner.invoke(main, ["--help"]).stdout.split())
    assert "GATEWAY_DATABASE_URL names the database (a SQLAlchemy URL; default sqlite:///gateway.db, " \
           "a file in the current folder)" in text
    assert f"In use here: sqlite:///{tmp_path / 'gateway.db'}\n" in runner.invoke(main, ["--help"]).stdout
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+psycopg://gateway:geheim@db.example/gateway")
    get_settings.cache_clear()
    text = " ".join(runner.invoke(main, ["-h"]).stdout.split())
    assert "In use here: postgresql+psycopg://gateway:***@db.example/gateway" in text
    assert "geheim" not in text
    assert not (tmp_path / "gateway.db").exists()


def _commands(group: click.Group, path: list[str]):
    for name, command in group.commands.items():
        yield [*path, name]
        if isinstance(command, click.Group):
            yield from _commands(command, [*path, name])


def test_every_command_answers_dash_h_and_the_version(runner):
    for path in [[], *_commands(main, [])]:
        short = runner.invoke(main, [*path, "-h"], prog_name="gateway")
        long = runner.invoke(main, [*path, "--help"], prog_name="gateway")
        assert short.exit_code == 0, (path, short.output)
        assert short.stdout.startswith(f"Usage: gateway {' '.join(path)}".rstrip())
        assert short.stdout == long.stdout
    result = runner.invoke(main, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"gateway {version('jeugdhulp-gateway')}\n")
