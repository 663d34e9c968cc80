"""Russian names of audit event codes, object kinds and roles (unknown codes are shown as they are)."""

from __future__ import annotations

from mse.domain.identity import ROLE_LABELS, Role

ACTION_LABELS: dict[str, str] = {
    "session.login": "Вход в систему",
    "session.login_failed": "Неудачная попытка входа",
    "session.logout": "Выход",
    "person.read": "Просмотр карточки гражданина",
    "person.read.denied": "Отказ в доступе к карточке гражданина",
    "person.search": "Поиск граждан",
    "person.create": "Регистрация гражданина",
    "person.update": "Изменение сведений о гражданине",
    "person.update.denied": "Отказ в изменении сведений о гражданине",
    "audit.read": "Просмотр журнала аудита",
    "staff.list": "Просмотр списка сотрудников",
    "staff.read": "Просмотр сведений о сотруднике",
    "staff.create": "Добавление сотрудника",
    "unit.create": "Создание учреждения",
    "medical_org.create": "Добавление медицинской организации",
    "api_token.create": "Выпуск токена доступа",
    "demo.persons.load": "Загрузка демонстрационных сведений о гражданах",
    "demo.accounts.create": "Создание демонстрационных учётных записей",
}

KIND_LABELS: dict[str, str] = {
    "person": "Гражданин",
    "staff": "Сотрудники",
    "unit": "Учреждение",
    "medical_org": "Медицинская организация",
    "audit": "Журнал аудита",
    "api_token": "Токен доступа",
    "account": "Учётная запись",
    "session": "Сеанс",
    "demo": "Демонстрационные данные",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def kind_label(code: str) -> str:
    return KIND_LABELS.get(code, code)


# What an event without an object id was about (a search covers the registry, not one record).
_KIND_WHOLE = {"person": "Реестр граждан", "account": "Учётные записи"}


def object_label(kind: str, object_id: str | None) -> str:
    if object_id is None:
        return _KIND_WHOLE.get(kind, kind_label(kind))
    if kind == "session":  # sessions are recorded under the id of their account
        return f"Сеанс учётной записи № {object_id}"
    return f"{kind_label(kind)} № {object_id}"


def role_label(code: str) -> str:
    try:
        return ROLE_LABELS[Role(code)]
    except ValueError:
        return code
