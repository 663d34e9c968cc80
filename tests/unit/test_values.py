"""СНИЛС, ОГРН and name normalisation: official examples plus properties over all inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mse.domain.values import FullName, Ogrn, Snils, make_ogrn, make_snils, normalize_name, snils_checksum

nine_digits = st.integers(min_value=1_001_999, max_value=999_999_999).map(lambda n: f"{n:09d}")


@pytest.mark.parametrize(("raw", "digits"), [
    ("112-233-445 95", "11223344595"),  # the textbook example of the ПФР checksum rule
    ("11223344595", "11223344595"),
    ("001-001-998 00", "00100199800"),  # numbers up to 001-001-998 carry no checksum
])
def test_valid_snils_is_accepted_in_any_layout(raw: str, digits: str) -> None:
    assert Snils.parse(raw).digits == digits


@pytest.mark.parametrize(("raw", "message"), [
    ("112-233-445 96", "контрольная сумма"),
    ("112-233-445", "11 цифр"),
    ("", "11 цифр"),
])
def test_invalid_snils_is_rejected_with_a_russian_reason(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Snils.parse(raw)


def test_checksum_rule_for_sums_of_100_and_over() -> None:
    # weights 9..1; sum 100 or 101 → 00; above 101 → mod 101 (and 100 after that → 00)
    assert snils_checksum("000000091") == 9 * 2 + 1 * 1  # sums under 100 are the checksum itself
    assert snils_checksum("920000003") == 0  # 81 + 16 + 3 = 100
    assert snils_checksum("920000004") == 0  # 101
    assert snils_checksum("999999999") == 405 % 101


@given(nine_digits)
def test_generated_snils_always_parses(first9: str) -> None:
    s = make_snils(first9)
    assert Snils.parse(s.formatted) == s


@given(nine_digits, st.integers(min_value=0, max_value=99))
def test_any_other_control_number_is_rejected(first9: str, control: int) -> None:
    if control == snils_checksum(first9):
        return
    with pytest.raises(ValueError, match="контрольная сумма"):
        Snils.parse(f"{first9}{control:02d}")


def test_ogrn_known_value_and_corruption() -> None:
    assert Ogrn.parse("1027700132195").digits == "1027700132195"  # ПАО Сбербанк
    with pytest.raises(ValueError, match="контрольное число"):
        Ogrn.parse("1027700132196")


@given(st.integers(min_value=10**11, max_value=10**12 - 1).map(str))
def test_generated_ogrn_always_parses(first12: str) -> None:
    assert Ogrn.parse(make_ogrn(first12).digits)


@pytest.mark.parametrize(("a", "b"), [("Ёлкин", "елкин"), ("  ПЁТР ", "петр"), ("Салтыков-Щедрин", "салтыков-щедрин")])
def test_name_search_key_ignores_case_and_yo(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_full_name_requires_surname_and_name_and_letters() -> None:
    assert FullName.parse(" Иванова ", "Анна", "").patronymic is None
    with pytest.raises(ValueError, match="Фамилия"):
        FullName.parse("", "Анна")
    with pytest.raises(ValueError, match="буквы"):
        FullName.parse("Иванова1", "Анна")


def test_address_line_does_not_repeat_a_federal_city() -> None:
    from mse.domain.people import Address, AddressKind

    moscow = Address(AddressKind.RESIDENCE, "Россия", "125009", "77", "г. Москва", "Москва", "7", street="ул. Тверская")
    village = Address(AddressKind.RESIDENCE, "Россия", None, "50", "Московская область", "Жаворонки", "3", rural=True)
    assert moscow.one_line == "125009, г. Москва, ул. Тверская, д. 7"
    assert village.one_line == "Московская область, с. Жаворонки, д. 3"
