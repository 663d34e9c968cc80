"""Who is acting: roles and the actor a request runs as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REGISTRAR = "registrar"  # регистратор бюро: приём и регистрация
    EXPERT = "expert"  # специалист бюро (врач по МСЭ, психолог, реабилитолог…)
    HEAD = "head"  # руководитель бюро / главного бюро
    MAIN_EXPERT = "main_expert"  # эксперт главного бюро (экспертный состав)
    FEDERAL_EXPERT = "federal_expert"  # эксперт Федерального бюро
    MEDICAL_ORG = "medical_org"  # медицинская организация (пользователь или МИС)
    CITIZEN = "citizen"  # гражданин или его представитель
    AUDITOR = "auditor"  # аудитор безопасности: журнал доступа к персональным данным
    ADMIN = "admin"  # администратор: учётные записи и справочники, без доступа к ПДн


ROLE_LABELS: dict[Role, str] = {
    Role.REGISTRAR: "Регистратор бюро",
    Role.EXPERT: "Специалист бюро МСЭ",
    Role.HEAD: "Руководитель бюро",
    Role.MAIN_EXPERT: "Эксперт главного бюро",
    Role.FEDERAL_EXPERT: "Эксперт Федерального бюро",
    Role.MEDICAL_ORG: "Медицинская организация",
    Role.CITIZEN: "Гражданин",
    Role.AUDITOR: "Аудитор",
    Role.ADMIN: "Администратор",
}

STAFF_ROLES = frozenset({Role.REGISTRAR, Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT})


@dataclass(frozen=True)
class Actor:
    """The authenticated principal of one request or job.

    `scope_path` is the materialised path of the part of the institution tree the actor works in
    (resolved at login from the unit and the role); empty for actors outside the tree.
    """

    user_id: int
    login: str
    role: Role
    display_name: str
    unit_id: int | None = None
    scope_path: str = ""
    medical_org_id: int | None = None
    person_id: int | None = None
    channel: str = "ui"  # ui | api-token | cli
    ip: str | None = None


SYSTEM_ACTOR = Actor(user_id=0, login="system", role=Role.ADMIN, display_name="Система", channel="cli")
