"""No BSN, name or message text in any log: a full route (AGJ in, the decision as a worker
takes it, JW301 fetched and confirmed, JW305) with SQLAlchemy's statement log switched on
(INFO, as `echo=True`; DEBUG, as `echo="debug"`, which adds result rows) and every other
logger captured; then every captured line is searched for what the messages carried."""
from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from gateway.db.models import Client
from tests.regie import Start, message
from tests.route import fetch, post, postbus, request, retour_for, run_work, texts

BSN = "999994323"
NAMES = ("Zwanenburg", "Maximiliaan")  # the client's surname and first name, made distinctive
FRAGMENTS = ("vraagt ondersteuning na de scheiding", "vader is recent werkloos", "Damrak", "0688912471",
             "Aanvraagformulier", "StartProduct")


def _with_names(xml: bytes) -> bytes:
    return (xml.replace(b"<ijw:Achternaam>Wit<", f"<ijw:Achternaam>{NAMES[0]}<".encode())
            .replace(b"<ijw:Voornamen>Sem<", f"<ijw:Voornamen>{NAMES[1]}<".encode()))


def _assert_nothing_personal(text: str) -> None:
    for secret in (BSN, *NAMES, *FRAGMENTS):
        assert secret not in text, f"{secret!r} in the log:\n" + "\n".join(
            line for line in text.splitlines() if secret in line)[:2000]


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG], ids=["echo", "echo-debug"])
def test_a_full_route_logs_no_bsn_name_or_message_text(level, app, parties, published, caplog):
    caplog.set_level(logging.DEBUG)  # every logger of the gateway, uvicorn, Celery, httpx
    caplog.set_level(level, logger="sqlalchemy.engine")
    with TestClient(app) as client:
        agj = _with_names(request("AGJ", "LOG1"))
        assert NAMES[0].encode() in agj and NAMES[1].encode() in agj
        assert post(client, parties["provider"], agj).status_code == 202
        assert run_work(app, published) == ["done"]
        [item] = postbus(client, parties["provider"])
        jw301 = fetch(client, parties["provider"], item)
        assert texts(jw301, "//jw301:Client/jw301:Bsn") == [BSN]
        assert post(client, parties["provider"], retour_for(jw301)).status_code == 202
        [nummer] = texts(jw301, "//jw301:ToegewezenProduct/jw301:ToewijzingNummer")
        start = _with_names(message(Start(nummer=nummer, ingangsdatum="2026-09-15", begindatum="2026-09-21")))
        answer = post(client, parties["provider"], start)
        assert answer.status_code == 202, answer.text
        run_work(app, published)

    statements = [r for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert len(statements) > 50  # the statement log was really on
    _assert_nothing_personal(caplog.text)
    _assert_nothing_personal("\n".join(repr(r.args) for r in caplog.records))


def test_a_database_error_does_not_carry_the_statements_values(app, caplog):
    with TestClient(app), app.state.engine.connect() as connection:
        connection.execute(insert(Client).values(gemeente="0363", bsn=BSN))
        with pytest.raises(IntegrityError) as error:
            connection.execute(insert(Client).values(gemeente="0363", bsn=BSN))
    assert "parameters hidden" in str(error.value)
    _assert_nothing_personal(str(error.value))
