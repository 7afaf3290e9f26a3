"""What one intake costs the database: every statement is a round trip on PostgreSQL, so the
count is kept down on purpose (docs/performance.md), and a change that adds one shows here."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import auth
from tests.support import edit, example, valid_bsns

URL = "/api/v1/berichten"


@pytest.fixture
def statements(app, client):
    """The SQL the app's engine runs, from the moment the test asks."""
    seen: list[str] = []
    engine = app.state.engine
    listener = lambda _c, _cur, statement, _p, _ctx, _many: seen.append(" ".join(statement.split()))
    event.listen(engine, "before_cursor_execute", listener)
    yield seen
    event.remove(engine, "before_cursor_execute", listener)


def _aanvraag(n: int) -> bytes:
    xml = edit(example("AGJ"), "VBAGJ0001", f"STMT{n:05d}")
    xml = edit(xml, "VB-REF-0001", f"STMT-REF-{n}")
    return edit(xml, "999994323", valid_bsns(n + 1)[n], count=-1)


def test_an_accepted_aanvraag_costs_nine_statements(client, parties, statements):
    headers = auth(parties["provider"])
    assert client.post(URL, content=_aanvraag(0), headers=headers).status_code == 202
    statements.clear()
    assert client.post(URL, content=_aanvraag(1), headers=headers).status_code == 202
    work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "SELECT pg_advisory"))]
    writes = [s.split(" (")[0].split(" SET")[0] for s in work if not s.startswith("SELECT")]
    # The message is inserted with its keys, its kenmerken, the client and the follow-up
    # task added, and the row updated once with verdict and answer.
    assert writes == ["INSERT INTO bericht", "INSERT INTO kenmerk", "INSERT INTO client",
                      "UPDATE bericht", "INSERT INTO outbox"], writes
    # The token, the replay check, the served municipality, and TR056, TR347 and TR374 in one.
    reads = [s for s in work if s.startswith("SELECT")]
    assert len(reads) == 4, reads
    assert any(" AS q0" in s and " AS q2" in s for s in reads), reads


def test_the_batched_questions_still_see_earlier_messages(client, parties):
    headers = auth(parties["provider"])
    assert client.post(URL, content=_aanvraag(0), headers=headers).status_code == 202
    # Another identificatie, the same reference and client: TR347 and TR374 fire.
    same_reference = edit(_aanvraag(0), "STMT00000", "STMT00009")
    answer = client.post(URL, content=same_reference, headers=headers)
    assert answer.status_code == 422
    assert b"9347" in answer.content and b"9374" in answer.content, answer.text
    # The same identificatie again (other bytes, another reference): TR056.
    same_identificatie = edit(_aanvraag(0), "STMT-REF-0", "STMT-REF-9")
    answer = client.post(URL, content=same_identificatie, headers=headers)
    assert answer.status_code == 422 and b"9056" in answer.content, answer.text
