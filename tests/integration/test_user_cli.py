"""`gateway user add|passwd`: back-office accounts from the command line (design.md §6)."""
from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway import clock
from gateway.cli import main
from gateway.db.models import Gebruiker, Sessie
from gateway.db.session import unit_of_work
from gateway.domain.beheer import inlogtellers
from tests.backoffice import login


def test_user_add_reads_the_password_from_stdin_without_its_newline(cli_env, sessions, client):
    result = cli_env.invoke(main, ["user", "add", "--username", "Marieke", "--role", "cjg"],
                            input="lang-genoeg-wachtwoord\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing on stdout; the confirmation goes to stderr
    with sessions() as session:
        user = session.scalar(select(Gebruiker))
    assert (user.gebruikersnaam, user.rol) == ("marieke", "cjg")
    assert user.wachtwoord_hash.startswith("$argon2id$") and "lang-genoeg" not in user.wachtwoord_hash
    assert login(client, "marieke", "lang-genoeg-wachtwoord").status_code == 303
    assert login(client, "marieke", "lang-genoeg-wachtwoord\n").status_code == 401


def test_user_add_refuses_bad_input_with_a_message(cli_env, sessions):
    short = cli_env.invoke(main, ["user", "add", "--username", "kees", "--role", "cjg"], input="kort\n")
    assert short.exit_code == 2 and "minstens 12 tekens" in short.stderr
    role = cli_env.invoke(main, ["user", "add", "--username", "kees", "--role", "baas"], input="x" * 20)
    assert role.exit_code == 2 and "baas" in role.output
    name = cli_env.invoke(main, ["user", "add", "--username", "k ees", "--role", "cjg"], input="x" * 20)
    assert name.exit_code == 2 and "gebruikersnaam" in name.stderr
    first = cli_env.invoke(main, ["user", "add", "--username", "kees", "--role", "admin"], input="y" * 20)
    again = cli_env.invoke(main, ["user", "add", "--username", "KEES", "--role", "cjg"], input="z" * 20)
    assert first.exit_code == 0 and again.exit_code == 2 and "bestaat al" in again.stderr
    with sessions() as session:
        assert session.scalars(select(Gebruiker.rol)).all() == ["admin"]


def test_user_passwd_sets_a_new_password_and_lifts_a_lock_out(cli_env, sessions, client):
    cli_env.invoke(main, ["user", "add", "--username", "fenna", "--role", "finance"], input="eerste-wachtwoord\n")
    for _ in range(inlogtellers.PER_NAAM):
        login(client, "fenna", "fout-fout-fout-fout")
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 429
    result = cli_env.invoke(main, ["user", "passwd", "--username", "fenna"], input="tweede-wachtwoord\n")
    assert result.exit_code == 0, result.output
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 401
    assert login(client, "fenna", "tweede-wachtwoord").status_code == 303
    unknown = cli_env.invoke(main, ["user", "passwd", "--username", "niemand"], input="derde-wachtwoord\n")
    assert unknown.exit_code == 2 and "geen gebruiker" in unknown.stderr


def test_user_add_as_a_real_command(database_url, engine, tmp_path):
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "user", "add", "--username", "beheer",
                           "--role", "admin"], input=b"een-lang-wachtwoord\n", env=env, cwd=tmp_path,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    with engine.connect() as connection:
        assert connection.execute(select(Gebruiker.gebruikersnaam)).scalars().all() == ["beheer"]


def test_user_passwd_ends_every_open_session_of_that_user(cli_env, sessions, client, app):
    cli_env.invoke(main, ["user", "add", "--username", "fenna", "--role", "finance"], input="eerste-wachtwoord\n")
    cli_env.invoke(main, ["user", "add", "--username", "beheer", "--role", "admin"], input="beheer-wachtwoord\n")
    with TestClient(app) as other_browser:
        assert login(other_browser, "fenna", "eerste-wachtwoord").status_code == 303
        assert login(client, "fenna", "eerste-wachtwoord").status_code == 303
        with TestClient(app) as admin:
            assert login(admin, "beheer", "beheer-wachtwoord").status_code == 303
            result = cli_env.invoke(main, ["user", "passwd", "--username", "fenna"], input="tweede-wachtwoord\n")
            assert result.exit_code == 0, result.output
            for browser in (client, other_browser):
                assert browser.get("/financien", follow_redirects=False).status_code == 303  # to /login
            assert admin.get("/financien").status_code == 200  # another user's session stays
    with sessions() as session:
        assert session.scalars(select(Gebruiker.gebruikersnaam).join(Sessie)).all() == ["beheer"]


def test_user_unlock_lifts_a_lock_out_by_name_or_by_address(cli_env, sessions, client):
    cli_env.invoke(main, ["user", "add", "--username", "fenna", "--role", "finance"], input="eerste-wachtwoord\n")
    for _ in range(inlogtellers.PER_NAAM):
        login(client, "fenna", "fout-fout-fout-fout")
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 429
    result = cli_env.invoke(main, ["user", "unlock", "--username", "FENNA"])
    assert result.exit_code == 0, result.output
    assert "1 lock-out(s) lifted" in result.stderr
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 303
    with unit_of_work(sessions) as session:  # the TestClient's address throttled
        for _ in range(30):
            inlogtellers.admit(session, "gok", "testclient", clock.now(), per_adres=20)
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 429
    result = cli_env.invoke(main, ["user", "unlock", "--address", "testclient"])
    assert result.exit_code == 0, result.output
    assert login(client, "fenna", "eerste-wachtwoord").status_code == 303
    unknown = cli_env.invoke(main, ["user", "unlock", "--username", "niemand"])
    assert unknown.exit_code == 2 and "geen gebruiker" in unknown.stderr
    assert cli_env.invoke(main, ["user", "unlock"]).exit_code == 2
