"""A TCP forwarder on a free loopback port that a test can switch off and on: off closes the
listening socket and every open connection (the server "goes away", connecting is refused);
`hang` cuts the open connections and accepts new ones that never get an answer (a server or
network that swallows packets); on listens again and forwards, on the same port. Put in front of PostgreSQL it makes the database
unreachable for the application under test and nobody else."""
from __future__ import annotations

import socket
import threading


class TcpSwitch:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._hanging = False
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()

    def __enter__(self) -> TcpSwitch:
        self.on()
        return self

    def __exit__(self, *exc) -> None:
        self.off()

    def on(self) -> None:
        self.off()
        self._listen()

    def hang(self) -> None:
        self.off()
        self._hanging = True
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def off(self) -> None:
        self._hanging = False
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            _close(listener)  # shutdown first: a close alone does not wake the blocked accept()
        for connection in connections:
            _close(connection)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # switched off
            if self._hanging:
                with self._lock:
                    self._connections.append(client)  # held open, never answered
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(server)
                    return
                self._connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
