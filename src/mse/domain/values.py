"""Validated value objects: СНИЛС, ОГРН, full name, and name normalisation for search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_DIGITS = re.compile(r"\D")


def snils_checksum(first9: str) -> int:
    """Control number of a СНИЛС (ПФР rules): sum of digit*weight (weights 9..1), reduced mod 101.

    Sums < 100 are the checksum; 100 and 101 give 00; larger sums are taken mod 101 first.
    """
    total = sum(int(d) * w for d, w in zip(first9, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


@dataclass(frozen=True)
class Snils:
    """Страховой номер индивидуального лицевого счёта (389н п.15): 11 digits, last two a checksum."""

    digits: str

    @classmethod
    def parse(cls, raw: str) -> Snils:
        digits = _DIGITS.sub("", raw or "")
        if len(digits) != 11:
            raise ValueError("СНИЛС должен содержать 11 цифр (формат 123-456-789 01)")
        first9, control = digits[:9], int(digits[9:])
        # Numbers up to 001-001-998 are issued without a checksum rule (ПФР), so they are not checked.
        if int(first9) > 1001998 and snils_checksum(first9) != control:
            raise ValueError("Неверная контрольная сумма СНИЛС")
        return cls(digits)

    @property
    def formatted(self) -> str:
        d = self.digits
        return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"

    def __str__(self) -> str:
        return self.formatted


def make_snils(first9: str) -> Snils:
    """A valid СНИЛС from its first nine digits (used by synthetic data generators)."""
    return Snils(f"{first9}{snils_checksum(first9):02d}")


@dataclass(frozen=True)
class Ogrn:
    """ОГРН of a legal entity: 13 digits, the last = (first 12 mod 11) mod 10; ОГРНИП: 15 digits, mod 13."""

    digits: str

    @classmethod
    def parse(cls, raw: str) -> Ogrn:
        digits = _DIGITS.sub("", raw or "")
        if len(digits) == 13:
            ok = int(digits[:12]) % 11 % 10 == int(digits[12])
        elif len(digits) == 15:
            ok = int(digits[:14]) % 13 % 10 == int(digits[14])
        else:
            raise ValueError("ОГРН должен содержать 13 цифр (ОГРНИП — 15)")
        if not ok:
            raise ValueError("Неверное контрольное число ОГРН")
        return cls(digits)

    def __str__(self) -> str:
        return self.digits


def make_ogrn(first12: str) -> Ogrn:
    return Ogrn(f"{first12}{int(first12) % 11 % 10}")


def normalize_name(value: str) -> str:
    """Key for name search: case-insensitive and ё/е-insensitive, inner spaces collapsed."""
    return " ".join(value.replace("ё", "е").replace("Ё", "Е").casefold().split())


_NAME_RE = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' .\-]*$")


@dataclass(frozen=True)
class FullName:
    """Фамилия, имя, отчество (при наличии) — 389н п.4."""

    surname: str
    name: str
    patronymic: str | None = None

    @classmethod
    def parse(cls, surname: str, name: str, patronymic: str | None = None) -> FullName:
        parts = {"surname": surname.strip(), "name": name.strip()}
        for key, value in parts.items():
            if not value:
                raise ValueError(f"{'Фамилия' if key == 'surname' else 'Имя'} обязательно для заполнения")
            if not _NAME_RE.match(value):
                raise ValueError("Допустимы буквы, пробел, дефис, апостроф и точка")
        pat = (patronymic or "").strip() or None
        if pat is not None and not _NAME_RE.match(pat):
            raise ValueError("Допустимы буквы, пробел, дефис, апостроф и точка")
        return cls(parts["surname"], parts["name"], pat)

    @property
    def display(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def initials(self) -> str:
        tail = "".join(f"{p[0]}." for p in (self.name, self.patronymic) if p)
        return f"{self.surname} {tail}"


class Sex(StrEnum):
    """389н п.8."""

    MALE = "male"  # мужской
    FEMALE = "female"  # женский


SEX_LABELS = {Sex.MALE: "мужской", Sex.FEMALE: "женский"}
