"""Effective periods of legal content: every form version, rule and deadline is in force from a date, maybe to a date."""

from __future__ import annotations

from datetime import date


def in_force(valid_from: date, valid_to: date | None, day: date) -> bool:
    """Inclusive at both ends: an act in force «по 28.02.2025» still applies on that day."""
    return valid_from <= day and (valid_to is None or day <= valid_to)
