"""Running the ASGI app under uvicorn: one process, or one per core.

With several workers uvicorn binds the listening socket itself and hands it to the worker processes; that socket is
created with protocol 0, accepted connections inherit it, and asyncio then leaves Nagle's algorithm on (it sets
TCP_NODELAY only for sockets that report IPPROTO_TCP). Every keep-alive request after the first then waits for the
client's delayed ACK: ~44 ms per request, measured here (bench P3/P4 one-connection latencies; uvicorn issue #3149).
The listener is re-wrapped with the TCP protocol number, so accepted sockets get TCP_NODELAY as in the one-process path.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP_FACTORY = "mse.web.app:create_app"


class _TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


def run_workers(host: str, port: int, workers: int) -> None:
    """`workers` processes building the app from the MSE_* environment (the factory), sharing one listening socket."""
    config = _TcpConfig(APP_FACTORY, factory=True, workers=workers, host=host, port=port, log_level="warning",
                        proxy_headers=False)
    config.load_app()  # fail here, in the supervisor, on an app that cannot be built (as uvicorn.run does)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
