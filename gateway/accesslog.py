"""uvicorn's access log without personal data: a BSN must not end up in the process log.

A search of the back office's message log carries it in the query string (`/berichten?q=…`)
and the API's client trajectory in the path (`/api/v1/clienten/{bsn}/traject`); the access log
keeps the path without the query and masks that BSN. Everything else of the line stays.
"""
from __future__ import annotations

import copy
import logging
import re

from uvicorn.config import LOGGING_CONFIG

_CLIENT_PATH = re.compile(r"^(/api/v1/clienten/)[^/?]+")


class WithoutPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client address, method, full path, HTTP version, status)
        if isinstance(record.args, tuple) and len(record.args) == 5:
            address, method, path, version, status = record.args
            path = _CLIENT_PATH.sub(r"\1*", str(path).split("?", 1)[0])
            record.args = (address, method, path, version, status)
        return True


def log_config() -> dict:
    """uvicorn's own logging configuration with the filter on its access log."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_personal_data"] = {"()": WithoutPersonalData}
    config["handlers"]["access"].setdefault("filters", []).append("without_personal_data")
    return config
