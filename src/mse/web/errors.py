"""Every error becomes RFC 9457 problem+json (API) or an error page (UI) — mapped in this one place."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from mse.domain.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated, Unavailable, ValidationFailed
from mse.services.intake import IntakeRejected

PROBLEM_JSON = "application/problem+json"

_STATUS: list[tuple[type[DomainError], int]] = [
    (IntakeRejected, 422),  # the document is kept in quarantine; the sender is told why
    (ValidationFailed, 422),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (Unauthenticated, 401),
    (Unavailable, 503),  # e.g. the render pool restarted (issue 7, P7): retry later
]

_TITLES = {
    400: "Некорректный запрос",
    401: "Требуется аутентификация",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Слишком большой запрос",
    415: "Неподдерживаемый тип содержимого",
    422: "Ошибка в данных",
    429: "Слишком много запросов",
    500: "Внутренняя ошибка",
    503: "Сервис недоступен",
}

# Pydantic error types → Russian messages (the UI and API both show these to people).
_PYDANTIC_RU = {
    "missing": "Обязательное поле",
    "string_type": "Ожидается строка",
    "string_too_short": "Слишком короткое значение",
    "string_too_long": "Слишком длинное значение",
    "string_pattern_mismatch": "Значение не соответствует формату",
    "int_type": "Ожидается целое число",
    "int_parsing": "Ожидается целое число",
    "int_from_float": "Ожидается целое число",
    "bool_type": "Ожидается логическое значение (true/false)",
    "bool_parsing": "Ожидается логическое значение (true/false)",
    "date_type": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "date_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "date_from_datetime_inexact": "Ожидается дата без времени",
    "datetime_parsing": "Ожидается дата и время в формате ISO 8601",
    "enum": "Недопустимое значение",
    "literal_error": "Недопустимое значение",
    "list_type": "Ожидается список",
    "dict_type": "Ожидается объект",
    "model_type": "Ожидается объект",
    "model_attributes_type": "Ожидается объект",
    "extra_forbidden": "Неизвестное поле",
    "json_invalid": "Тело запроса не является корректным JSON",
    "json_type": "Ожидается JSON",
    "greater_than_equal": "Значение слишком мало",
    "less_than_equal": "Значение слишком велико",
    "greater_than": "Значение слишком мало",
    "less_than": "Значение слишком велико",
    "too_short": "Слишком мало элементов",
    "too_long": "Слишком много элементов",
    "value_error": "Недопустимое значение",
    "string_unicode": "Недопустимые символы в строке",
    "union_tag_invalid": "Недопустимое значение",
    "none_required": "Поле должно быть пустым",
}


def status_for(err: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(err, cls):
            return status
    return 400


def problem(status: int, code: str, detail: str, *, instance: str | None = None,
            errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:mse:problem:{code}",
        "title": _TITLES.get(status, "Ошибка"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def pydantic_errors_ru(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form")]
        etype = e.get("type", "value_error")
        msg = _PYDANTIC_RU.get(etype, "Недопустимое значение")
        ctx = e.get("ctx") or {}
        if etype == "value_error" and "error" in ctx:
            msg = str(ctx["error"])  # our own validators already speak Russian
        elif etype == "enum" and "expected" in ctx:
            msg = f"Недопустимое значение; допустимые: {ctx['expected']}"
        out.append({"field": ".".join(loc) or "body", "message": msg, "code": etype})
    return out


def wants_html(request: Request) -> bool:
    """Pages (and HTMX fragment requests, which send Accept: */*) get HTML; the API gets problem+json."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    if wants_html(request):
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            login = f"/login?next={quote(target)}"
            if request.headers.get("hx-request") == "true":  # htmx does not follow a 303 into a full page
                return Response(status_code=401, headers={"HX-Redirect": login})
            return RedirectResponse(login, status_code=303)
        return await _html_error(request, status, exc.message)
    errors = [{"field": p.field, "message": p.message, "code": p.code} for p in exc.problems]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, exc.code, exc.message, instance=request.url.path, errors=errors, headers=headers)


async def request_validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = pydantic_errors_ru(list(exc.errors()))
    if any(e["code"] == "json_invalid" for e in errors):
        return problem(400, "malformed_json", "Тело запроса не является корректным JSON", instance=request.url.path)
    return problem(422, "validation_failed", "Данные запроса заполнены с ошибками", instance=request.url.path, errors=errors)


_HTTP_CODES = {
    400: ("bad_request", "Некорректный запрос"),
    401: ("unauthenticated", "Требуется вход в систему"),
    403: ("forbidden", "Доступ запрещён"),
    404: ("not_found", "Страница или ресурс не найдены"),
    405: ("method_not_allowed", "Метод не поддерживается для этого адреса"),
    413: ("payload_too_large", "Размер запроса превышает допустимый"),
    415: ("unsupported_media_type", "Неподдерживаемый тип содержимого"),
}


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", "Ошибка запроса"))
    if isinstance(exc.detail, str) and exc.detail and exc.status_code not in _HTTP_CODES:
        message = exc.detail
    if wants_html(request):
        return await _html_error(request, exc.status_code, message)
    return problem(exc.status_code, code, message, instance=request.url.path, headers=getattr(exc, "headers", None))


async def integrity_error_handler(request: Request, exc: Exception) -> Response:
    # A unique/foreign-key race the service checks could not see (two clerks, same СНИЛС, same second).
    message = "Данные противоречат уже сохранённым (возможно, запись уже существует). Обновите данные и повторите."
    if wants_html(request):
        return await _html_error(request, 409, message)
    return problem(409, "integrity_conflict", message, instance=request.url.path)


async def signature_setup_handler(request: Request, exc: Exception) -> Response:
    return problem(503, "signature_setup", "Проверка электронной подписи не настроена на сервере: " + str(exc), instance=request.url.path)


async def unhandled_error_handler(request: Request, exc: Exception) -> Response:
    # The traceback is logged by the middleware; the client gets no internals.
    if wants_html(request):
        return await _html_error(request, 500, "Внутренняя ошибка. Обратитесь к администратору, указав номер запроса.")
    return problem(500, "internal_error", "Внутренняя ошибка сервера. Сообщите номер запроса администратору.",
                   instance=request.url.path)


async def _html_error(request: Request, status: int, message: str) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message,
                                                              "title": _TITLES.get(status, "Ошибка")}, status_code=status)
