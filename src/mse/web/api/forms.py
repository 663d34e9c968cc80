"""/api/v1/forms — official forms as data (form-as-data), for integrators building their МИС exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from mse.forms import available_forms, form_in_force, json_schema, load_form, schema_as_data
from mse.web.responses import ERRORS

router = APIRouter(prefix="/forms", tags=["формы"], responses=ERRORS)
FormName = Annotated[str, Path(pattern=r"^[a-z0-9\-]{1,40}$", description="Например, referral-088u")]


@router.get("", summary="Формы и их версии")
def list_forms() -> dict[str, list[str]]:
    return available_forms()


@router.get("/{name}", summary="Схема формы, действующая на дату (по умолчанию — сегодня)")
def get_form(name: FormName, on: date | None = None,
             version: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> dict[str, Any]:
    schema = load_form(name, version) if version else form_in_force(name, on or date.today())  # noqa: DTZ011 - a legal date, not an instant
    return schema_as_data(schema)


@router.get("/{name}/json-schema", summary="JSON Schema заполненной формы")
def get_json_schema(name: FormName, on: date | None = None) -> dict[str, Any]:
    return json_schema(form_in_force(name, on or date.today()))  # noqa: DTZ011
