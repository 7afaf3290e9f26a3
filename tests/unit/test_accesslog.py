"""The access log keeps no BSN: not from a search's query string, not from a client path."""
from __future__ import annotations

import logging
import logging.config

from gateway.accesslog import WithoutPersonalData, log_config


def _line(path: str) -> str:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
    assert WithoutPersonalData().filter(record)
    return record.getMessage()


def test_query_strings_and_client_paths_are_left_out():
    assert _line("/berichten?q=999994323&status=accepted") == '127.0.0.1:5000 - "GET /berichten HTTP/1.1" 200'
    assert "999994323" not in _line("/api/v1/clienten/999994323/traject")
    assert _line("/api/v1/clienten/999994323/traject").endswith('"GET /api/v1/clienten/*/traject HTTP/1.1" 200')
    assert _line("/api/v1/berichten/12") == '127.0.0.1:5000 - "GET /api/v1/berichten/12 HTTP/1.1" 200'


def test_the_filter_sits_on_uvicorns_access_handler():
    config = log_config()
    assert "without_personal_data" in config["handlers"]["access"]["filters"]
    logging.config.dictConfig(config)  # a configuration uvicorn can load
