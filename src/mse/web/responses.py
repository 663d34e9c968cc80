"""Documented error responses shared by API routes (problem+json, RFC 9457)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str
    message: str
    code: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str = Field(description="Сообщение для человека на русском языке")
    code: str = Field(description="Машиночитаемый код ошибки")
    instance: str | None = None
    errors: list[FieldError] | None = None


def _p(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {"application/problem+json": {}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _p("Некорректный запрос"),
    401: _p("Требуется аутентификация"),
    403: _p("Доступ запрещён"),
    404: _p("Не найдено"),
    409: _p("Конфликт"),
    413: _p("Слишком большой запрос"),
    422: _p("Ошибка в данных"),
}
