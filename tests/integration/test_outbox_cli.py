"""`gateway outbox list|retry`: what an operator on call sees of failed work, and re-queues."""
from __future__ import annotations

import pytest

from gateway.cli import main
from gateway.db.models import Bericht, Outbox, Partij
from gateway.db.session import unit_of_work


@pytest.fixture
def cli(cli_env):
    return cli_env


@pytest.fixture
def failed(sessions) -> tuple[int, int]:
    with unit_of_work(sessions) as session:
        party = Partij(soort="aanbieder", code="12345678", naam="Zorg BV")
        session.add(party)
        session.flush()
        bericht = Bericht(richting="in", partij_id=party.id, berichttype="AGJ", status="accepted", niveau=0,
                          retourcodes=[], inhoud=b"<x/>", inhoud_sha256="x")
        session.add(bericht)
        session.flush()
        broken = Outbox(bericht_id=bericht.id, taak="verwerk_agj", status="mislukt", pogingen=10,
                        fout="UitgaandOngeldig: JW301 afgekeurd\nCD079 /Bericht/Client")
        fine = Outbox(bericht_id=bericht.id, taak="uitvoeren_besluit", status="done", pogingen=1)
        session.add_all([broken, fine])
        session.flush()
        return broken.id, fine.id


def test_list_shows_failed_work_with_its_error_on_one_line(cli, failed):
    broken, _fine = failed
    result = cli.invoke(main, ["outbox", "list"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{broken}\tverwerk_agj\t")
    assert "10 pogingen" in line and "UitgaandOngeldig: JW301 afgekeurd CD079" in line


def test_retry_queues_failed_work_again_and_refuses_other_ids(cli, failed, sessions):
    broken, fine = failed
    result = cli.invoke(main, ["outbox", "retry", str(broken)])
    assert result.exit_code == 0, result.output
    with sessions() as session:
        row = session.get(Outbox, broken)
        assert (row.status, row.pogingen, row.volgende_poging) == ("pending", 0, None)
    assert cli.invoke(main, ["outbox", "list"]).stdout == ""
    again = cli.invoke(main, ["outbox", "retry", str(fine), "999999"])
    assert again.exit_code == 1 and "0 of 2" in again.stderr
    with sessions() as session:
        assert session.get(Outbox, fine).status == "done"
