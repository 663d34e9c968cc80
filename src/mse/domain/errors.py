"""Domain errors with stable machine codes and Russian messages.

Hierarchy:
* DomainError
  - ValidationFailed   (422) bad input; carries per-field problems
  - NotFound           (404) no such object, or not visible to the actor
  - Forbidden          (403) the actor may not do this
  - Conflict           (409) the object exists already / state forbids it
  - Unauthenticated    (401) no valid session or token
  - Unavailable        (503) the server cannot do it just now (e.g. the render pool restarted); nothing was saved

The HTTP status is mapped in one place (web/errors.py); the domain only names the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dotted path (e.g. "documents.0.number") and a Russian message."""

    field: str
    message: str
    code: str = "invalid"


@dataclass
class DomainError(Exception):
    code: str
    message: str
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(DomainError):
    def __init__(self, problems: list[FieldProblem], message: str = "Данные заполнены с ошибками") -> None:
        super().__init__("validation_failed", message, problems)


class NotFound(DomainError):
    def __init__(self, what: str, message: str) -> None:
        super().__init__(f"{what}_not_found", message)


class Forbidden(DomainError):
    def __init__(self, message: str = "Недостаточно прав для этого действия", code: str = "forbidden") -> None:
        super().__init__(code, message)


class Conflict(DomainError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


class Unauthenticated(DomainError):
    def __init__(self, message: str = "Требуется вход в систему", code: str = "unauthenticated") -> None:
        super().__init__(code, message)


class Unavailable(DomainError):
    """Nothing was changed and the same request may succeed later (issue 7: a render process crashed or timed out)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
