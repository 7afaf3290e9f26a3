"""Unit tests need no services (design §3): a unit test that asks for the database, the app or
a worker belongs in tests/integration, and collection stops here with its name."""
from __future__ import annotations

import pytest

SERVICE_FIXTURES = {"database_url", "engine", "sessions", "app", "client", "parties", "users",
                    "cli_env", "toewijzing_100001", "worker", "redis_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    using = sorted({item.nodeid.split("::")[0] for item in items
                    if str(item.path).find("/tests/unit/") != -1
                    and SERVICE_FIXTURES & set(getattr(item, "fixturenames", ()))})
    if using:
        raise pytest.UsageError("unit tests that use a database or the app (move them to "
                                f"tests/integration): {', '.join(using)}")
