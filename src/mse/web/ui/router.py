"""The UI router: server-rendered pages (Jinja2 + HTMX), kept out of the OpenAPI schema."""

from __future__ import annotations

from fastapi import APIRouter

from mse.web.ui import (
    pages_audit,
    pages_auth,
    pages_bureau_setup,
    pages_cases,
    pages_deadlines,
    pages_decisions,
    pages_home,
    pages_institutions,
    pages_intake,
    pages_outbox,
    pages_persons,
    pages_protocols,
    pages_register,
    pages_schedule,
)

router = APIRouter(include_in_schema=False)
# /persons/new is registered before /persons/{id:int}; the converter keeps them apart anyway.
for module in (pages_auth, pages_home, pages_register, pages_persons, pages_institutions, pages_audit, pages_intake, pages_protocols,
               pages_decisions, pages_outbox, pages_deadlines, pages_schedule, pages_bureau_setup,
               pages_cases):
    router.include_router(module.router)
