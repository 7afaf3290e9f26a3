"""A new, empty database of the kind under test, for tests that must start from nothing:
a database of its own on the PostgreSQL test server (dropped afterwards), or a SQLite file."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


@contextmanager
def scratch_database(directory: Path, prefix: str, *, create_file: bool = False) -> Iterator[str]:
    """Its URL. On SQLite `create_file` makes the (empty) file exist already, as an existing
    database that was never migrated; else only its path is named."""
    url = os.environ.get("GATEWAY_TEST_DATABASE_URL")
    if not url:
        path = directory / f"{prefix}.db"
        if create_file:
            path.touch()
        yield f"sqlite:///{path}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = url.replace("postgresql+psycopg://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
