"""Several server processes share a listener bound by uvicorn; its accepted connections must have TCP_NODELAY, or every
keep-alive request waits ~44 ms for the client's delayed ACK (measured: /healthz 44 ms → 0.7 ms; uvicorn #3149)."""

from __future__ import annotations

import asyncio
import socket
import threading

from mse.web.server import APP_FACTORY, _TcpConfig


def test_accepted_connections_of_the_shared_listener_have_nodelay() -> None:
    config = _TcpConfig(APP_FACTORY, factory=True, workers=2, host="127.0.0.1", port=0)
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    seen: list[int] = []

    async def main() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    # In a thread of its own: another test's event loop (Playwright's) may be running in this one.
    worker = threading.Thread(target=asyncio.run, args=(main(),))
    worker.start()
    worker.join(timeout=10)
    listener.close()
    assert seen
    assert seen[0] != 0
