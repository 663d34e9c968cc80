"""SmsGatewayChannel: SMS through an HTTP gateway (httpx POST of JSON {to, text}), the `NotificationChannel` port.

The outbox id travels as `Idempotency-Key: mse-outbox-<id>` so the gateway can drop a resend; answers are classified
as for the state systems (adapters/delivery/http.py: 2xx delivered, 408/429/5xx retryable, other 4xx permanent).
"""

from __future__ import annotations

import httpx

from mse.adapters.delivery.http import classify
from mse.services.delivery_ports import DeliveryResult, Outcome
from mse.services.notifications import Notice


class SmsGatewayChannel:
    def __init__(self, url: str, *, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                              headers={"User-Agent": "mse-notify/1"})

    def deliver(self, notice: Notice) -> DeliveryResult:
        if not self.url:
            return DeliveryResult(Outcome.RETRYABLE, error="не настроен адрес SMS-шлюза (переменная MSE_SMS_GATEWAY_URL)")
        try:
            response = self._client.post(self.url, json={"to": notice.address, "text": notice.body},
                                         headers={"Idempotency-Key": f"mse-outbox-{notice.message_id}"})
        except httpx.TimeoutException:
            return DeliveryResult(Outcome.RETRYABLE, error=f"истекло время ожидания ответа SMS-шлюза ({self.timeout:g} с)")
        except httpx.HTTPError as exc:
            return DeliveryResult(Outcome.RETRYABLE, error=f"SMS-шлюз недоступен: {type(exc).__name__}"[:500])
        return classify(response)

    def close(self) -> None:
        self._client.close()
