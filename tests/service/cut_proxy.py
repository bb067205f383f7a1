"""A loopback TCP relay in front of a real PostgreSQL server, which can cut a connection at
its next ``COMMIT``: the network failing at the worst moment, for real, not a mock.

``Relay(url)`` listens on a free 127.0.0.1 port and relays every byte both ways; ``relay.url``
is ``url`` through it. ``cut_at_next_commit(after=True)`` forwards the next ``COMMIT`` to the
server, waits for the server to commit, then closes both sides before the reply reaches the
client: the transaction is committed and the client cannot know (what a 503 can hide).
``after=False`` closes before forwarding it: the server rolls the transaction back.
``hold()`` keeps the connections accepted from then on unrelayed until ``release()``: the
client stays in the middle of connecting (``waiting`` is set once one is), for as long as a
test needs.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

_COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # the simple-query message psycopg sends to commit
_SETTLE = 0.5  # seconds given to the server to commit before the connection is cut


class Relay:
    def __init__(self, url: str) -> None:
        found = re.search(r"@([\d.]+):(\d+)/", url)
        assert found, url
        self.target = (found[1], int(found[2]))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = url.replace(found[0], f"@127.0.0.1:{self.listener.getsockname()[1]}/")
        self._mode: bool | None = None  # None: relay; True/False: cut after/before COMMIT
        self._lock = threading.Lock()
        self.cuts = 0
        self._released = threading.Event()
        self._released.set()
        self.waiting = threading.Event()  # a connection is held
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_at_next_commit(self, *, after: bool) -> None:
        with self._lock:
            self._mode = after

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def _take_cut(self, chunk: bytes) -> bool | None:
        """The armed cut, disarmed, if ``chunk`` holds a ``COMMIT``; else None."""
        with self._lock:
            if self._mode is None or _COMMIT not in chunk:
                return None
            mode, self._mode = self._mode, None
            self.cuts += 1
            return mode

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self._released.is_set():
                self.waiting.set()
                self._released.wait()
            server = socket.create_connection(self.target)
            replies = threading.Event()  # cleared: the server's replies are dropped
            replies.set()
            threading.Thread(
                target=self._upstream, args=(client, server, replies), daemon=True
            ).start()
            threading.Thread(target=_pump, args=(server, client, replies), daemon=True).start()

    def _upstream(
        self, client: socket.socket, server: socket.socket, replies: threading.Event
    ) -> None:
        while chunk := _receive(client):
            after = self._take_cut(chunk)
            if after is not None:
                replies.clear()  # the client never hears how its COMMIT went
                if after:
                    server.sendall(chunk)
                    time.sleep(_SETTLE)
                _close(client, server)
                return
            try:
                server.sendall(chunk)
            except OSError:
                break
        _close(client, server)

    def close(self) -> None:
        self.listener.close()


def _receive(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _pump(source: socket.socket, sink: socket.socket, replies: threading.Event) -> None:
    while chunk := _receive(source):
        if not replies.is_set():
            break
        try:
            sink.sendall(chunk)
        except OSError:
            break
    _close(source, sink)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
