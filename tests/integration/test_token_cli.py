"""`gateway token list` / `token revoke`, and rotation without downtime: a second token from
`provider add` works before the old one is revoked, checked against the API."""
from __future__ import annotations

from datetime import date

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.cli import main
from gateway.db.models import Token
from gateway.db.session import unit_of_work
from gateway.intake.parties import authenticate


def postbus(client, token: str) -> int:
    return client.get("/api/v1/postbus", headers={"Authorization": f"Bearer {token}"}).status_code


def listing(cli_env, *args: str) -> list[list[str]]:
    result = cli_env.invoke(main, ["token", "list", *args])
    assert result.exit_code == 0, result.output
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_list_shows_every_token_without_its_secret(cli_env, sessions, parties):
    lines = listing(cli_env)
    with sessions() as session:
        tokens = session.scalars(select(Token).order_by(Token.id)).all()
    assert [line[:3] for line in lines] == [["aanbieder", "12345678", "Zorg BV"],
                                            ["aanbieder", "87654321", "Ander BV"],
                                            ["gemeente", "0363", "Amsterdam"]]
    assert [line[3] for line in lines] == [f"token {t.id}" for t in tokens]
    assert all(line[4].startswith("created 2026-11-23 ") and line[5] == "last used never used"
               and line[6] == "active" for line in lines)
    text = "\n".join("\t".join(line) for line in lines)
    for secret in [*parties.values(), *(t.token_hash for t in tokens)]:
        assert secret not in text
    assert [line[1] for line in listing(cli_env, "--party", "0363")] == ["0363"]


def test_list_of_an_unknown_party_says_so(cli_env, parties):
    result = cli_env.invoke(main, ["token", "list", "--party", "99999999"])
    assert result.exit_code == 2 and "no party with code 99999999" in result.stderr


def test_rotation_new_token_works_before_the_old_is_revoked(cli_env, client, parties, move_clock):
    old = parties["provider"]
    assert postbus(client, old) == 200
    added = cli_env.invoke(main, ["provider", "add", "--agb", "12345678", "--name", "Zorg BV"])
    new = added.stdout.strip()
    assert added.exit_code == 0 and new != old
    move_clock(date(2026, 11, 24))  # the cli's group pinned its own day; the API runs on
    assert (postbus(client, new), postbus(client, old)) == (200, 200)  # both work: no gap
    zorg = listing(cli_env, "--party", "12345678")
    assert len(zorg) == 2 and all(line[6] == "active" for line in zorg)
    assert all(line[5].startswith("last used 20") for line in zorg)  # both seen in use
    old_id = zorg[0][3].split()[1]
    result = cli_env.invoke(main, ["token", "revoke", old_id])
    assert result.exit_code == 0, result.output
    assert f"token {old_id} of aanbieder 12345678 (Zorg BV) revoked; 1 active token(s) left" in result.stderr
    assert (postbus(client, new), postbus(client, old)) == (200, 401)
    assert listing(cli_env, "--party", "12345678")[0][6].startswith("revoked 20")


def test_revoke_unknown_or_twice_is_a_clear_error(cli_env, sessions, parties):
    result = cli_env.invoke(main, ["token", "revoke", "999999"])
    assert result.exit_code == 2 and "there is no token 999999" in result.stderr
    with sessions() as session:
        token_id = session.scalars(select(Token.id).order_by(Token.id)).first()
    assert cli_env.invoke(main, ["token", "revoke", str(token_id)]).exit_code == 0
    again = cli_env.invoke(main, ["token", "revoke", str(token_id)])
    assert again.exit_code == 1 and f"token {token_id} was already revoked" in again.stderr
    assert cli_env.invoke(main, ["token", "revoke", "abc"]).exit_code == 2


def test_revoking_the_last_token_warns(cli_env, sessions, parties):
    with sessions() as session:
        token_id = session.scalar(select(Token.id).order_by(Token.id.desc()))  # the gemeente's only token
    result = cli_env.invoke(main, ["token", "revoke", str(token_id)])
    assert result.exit_code == 0 and "warning: gemeente 0363 can no longer use the API" in result.stderr


def test_last_used_is_written_at_most_every_five_minutes(client, sessions, parties, move_clock):
    assert postbus(client, parties["other"]) == 200
    with sessions() as session:
        first = session.scalar(select(Token.laatst_gebruikt).where(Token.laatst_gebruikt.is_not(None)))
    assert first is not None
    assert postbus(client, parties["other"]) == 200
    with sessions() as session:
        assert session.scalar(select(Token.laatst_gebruikt).where(Token.laatst_gebruikt.is_not(None))) == first
    move_clock(date(2026, 11, 24))
    assert postbus(client, parties["other"]) == 200
    with unit_of_work(sessions) as session:
        assert session.scalar(select(Token.laatst_gebruikt).where(Token.laatst_gebruikt.is_not(None))) > first


def test_recording_a_use_needs_no_second_connection(database_url, parties):
    """With one pooled connection, a lookup that records the token's use still succeeds: a
    burst of requests each holding one connection and waiting for a second would starve
    the pool."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=1)
    try:
        with Session(engine) as session:
            assert authenticate(session, parties["provider"]).code == "12345678"
            session.commit()
        with Session(engine) as session:
            assert session.scalar(select(Token.laatst_gebruikt).where(Token.laatst_gebruikt.is_not(None)))
    finally:
        engine.dispose()
