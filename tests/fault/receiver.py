"""A provider's webhook endpoint on loopback that misbehaves on command: it hangs (longer than
the gateway's webhook timeout), answers 500, or answers 200; it keeps every request it got."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gateway.work import webhook_notices as webhooks
from tests.fault.harness import free_port

HANG, ERROR, OK = "hang", "500", "200"


@dataclass
class Delivery:
    at: float  # time.monotonic() when it arrived
    mode: str  # how it was answered
    bericht_id: int
    delivery: str  # X-Gateway-Delivery
    signed: bool  # X-Gateway-Signature matches the body and the provider's secret


class Receiver:
    def __init__(self, secret: str = "", hang_seconds: float = webhooks.TIMEOUT + 2) -> None:
        self.mode = OK
        self.secret = secret
        self.hang_seconds = hang_seconds
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/gateway-webhook"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                mode = receiver.mode
                signed = bool(receiver.secret) and self.headers.get("X-Gateway-Signature") == webhooks.sign(
                    body, receiver.secret)
                with receiver._lock:
                    receiver.deliveries.append(Delivery(time.monotonic(), mode, json.loads(body)["id"],
                                                        self.headers.get("X-Gateway-Delivery", ""), signed))
                if mode == HANG:
                    time.sleep(receiver.hang_seconds)  # the gateway has given up by now
                try:
                    self.send_response(200 if mode == OK else 500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # after a hang the gateway has closed the connection
                    pass

            def log_message(self, *_args) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)
