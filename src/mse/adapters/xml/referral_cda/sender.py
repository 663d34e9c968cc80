"""The sending medical organisation and its staff (SenderInfo, Staff, Address) with demo defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from mse.domain.values import make_ogrn, make_snils

# ---------------------------------------------------------------------------------------------- sender


@dataclass(frozen=True, slots=True)
class Address:
    """An address with the codes ред.6 requires (У1-3: region code, postal code, ФИАС)."""

    text: str
    postal_code: str
    region_code: str  # ФНСИ 1.2.643.5.1.13.13.99.2.206
    region_name: str
    aoguid: str
    houseguid: str | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    """A doctor of the sending МО (author, legal authenticator, member of the medical commission)."""

    family: str
    given: str
    patronymic: str | None
    snils: str
    position_code: str  # ФНСИ 1.2.643.5.1.13.13.11.1002
    position_name: str
    local_id: str

    @property
    def short_name(self) -> str:
        """ "Фамилия И.О." — how form 088/у names the commission."""
        return f"{self.family} {self.given[:1]}.{self.patronymic[:1] + '.' if self.patronymic else ''}"


def _demo_staff(n: int, family: str, given: str, patronymic: str, position: tuple[str, str]) -> Staff:
    return Staff(family, given, patronymic, make_snils(f"{112233440 + n:09d}").formatted, position[0], position[1], f"D{n:04d}")


# Demo staff: position codes of ФНСИ 1.2.643.5.1.13.13.11.1002 here are placeholders, not checked against the
# dictionary (ред.6 checks only that they are present); a real sender passes its own SenderInfo.
_THERAPIST = ("109", "врач-терапевт")
_DEMO_DOCTOR = _demo_staff(1, "Сергеева", "Анна", "Викторовна", _THERAPIST)
_DEMO_COMMISSION = (
    _DEMO_DOCTOR,
    _demo_staff(2, "Петров", "Павел", "Петрович", ("72", "заместитель руководителя (начальника) медицинской организации")),
    _demo_staff(3, "Кузнецова", "Ольга", "Ивановна", ("72", "врач-невролог")),
    _demo_staff(4, "Смирнов", "Игорь", "Олегович", ("72", "врач-хирург")),
)


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """The sending medical organisation and its staff: facts ред.6 needs beyond form 088/у (demo defaults)."""

    mo_oid: str = "1.2.643.5.1.13.13.12.2.77.7777"
    mo_name: str = "ГБУЗ «Городская поликлиника № 1»"
    mo_ogrn: str = field(default_factory=lambda: str(make_ogrn("102770000001")))
    mo_phone: str = "+7 (495) 000-00-01"
    mo_address: Address = Address(
        text="г. Москва, ул. Примерная, д. 1",
        postal_code="101000",
        region_code="77",
        region_name="г. Москва",
        aoguid="0c5b2444-70a0-4932-980c-b4dc0d3f02b5",
        houseguid=None,
    )
    mis_number: str = "1"  # the МИС number and its installation number in document OIDs (…100.<МИС>.<экз>.51)
    mis_instance: str = "1"
    doctor: Staff = _DEMO_DOCTOR  # author and legal authenticator
    staff: tuple[Staff, ...] = _DEMO_COMMISSION  # the commission named in the form, by short_name
    recipient_name: str = "ФКУ «Главное бюро медико-социальной экспертизы»"  # addressee bureau (У3-1 performer)
    service_event_code: str = "1"  # ФНСИ 1.2.643.5.1.13.13.99.2.726 (demo value, not checked against the dictionary)
    service_event_name: str = "Врачебная комиссия"

    def oid(self, suffix: str) -> str:
        return f"{self.mo_oid}.100.{self.mis_number}.{self.mis_instance}.{suffix}"

    def person(self, short_name: str) -> Staff | None:
        key = short_name.replace(" ", "")
        return next((s for s in (self.doctor, *self.staff) if s.short_name.replace(" ", "") == key), None)
