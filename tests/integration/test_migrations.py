"""The Alembic migrations build exactly the models, on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from gateway.db.migrate import alembic_config
from gateway.db.session import make_engine
from tests.scratch_database import scratch_database


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of the kind under test (a new PostgreSQL database on the test
    server, or a SQLite file), for migrating step by step."""
    with scratch_database(tmp_path, "scratch") as url:
        yield url


def test_models_and_migrations_agree(database_url):
    # Raises when autogenerate would find anything to change after `upgrade head`.
    command.check(alembic_config(database_url))


def test_0004_gives_every_client_of_an_accepted_message_an_id(scratch_database_url):
    """Upgrading a database with messages from before the back office: each (gemeente, BSN)
    of an accepted inbound message becomes a client row; downgrading removes them again."""
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "0003")
    engine = make_engine(scratch_database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO partij (id, soort, code, naam, aangemaakt_op) "
                                "VALUES (1, 'aanbieder', '12345678', 'Zorg', CURRENT_TIMESTAMP)"))
        for n, (soort, status, bsn) in enumerate([("JW305", "accepted", "999994323"),
                                                  ("JW307", "accepted", "999994323"),
                                                  ("JW315", "rejected", "999993653"),
                                                  ("JW302", "accepted", "999991772")]):
            connection.execute(text(
                "INSERT INTO bericht (richting, partij_id, berichttype, ontvanger, bsn, status, niveau, "
                "retourcodes, inhoud, inhoud_sha256, ontvangen_op) VALUES ('in', 1, :soort, '0363', :bsn, "
                ":status, 0, '[]', :inhoud, :sha, CURRENT_TIMESTAMP)"),
                {"soort": soort, "status": status, "bsn": bsn, "inhoud": b"<x/>", "sha": str(n)})
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT gemeente, bsn, gegevens FROM client")).all()
    assert rows == [("0363", "999994323", None)]
    command.downgrade(config, "0003")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM client")).scalar() == 0
    engine.dispose()


def test_0012_names_the_clients_known_before_it(scratch_database_url):
    """Upgrading a database whose clients have only their XML: the name columns are filled
    from it (shown, and folded for the search); a client without data keeps none."""
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "0011")
    engine = make_engine(scratch_database_url)
    b = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
    xml = (f'<Client xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema" xmlns:b="{b}"><Bsn>999993653</Bsn>'
           "<Naam><b:Geslachtsnaam><b:Achternaam>Meer</b:Achternaam><b:Voorvoegsel>van der</b:Voorvoegsel>"
           "</b:Geslachtsnaam><b:Voornamen>Zoë</b:Voornamen></Naam></Client>").encode()
    with engine.begin() as connection:
        for n, (bsn, gegevens) in enumerate([("999993653", xml), ("999994323", None)], start=1):
            connection.execute(text("INSERT INTO client (id, gemeente, bsn, gegevens, bijgewerkt_op) "
                                    "VALUES (:id, '0363', :bsn, :gegevens, CURRENT_TIMESTAMP)"),
                               {"id": n, "bsn": bsn, "gegevens": gegevens})
    command.upgrade(config, "0012")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT bsn, naam, zoeknaam FROM client ORDER BY id")).all()
    assert rows == [("999993653", "Zoë van der Meer", "zoe van der meer"), ("999994323", None, None)]
    command.downgrade(config, "0011")
    engine.dispose()
