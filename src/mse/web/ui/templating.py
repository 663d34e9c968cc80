"""Jinja2 environment with the labels every page needs."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from mse.domain.identity import ROLE_LABELS
from mse.domain.organisation import POSITION_LABELS, PROFILE_LABELS, UNIT_KIND_LABELS
from mse.domain.people import ADDRESS_KIND_LABELS, CITIZENSHIP_LABELS, DOCUMENT_KIND_LABELS, REPRESENTATIVE_KIND_LABELS
from mse.domain.ports import MOSCOW
from mse.domain.values import SEX_LABELS, Snils
from mse.settings import Settings

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


def ru_date(value: date | datetime | str | None) -> str:
    """dd.mm.yyyy (Moscow time for moments); an ISO date string — as JSON documents carry dates — is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")
    return value.strftime("%d.%m.%Y")


def snils_fmt(value: str | None) -> str:
    return Snils(value).formatted if value else "—"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["ru_date"] = ru_date
    env.filters["snils"] = snils_fmt
    env.globals.update(
        ROLE_LABELS=ROLE_LABELS, POSITION_LABELS=POSITION_LABELS, PROFILE_LABELS=PROFILE_LABELS,
        UNIT_KIND_LABELS=UNIT_KIND_LABELS, SEX_LABELS=SEX_LABELS, CITIZENSHIP_LABELS=CITIZENSHIP_LABELS,
        DOCUMENT_KIND_LABELS=DOCUMENT_KIND_LABELS, ADDRESS_KIND_LABELS=ADDRESS_KIND_LABELS,
        REPRESENTATIVE_KIND_LABELS=REPRESENTATIVE_KIND_LABELS, demo_mode=settings.demo_accounts_allowed,
    )
    return templates
