"""HttpDelivery: the real HTTP client that hands outbox messages to the state systems.

One endpoint per recipient (ЕГИСЗ РЭМД for the МО, СФР, ФГИС ФРИ, военкомат, ЕПГУ, ТФОМС). The message is POSTed
as JSON with `Idempotency-Key: mse-outbox-<id>`: a redelivery after a lost acknowledgement (worker died, timeout
after the peer stored it) carries the same key, so the recipient can keep exactly one copy.

Classification (what the worker does next):
  2xx                                   -> delivered (the peer's receipt id is kept when it returns one)
  408, 429, 5xx, timeouts, no connection -> retryable (backoff)
  any other 4xx                         -> permanent (dead letter at once: resending the same bytes cannot help)
  no endpoint configured                -> retryable, with a Russian explanation for the operator
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from mse.services.delivery_ports import DeliveryResult, OutboundMessage, Outcome

RETRYABLE_STATUSES = frozenset({408, 429})
_RECEIPT_KEYS = ("receipt_id", "receipt", "id")
_BODY_EXCERPT = 200


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:_BODY_EXCERPT] + ("…" if len(text) > _BODY_EXCERPT else "")


def _receipt(response: httpx.Response) -> str | None:
    header = str(response.headers.get("x-receipt-id") or "")
    if header:
        return header[:200]
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in _RECEIPT_KEYS:
            value = body.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)[:200]
    return None


def classify(response: httpx.Response) -> DeliveryResult:
    code = response.status_code
    if 200 <= code < 300:
        return DeliveryResult(Outcome.DELIVERED, receipt=_receipt(response), status_code=code)
    detail = _excerpt(response)
    suffix = f": {detail}" if detail else ""
    if code in RETRYABLE_STATUSES or code >= 500:
        return DeliveryResult(Outcome.RETRYABLE, error=f"получатель временно не принял сообщение (HTTP {code}){suffix}",
                              status_code=code)
    if 400 <= code < 500:
        return DeliveryResult(Outcome.PERMANENT, error=f"получатель отклонил сообщение (HTTP {code}){suffix}", status_code=code)
    # 1xx/3xx: redirects are not followed (the address is configured, not discovered); try again later.
    return DeliveryResult(Outcome.RETRYABLE, error=f"неожиданный ответ получателя (HTTP {code})", status_code=code)


class HttpDelivery:
    """Transport port (services/delivery_ports.Transport) over httpx; one connection pool for all recipients."""

    def __init__(self, endpoints: Mapping[str, str], timeout: float = 10.0, *, client: httpx.Client | None = None) -> None:
        self.endpoints = {k: v for k, v in endpoints.items() if v}
        self.timeout = timeout
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                              headers={"User-Agent": "mse-outbox/1"})

    def send(self, message: OutboundMessage) -> DeliveryResult:
        url = self.endpoints.get(message.recipient)
        if not url:
            return DeliveryResult(Outcome.RETRYABLE, error=f"не настроен адрес получателя «{message.recipient}» "
                                                           "(переменная MSE_DELIVERY_ENDPOINTS)")
        body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": f"mse-outbox-{message.id}",
            "X-MSE-Topic": message.topic,
            "X-MSE-Message-Id": str(message.id),
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return DeliveryResult(Outcome.RETRYABLE, error=f"истекло время ожидания ответа получателя ({self.timeout:g} с)")
        except httpx.HTTPError as exc:
            # Connection refused, DNS, TLS, a bad address: the message itself is fine, the road is not.
            return DeliveryResult(Outcome.RETRYABLE, error=f"получатель недоступен: {type(exc).__name__}: {exc}"[:500])
        return classify(response)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpDelivery:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
