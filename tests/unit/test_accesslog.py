"""The access log keeps no BSN (not from a search's query string, not from a client path) and
every line is one JSON object with the correlation id, method, path, status and duration."""
from __future__ import annotations

import io
import json
import logging
import logging.config

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import correlation, logs
from gateway.accesslog import RequestContext, log_config, masked_path


def test_query_strings_and_client_paths_are_left_out():
    assert masked_path("/berichten?q=999994323&status=accepted") == "/berichten"
    assert masked_path("/api/v1/clienten/999994323/traject") == "/api/v1/clienten/*/traject"
    assert masked_path("/api/v1/berichten/12") == "/api/v1/berichten/12"


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/{rest:path}")
    def anything(rest: str) -> dict:
        logging.getLogger("gateway.test").info("handling %s", rest)
        return {"request_id": correlation.current()}

    app.add_middleware(RequestContext)
    return app


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_line_is_json_with_its_id_and_without_the_bsn():
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with TestClient(_app()) as client:
            answer = client.get("/api/v1/clienten/999994323/traject?q=999994323",
                                headers={"X-Request-ID": "abc-123"})
    finally:
        root.removeHandler(handler)
    assert answer.headers["X-Request-ID"] == "abc-123" == answer.json()["request_id"]
    lines = [line for line in _lines(stream) if line["logger"].startswith("gateway.")]
    [access] = [line for line in lines if line["logger"] == "gateway.access"]
    assert {k: access[k] for k in ("level", "request_id", "method", "path", "status")} == {
        "level": "INFO", "request_id": "abc-123", "method": "GET", "path": "/api/v1/clienten/*/traject",
        "status": 200}
    assert "999994323" not in json.dumps(access)
    assert isinstance(access["duration_ms"], float) and access["time"].endswith("+00:00")
    [handling] = [line for line in lines if line["logger"] == "gateway.test"]
    assert handling["request_id"] == "abc-123"


def test_an_unacceptable_id_is_replaced_and_a_missing_one_made():
    with TestClient(_app()) as client:
        made = client.get("/x").headers["X-Request-ID"]
        for bad in ("a" * 65, "two words", "<script>", "", "-leading-dash", "ü".encode()):
            replaced = client.get("/x", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
            assert replaced != bad and len(replaced) == 32
        kept = client.get("/x", headers={"X-Request-ID": "A" * 64}).headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert kept == "A" * 64


def test_text_format_for_a_terminal():
    stream = io.StringIO()
    handler = logs.handler("text", stream)
    record = logging.LogRecord("gateway.x", logging.WARNING, __file__, 1, "hallo %s", ("wereld",), None)
    handler.handle(record)
    with correlation.bound("r-1"):
        handler.handle(logging.LogRecord("gateway.x", logging.INFO, __file__, 1, "met id", (), None))
    first, second = stream.getvalue().splitlines()
    assert first.endswith("WARNING gateway.x [-] hallo wereld")
    assert second.endswith("INFO gateway.x [r-1] met id")


def test_the_configuration_uvicorn_loads_silences_its_own_access_log():
    config = log_config("json")
    assert config["loggers"]["uvicorn.access"] == {"handlers": [], "propagate": False}
    logging.config.dictConfig(config)  # a configuration uvicorn can load
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
