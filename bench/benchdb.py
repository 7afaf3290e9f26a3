"""A PostgreSQL database of a benchmark's own, built once by SQL generation and reused.

The benchmarks that need millions of rows generate them inside PostgreSQL (INSERT … SELECT
over generate_series) the first time and keep the database, so a second run only measures.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.db import maandtotalen
from gateway.db.migrate import upgrade

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class BenchDatabase:
    name: str

    @property
    def url(self) -> str:
        return SERVER.rsplit("/", 1)[0] + f"/{self.name}"

    @property
    def sqlalchemy_url(self) -> str:
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def ensure(self, *, count_sql: str, expected: int, what: str,
               generate: Callable[[psycopg.Connection], None], reset: bool = False) -> None:
        """Create and migrate the database, and fill it with `generate` unless `count_sql`
        already counts `expected` rows (another count means another size: --reset)."""
        with psycopg.connect(SERVER, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone()
            if exists and reset:
                admin.execute(f"DROP DATABASE {self.name} WITH (FORCE)")
                exists = None
            if not exists:
                admin.execute(f"CREATE DATABASE {self.name}")
        upgrade(self.sqlalchemy_url)
        with psycopg.connect(self.url) as conn:
            have = conn.execute(count_sql).fetchone()[0]
            if have == expected:
                return
            if have:
                raise SystemExit(f"{self.name} holds {have:,} {what}, not {expected:,}: run with --reset")
            started = time.perf_counter()
            generate(conn)
            conn.commit()
        # INSERT … SELECT bypasses the ORM, which keeps the finance report's month totals with
        # every write (gateway.db.maandtotalen): built here from what was generated.
        engine = create_engine(self.sqlalchemy_url)
        with engine.begin() as connection:
            maandtotalen.herbouw(connection)
        engine.dispose()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"generated {expected:,} {what} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
