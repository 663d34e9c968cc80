"""The only place that reads the environment (MSE_* variables; .env for development)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MSE_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | test | production")
    database_url: str = Field("sqlite:///var/mse.sqlite3", description="SQLAlchemy URL; SQLite (WAL) or postgresql+psycopg://")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1, le=64, description="Server processes (one per CPU core: one Python process uses one core)")
    session_hours: int = Field(8, description="Idle lifetime of a UI session (one working shift)")
    cookie_secure: bool | None = Field(None, description="Secure cookies; default: on unless bound to loopback")
    demo_accounts: bool = Field(True, description="Create the demo accounts (only ever on a loopback bind)")
    # Published in README on purpose: demo accounts only ever work on a loopback bind.
    demo_password: str = "demo-mse-2026"  # noqa: S105
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = Field(5 * 1024 * 1024, description="Largest accepted request body")
    max_document_bytes: int = Field(2 * 1024 * 1024, description="Largest accepted referral document (XML or JSON)")
    trusted_roots: Path = Field(
        Path("var/pki/trusted-roots.pem"),
        description="PEM bundle of the trusted root certificates (ГУЦ / аккредитованные УЦ) for signatures of senders",
    )
    bureau_signing_cert: Path = Field(Path("var/pki/bureau.crt"), description="Certificate the platform signs its notices with")
    bureau_signing_key: Path = Field(Path("var/pki/bureau.key"), description="Private key for that certificate")
    # Results out (the outbox worker). Endpoints: JSON object recipient -> URL, e.g.
    # MSE_DELIVERY_ENDPOINTS='{"sfr": "https://…/messages", "mo": "https://…"}' (recipients: mo sfr fri military epgu foms).
    delivery_endpoints: dict[str, str] = Field(default_factory=dict, description="URL of each recipient of outgoing messages")
    delivery_worker: bool = Field(False, description="Run the delivery worker in a background thread of `mse serve`")
    delivery_interval_seconds: float = Field(5.0, gt=0, description="Pause of the delivery worker when nothing is due")
    delivery_max_attempts: int = Field(8, ge=1, le=100, description="Attempts before a message becomes a dead letter")
    delivery_timeout_seconds: float = Field(10.0, gt=0, description="HTTP timeout of one delivery")
    peer_port: int = Field(8090, description="Port of the demonstration receiver that `mse run` starts on 127.0.0.1")
    # Notifications (issue 6): e-mail over SMTP, SMS through an HTTP gateway; the portal goes through delivery_endpoints["epgu"].
    smtp_host: str = Field("", description="SMTP server for notifications by e-mail (empty: e-mails wait in the outbox)")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port")
    smtp_from: str = Field("noreply@mse.local", description="Sender address of notification e-mails")
    smtp_starttls: bool = Field(False, description="Use STARTTLS on the SMTP connection")
    sms_gateway_url: str = Field("", description="URL of the SMS gateway (POST JSON {to, text})")
    escalation_emails: dict[str, str] = Field(default_factory=dict, description="Unit id -> e-mail of its head for overdue escalations")
    # Deferred audit chaining (issue 7, P11; docs/adr/0005): requests record events unchained, a background sealer of
    # `mse serve` chains them. Off only where another process seals (`mse audit seal`, another node).
    audit_sealer: bool = Field(True, description="Run the audit sealer in a background thread of `mse serve`")
    audit_seal_interval: float = Field(1.0, gt=0, le=3600, description="Seconds between passes of the audit sealer when idle")
    deadline_risk_working_days: int = Field(1, ge=0, le=30, description="«At risk»: at most this many working days left")
    # Result-document PDFs in processes outside the server process (issue 7, P7: in a request thread WeasyPrint holds the
    # GIL, p95 of the other requests ×14.7). None: 1 per server process under `mse serve` (as many render processes as
    # server processes, i.e. cores), 0 elsewhere (tests, CLI). 0 renders in the request thread.
    render_processes: int | None = Field(None, ge=0, le=64, description="Render processes per server process (0: in the request thread)")
    render_timeout_s: float = Field(60.0, gt=0, description="Longest wait for a decision's documents before HTTP 503 render_timeout")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.env == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("MSE_ENV=production requires PostgreSQL (MSE_DATABASE_URL=postgresql+psycopg://…)")
        if self.env == "production" and self.cookie_secure is False:
            raise ValueError("MSE_COOKIE_SECURE=false is refused in production")
        return self

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else not self.is_loopback

    @property
    def demo_accounts_allowed(self) -> bool:
        """Demo accounts with published passwords exist only on a loopback bind (README)."""
        return self.demo_accounts and self.is_loopback and self.env != "production"

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix):])
        return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
