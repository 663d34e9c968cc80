"""The institutions of medico-social expertise and the medical organisations that refer to them.

Hierarchy (ПП 588; приказ Минтруда 979н о структуре учреждений МСЭ):
  Федеральное бюро ─┬─ экспертные составы Федерального бюро
                    └─ главное бюро по субъекту РФ ─┬─ экспертные составы главного бюро
                                                    └─ бюро (филиалы главного бюро) по профилям
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    FEDERAL = "federal"  # Федеральное бюро медико-социальной экспертизы
    MAIN = "main"  # главное бюро МСЭ по субъекту Российской Федерации
    BUREAU = "bureau"  # бюро МСЭ — филиал главного бюро
    COMPOSITION = "composition"  # экспертный состав главного бюро или Федерального бюро


UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.FEDERAL: "Федеральное бюро",
    UnitKind.MAIN: "Главное бюро",
    UnitKind.BUREAU: "Бюро — филиал главного бюро",
    UnitKind.COMPOSITION: "Экспертный состав",
}

# Which kind of unit may sit under which: the shape of the tree is a domain invariant.
ALLOWED_PARENTS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.FEDERAL: (),
    UnitKind.MAIN: (UnitKind.FEDERAL,),
    UnitKind.BUREAU: (UnitKind.MAIN,),
    UnitKind.COMPOSITION: (UnitKind.MAIN, UnitKind.FEDERAL),
}


class Profile(StrEnum):
    """Profiles of bureaus and expert compositions (специализация по профилю)."""

    GENERAL = "general"
    PSYCHIATRIC = "psychiatric"
    PAEDIATRIC = "paediatric"
    OPHTHALMIC = "ophthalmic"
    CARDIOLOGY = "cardiology"
    ONCOLOGY = "oncology"
    PHTHISIATRIC = "phthisiatric"
    NEUROLOGY = "neurology"
    TRAUMA = "trauma"
    MIXED = "mixed"


PROFILE_LABELS: dict[Profile, str] = {
    Profile.GENERAL: "общего профиля",
    Profile.PSYCHIATRIC: "психиатрического профиля",
    Profile.PAEDIATRIC: "педиатрического профиля",
    Profile.OPHTHALMIC: "офтальмологического профиля",
    Profile.CARDIOLOGY: "кардиологического профиля",
    Profile.ONCOLOGY: "онкологического профиля",
    Profile.PHTHISIATRIC: "фтизиатрического профиля",
    Profile.NEUROLOGY: "неврологического профиля",
    Profile.TRAUMA: "травматолого-ортопедического профиля",
    Profile.MIXED: "смешанного профиля",
}


class Position(StrEnum):
    """Staff positions of a bureau (ПП 588 п.26: решение принимается специалистами бюро)."""

    HEAD = "head"  # руководитель бюро (главного бюро, Федерального бюро) / экспертного состава
    EXPERT = "expert"  # врач по медико-социальной экспертизе
    PSYCHOLOGIST = "psychologist"  # психолог
    REHAB = "rehab"  # специалист по реабилитации (реабилитолог)
    SOCIAL = "social"  # специалист по социальной работе
    REGISTRAR = "registrar"  # регистратор (медицинский регистратор)


POSITION_LABELS: dict[Position, str] = {
    Position.HEAD: "руководитель бюро",
    Position.EXPERT: "врач по медико-социальной экспертизе",
    Position.PSYCHOLOGIST: "психолог",
    Position.REHAB: "специалист по реабилитации",
    Position.SOCIAL: "специалист по социальной работе",
    Position.REGISTRAR: "регистратор",
}


@dataclass(frozen=True)
class Region:
    """Субъект Российской Федерации (code as in ФИАС/ФНС region codes)."""

    code: str
    name: str


@dataclass(frozen=True)
class OrgUnit:
    id: int
    kind: UnitKind
    name: str
    short_name: str
    region_code: str | None
    parent_id: int | None
    path: str  # materialised path "/1/4/17/" so a subtree is a prefix match
    profile: Profile | None = None
    address: str | None = None

    def contains(self, other_path: str) -> bool:
        return other_path.startswith(self.path)


def child_path(parent: OrgUnit | None, unit_id: int) -> str:
    return f"{parent.path if parent else '/'}{unit_id}/"


def check_parent(kind: UnitKind, parent: OrgUnit | None) -> str | None:
    """Russian reason why `parent` cannot hold a unit of `kind`, or None if it can."""
    allowed = ALLOWED_PARENTS[kind]
    if not allowed:
        return None if parent is None else "Федеральное бюро не может входить в другое учреждение"
    if parent is None or parent.kind not in allowed:
        names = ", ".join(UNIT_KIND_LABELS[k].lower() for k in allowed)
        return f"{UNIT_KIND_LABELS[kind]} может входить только в: {names}"
    return None


@dataclass(frozen=True)
class MedicalOrganisation:
    """Медицинская организация, направляющая на МСЭ (форма 088/у)."""

    id: int
    name: str
    ogrn: str
    region_code: str
    address: str | None = None


@dataclass(frozen=True)
class StaffMember:
    id: int
    unit_id: int
    position: Position
    surname: str
    name: str
    patronymic: str | None
    email: str | None = None  # work address (escalations of overdue terms to the head)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)
