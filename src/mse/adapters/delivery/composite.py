"""CompositeTransport: the worker's one Transport, routing each outbox message by its recipient.

`email` -> SMTP, `sms` -> the SMS gateway (each a NotificationChannel, the payload holding address and text);
everything else (МО, СФР, ФРИ, военкомат, ЕПГУ — incl. the citizen's status events `notify.epgu`, ТФОМС) -> the
existing HTTP transport, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Protocol

from mse.services.delivery_ports import DeliveryResult, OutboundMessage, Outcome, Transport
from mse.services.notifications import Notice, NotificationChannel


class _Closeable(Protocol):
    def close(self) -> None: ...


class CompositeTransport:
    def __init__(self, fallback: Transport, channels: Mapping[str, NotificationChannel]) -> None:
        self.fallback = fallback
        self.channels = dict(channels)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        channel = self.channels.get(message.recipient)
        if channel is None:
            return self.fallback.send(message)
        payload = message.payload
        address = str(payload.get("to") or "")
        if not address:
            return DeliveryResult(Outcome.PERMANENT, error="в сообщении не указан адрес получателя")
        body = str(payload.get("body") or payload.get("text") or "")
        return channel.deliver(Notice(message.id, address, str(payload.get("subject") or ""), body))

    def close(self) -> None:
        for part in (self.fallback, *self.channels.values()):
            if hasattr(part, "close"):
                closeable: _Closeable = part
                closeable.close()

    def __enter__(self) -> CompositeTransport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
