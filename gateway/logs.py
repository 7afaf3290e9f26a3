"""Process logging: one JSON object per line (the default, for log shippers), or plain text
for a person at a terminal (`GATEWAY_LOG_FORMAT=text`).

Every line carries time (UTC, ISO 8601), level, logger, message and the correlation id
(`request_id`, null outside a request or task); whatever a caller passes as `extra` (the
access log's method, path, status, duration) becomes fields of its own. The same
configuration serves `gateway serve` (handed to uvicorn, whose own access log is off: the
gateway writes its own, see `gateway.accesslog`), `gateway worker` and `gateway beat`.
"""
from __future__ import annotations

import logging.config
import sys
from typing import IO, Any, Literal

from pythonjsonlogger.json import JsonFormatter

from gateway.correlation import RequestIdFilter

LogFormat = Literal["json", "text"]
TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _JsonLines(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(["levelname", "name", "message", "request_id"], timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)


class _TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        # RequestIdFilter, on every handler of ours, sets `request_id`; the stubs of LogRecord
        # know none of the attributes a filter or `extra=` adds.
        request_id = record.request_id  # type: ignore[attr-defined]
        return line.replace(" [None] ", " [-] ", 1) if request_id is None else line


def formatter(fmt: LogFormat) -> logging.Formatter:
    return _JsonLines() if fmt == "json" else _TextLines()


def handler(fmt: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler in the gateway's format with the correlation id on each record (tests
    attach one to read what the process would print)."""
    result = logging.StreamHandler(stream or sys.stderr)
    result.setFormatter(formatter(fmt))
    result.addFilter(RequestIdFilter())
    return result


def dict_config(fmt: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration; uvicorn takes it as its `log_config`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"gateway": {"()": formatter, "fmt": fmt}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "gateway", "filters": ["request_id"]}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's loggers hand their records to the root handler instead of their own
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # its access log has no duration and no correlation id: gateway.access replaces it
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure(fmt: LogFormat, level: str = "INFO") -> None:
    logging.config.dictConfig(dict_config(fmt, level))
