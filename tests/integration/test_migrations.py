"""The Alembic migrations build exactly the models, on SQLite and on PostgreSQL."""
from __future__ import annotations

from alembic import command

from gateway.db.migrate import alembic_config


def test_models_and_migrations_agree(database_url):
    # Raises when autogenerate would find anything to change after `upgrade head`.
    command.check(alembic_config(database_url))
