"""SmtpChannel: notifications by e-mail over real SMTP (smtplib), the `NotificationChannel` port.

Each letter carries `Message-ID: <mse-outbox-<id>@<domain>>`: a resend after a lost acknowledgement (the worker died
after the server accepted the letter) has the same id, so mail systems and the citizen's client can fold the copy.
Classification: 2xx accepted -> delivered; 4xx replies, timeouts, refused connections -> retryable; 5xx replies
(mailbox does not exist, sender refused) -> permanent.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from mse.services.delivery_ports import DeliveryResult, Outcome
from mse.services.notifications import Notice

SENDER_NAME = "Бюро медико-социальной экспертизы"


class SmtpChannel:
    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 10.0, starttls: bool = False,
                 username: str | None = None, password: str | None = None) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.starttls, self.username, self.password = starttls, username, password

    def message(self, notice: Notice) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((SENDER_NAME, self.sender))
        msg["To"] = notice.address
        msg["Subject"] = notice.subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        domain = self.sender.partition("@")[2] or "mse.local"
        msg["Message-ID"] = f"<mse-outbox-{notice.message_id}@{domain}>"
        msg.set_content(notice.body)  # UTF-8, Cyrillic encoded by the email package
        return msg

    def deliver(self, notice: Notice) -> DeliveryResult:
        if not self.host:
            return DeliveryResult(Outcome.RETRYABLE, error="не настроен почтовый сервер (переменная MSE_SMTP_HOST)")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(self.message(notice))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return self._failed(min(codes) if codes else 550, "адрес получателя отклонён почтовым сервером")
        except smtplib.SMTPResponseException as exc:
            return self._failed(exc.smtp_code, "почтовый сервер не принял письмо")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(Outcome.RETRYABLE, error=f"почтовый сервер недоступен: {type(exc).__name__}"[:500])
        if refused:
            return self._failed(550, "адрес получателя отклонён почтовым сервером")
        return DeliveryResult(Outcome.DELIVERED, receipt=f"mse-outbox-{notice.message_id}", status_code=250)

    @staticmethod
    def _failed(code: int, text: str) -> DeliveryResult:
        outcome = Outcome.RETRYABLE if 400 <= code < 500 else Outcome.PERMANENT
        return DeliveryResult(outcome, error=f"{text} (SMTP {code})", status_code=code)
