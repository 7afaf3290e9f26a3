"""What one intake costs the database: every statement is a round trip on PostgreSQL, so the
count is kept down on purpose (docs/performance.md), and a change that adds one shows here."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from gateway.db.session import unit_of_work
from gateway.intake.log import MessageLog
from gateway.rules.check import check_schema
from gateway.xml.safe import Limits
from gateway.xml.view import present
from tests.conftest import AGB, auth
from tests.support import edit, example, schemas, valid_bsns

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


def _jw315_with_products(count: int) -> bytes:
    """The JW315 example with `count` products, each with its own ReferentieAanbieder."""
    xml = example("JW315").decode("utf-8")
    start = xml.index("<jw315:AangevraagdProduct>")
    end = xml.index("</jw315:AangevraagdProduct>") + len("</jw315:AangevraagdProduct>")
    block = xml[start:end]
    assert "VB-REF-0003" in block
    products = "".join(block.replace("VB-REF-0003", f"MANY-{n}") for n in range(count))
    return (xml[:start] + products + xml[end:]).encode("utf-8")


def test_a_request_with_many_products_is_asked_within_a_statements_bounds(sessions, parties):
    # More references than SQLite (2000) or PostgreSQL (1664) take as columns of one SELECT
    # (the example's product is larger than a minimal one: the body limit is raised to read it).
    view = check_schema(_jw315_with_products(2100), schemas=schemas(), limits=Limits(max_bytes=4_000_000)).view
    assert view is not None and len(view.all_texts("ReferentieAanbieder")) == 2100
    with unit_of_work(sessions) as session:
        log = MessageLog(session, view)
        assert not log.referentie_used(AGB, "MANY-0")
        assert not log.referentie_used(AGB, "MANY-2099")  # beyond the batch: asked on its own
        assert not log.identificatie_used("JW315", AGB, present(view.identificatie))
