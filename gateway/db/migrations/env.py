"""Alembic environment: the URL comes from the caller (gateway.db.migrate), not an ini file."""
from alembic import context
from sqlalchemy import create_engine, pool

from gateway.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # The embedded Celery broker keeps its kombu_* tables in the same database: not ours.
    return not (type_ == "table" and name and name.startswith("kombu_"))


def run_migrations_offline() -> None:
    assert url is not None  # gateway.db.migrate.alembic_config sets it
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), include_object=_ours)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        assert url is not None  # gateway.db.migrate.alembic_config sets it
        connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          include_object=_ours)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
