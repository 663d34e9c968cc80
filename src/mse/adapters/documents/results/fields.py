"""Typed access to one JSON object of the decision snapshot; every error names the member in Russian."""

from __future__ import annotations

from datetime import date
from typing import Any

from mse.domain.errors import FieldProblem, ValidationFailed


class SnapshotInvalid(ValidationFailed):
    """The snapshot lacks a required member or has one of the wrong type (HTTP 422, code decision_snapshot_invalid)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(
            [FieldProblem(path, message, "invalid")], f"Снимок решения непригоден для оформления документов: {message}"
        )
        self.code = "decision_snapshot_invalid"


_TYPE_NAMES = {str: "строка", int: "целое число", bool: "логическое значение", list: "массив", dict: "объект"}


class _Obj:
    """One JSON object with its dotted path: every accessor names the member in its error."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise SnapshotInvalid(path or "$", f"«{path or 'снимок'}» должен быть объектом JSON")
        self.value: dict[str, Any] = value
        self.path = path

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, kind: type, required: bool) -> Any:
        if key not in self.value or (self.value[key] is None and required):
            if required:
                raise SnapshotInvalid(self._key(key), f"нет обязательного поля «{self._key(key)}»")
            return None
        value = self.value[key]
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SnapshotInvalid(self._key(key), f"поле «{self._key(key)}» должно быть: {_TYPE_NAMES[kind]}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, True)
        if not value.strip():
            raise SnapshotInvalid(self._key(key), f"поле «{self._key(key)}» не заполнено")
        return value

    def opt_text(self, key: str) -> str | None:
        value: str | None = self._get(key, str, False)
        return value if value and value.strip() else None

    def integer(self, key: str) -> int:
        value: int = self._get(key, int, True)
        return value

    def opt_integer(self, key: str) -> int | None:
        value: int | None = self._get(key, int, False)
        return value

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, bool, True)
        return value

    def opt_flag(self, key: str) -> bool | None:
        value: bool | None = self._get(key, bool, False)
        return value

    def day(self, key: str) -> date:
        text = self.text(key)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise SnapshotInvalid(
                self._key(key), f"поле «{self._key(key)}» должно быть датой ГГГГ-ММ-ДД, получено «{text}»"
            ) from None

    def opt_day(self, key: str) -> date | None:
        return self.day(key) if self.opt_text(key) else None

    def obj(self, key: str) -> _Obj:
        return _Obj(self._get(key, dict, True), self._key(key))

    def opt_obj(self, key: str) -> _Obj | None:
        value = self._get(key, dict, False)
        return None if value is None else _Obj(value, self._key(key))

    def texts(self, key: str) -> tuple[str, ...]:
        values: list[Any] = self._get(key, list, True)
        if not all(isinstance(v, str) for v in values):
            raise SnapshotInvalid(self._key(key), f"поле «{self._key(key)}» должно быть массивом строк")
        return tuple(values)

    def opt_texts(self, key: str) -> tuple[str, ...]:
        return self.texts(key) if self.value.get(key) is not None else ()

    def objects(self, key: str) -> list[_Obj]:
        values: list[Any] = self._get(key, list, True)
        return [_Obj(v, f"{self._key(key)}[{n}]") for n, v in enumerate(values)]

    def require(self, key: str, reason: str) -> None:
        raise SnapshotInvalid(self._key(key), f"нет обязательного поля «{self._key(key)}» ({reason})")
