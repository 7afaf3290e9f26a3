"""The Celery factory: broker choice and the settings the gateway's task design relies on."""
from __future__ import annotations

import pytest

from gateway.settings import Settings
from tasks.celery_app import broker_url, create_celery


@pytest.mark.parametrize("database_url", ["sqlite:////tmp/x.db", "sqlite+pysqlite:////tmp/x.db",
                                          "postgresql+psycopg://postgres@127.0.0.1:5432/test"])
def test_embedded_broker_lives_in_the_gateway_database_and_polls_quickly(database_url):
    settings = Settings(database_url=database_url, broker_url="")
    assert broker_url(settings).endswith(database_url)
    connection = create_celery(settings).connection_for_write()
    assert connection.transport.driver_type == "sql"
    # kombu's default of 1 s let one pool process run about one task a second
    assert connection.transport.polling_interval <= 0.1


def test_a_worker_retries_its_broker_for_ever_and_redis_waits_are_bounded():
    conf = create_celery(Settings(broker_url="redis://127.0.0.1:6379/0")).conf
    assert conf.broker_connection_retry and conf.broker_connection_max_retries is None
    assert conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert conf.broker_transport_options["socket_timeout"] <= 10


def test_redis_broker_when_configured():
    settings = Settings(broker_url="redis://127.0.0.1:6379/0")
    assert create_celery(settings).conf.broker_url == "redis://127.0.0.1:6379/0"


def test_tasks_survive_a_killed_pool_child_and_speak_json():
    conf = create_celery(Settings()).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_default_queue == "gateway"


def test_the_beat_runs_the_retention_purge_at_its_interval():
    from tasks.publishing import BEWAARTERMIJN_TASK

    app = create_celery(Settings(database_url="sqlite:///x.db", purge_interval_seconds=3600))
    assert app.conf.beat_schedule["bewaartermijn"] == {"task": BEWAARTERMIJN_TASK, "schedule": 3600}
    assert BEWAARTERMIJN_TASK in app.tasks
