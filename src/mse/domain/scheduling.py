"""Scheduling rules: service hours as dated policy, slots, forms and places of conducting, the 30-minute wait.

Pure: no I/O. Times of day are bureau-local (Moscow until per-region time zones arrive); moments are aware datetimes.
Sources: process.md §3.2 (forms of conducting), §3.6.6 (remote ICT, 316н), §4.5 DL-41/DL-42 (service hours, адм.
регламент п.43), DL-07 (wait ≤ 30 min, адм. регламент п.13); the codes are those of the protocol (389н прил.2 п.20, п.21).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from mse.domain.errors import DomainError, FieldProblem
from mse.domain.organisation import UnitKind
from mse.domain.ports import MOSCOW

SLOT_MINUTES = 30  # the booking grid; an examination takes one or more cells
WAIT_LIMIT = timedelta(minutes=30)  # DL-07, адм. регламент п.13


class Procedure(StrEnum):
    """What the examination is for: decides whether the remote form is lawful (316н п.3–4)."""

    PRIMARY = "primary"
    REEXAM = "reexam"
    APPEAL = "appeal"
    CONTROL = "control"
    CONSULTATION = "consultation"


PROCEDURE_LABELS: dict[Procedure, str] = {
    Procedure.PRIMARY: "первичное освидетельствование",
    Procedure.REEXAM: "повторное освидетельствование",
    Procedure.APPEAL: "обжалование решения",
    Procedure.CONTROL: "контроль решения вышестоящим бюро",
    Procedure.CONSULTATION: "консультация вышестоящего бюро",
}

# 389н прил.2 п.20 «Форма проведения медико-социальной экспертизы».
FORM_LABELS: dict[str, str] = {
    "20.1": "без личного присутствия гражданина",
    "20.2": "с личным присутствием гражданина",
    "20.3": "дистанционно с применением информационно-коммуникационных технологий",
    "20.4": "без личного присутствия и без доступа к персональным данным гражданина",
}
FORM_VALID_FROM: dict[str, date] = {"20.3": date(2023, 6, 1), "20.4": date(2024, 1, 1)}  # DL-47; 389н ред.

# 389н прил.2 п.21 «Место проведения медико-социальной экспертизы».
PLACE_LABELS: dict[str, str] = {
    "21.1": "по месту нахождения бюро (главного бюро, Федерального бюро)",
    "21.2": "по месту жительства (пребывания) гражданина, который не может явиться в бюро по состоянию здоровья",
    "21.3": "в медицинской организации, оказывающей медицинскую помощь в стационарной форме",
    "21.4": "в организации социального обслуживания (стационарная форма)",
    "21.5": "в образовательной организации, в которой гражданин находится под надзором",
    "21.6": "в иной организации",
    "21.7": "в исправительном учреждении",
    "21.8": "по месту нахождения главного бюро (Федерального бюро) дистанционно с применением ИКТ",
}
ROOM_PLACES = frozenset({"21.1", "21.8"})  # the citizen comes to the bureau: a room is booked


def address_of(place_code: str | None, place_text: str | None, unit_address: str | None) -> str:
    """Where the citizen goes (or is visited): the bureau's address when he comes to it, else the place the booking names."""
    if place_code in ROOM_PLACES:
        return unit_address or "—"
    return place_text or "по месту нахождения"
ABSENTEE_FORMS = frozenset({"20.1", "20.4"})  # no presence: no slot, no place, no invitation to come
REMOTE_PROCEDURES = frozenset({Procedure.APPEAL, Procedure.CONTROL, Procedure.CONSULTATION})  # 316н п.3–4


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    RESCHEDULED = "rescheduled"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


APPOINTMENT_STATUS_LABELS: dict[AppointmentStatus, str] = {
    AppointmentStatus.SCHEDULED: "назначено",
    AppointmentStatus.HELD: "проведено",
    AppointmentStatus.RESCHEDULED: "перенесено",
    AppointmentStatus.NO_SHOW: "неявка",
    AppointmentStatus.CANCELLED: "отменено",
}


def ensure_open(status: AppointmentStatus) -> None:
    """Only a scheduled appointment moves on; the others are history (process.md §10.2 G-1)."""
    if status is not AppointmentStatus.SCHEDULED:
        raise DomainError("appointment_closed", f"Запись уже закрыта (состояние: «{APPOINTMENT_STATUS_LABELS[status]}»)")


# ---------------------------------------------------------------------------------------------- service hours

@dataclass(frozen=True)
class HoursRule:
    """Service hours of one kind of institution on the given weekdays (0 = Monday), effective-dated."""

    kinds: frozenset[UnitKind]
    weekdays: frozenset[int]
    opens: time
    closes: time
    break_from: time | None
    break_to: time | None
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool


_AR_FROM = date(2011, 1, 20)  # адм. регламент in the edition registered 20.01.2011 (process.md §0.1)
_BUREAUS = frozenset({UnitKind.BUREAU, UnitKind.MAIN, UnitKind.COMPOSITION})
_FEDERAL = frozenset({UnitKind.FEDERAL})

HOURS_POLICY: tuple[HoursRule, ...] = (
    # DL-42: bureau and main bureau Mon–Fri 08:00–20:00; breaks by internal labour rules (none set here).
    HoursRule(_BUREAUS, frozenset(range(5)), time(8), time(20), None, None, _AR_FROM, None,
              "адм. регламент п.43 (process.md DL-42)", True),
    # DL-41: Federal bureau Mon–Thu 09:00–18:00, Fri 09:00–16:45, lunch 13:00–13:45.
    HoursRule(_FEDERAL, frozenset(range(4)), time(9), time(18), time(13), time(13, 45), _AR_FROM, None,
              "адм. регламент п.43 (process.md DL-41)", True),
    HoursRule(_FEDERAL, frozenset({4}), time(9), time(16, 45), time(13), time(13, 45), _AR_FROM, None,
              "адм. регламент п.43 (process.md DL-41)", True),
)


def hours_rule(kind: UnitKind, day: date, policy: tuple[HoursRule, ...] = HOURS_POLICY) -> HoursRule | None:
    for rule in policy:
        if (kind in rule.kinds and day.weekday() in rule.weekdays and rule.valid_from <= day
                and (rule.valid_to is None or day <= rule.valid_to)):
            return rule
    return None


def working_intervals(kind: UnitKind, day: date, policy: tuple[HoursRule, ...] = HOURS_POLICY) -> list[tuple[time, time]]:
    """Reception intervals of the day (the lunch break cut out); empty on days off (Sat, Sun — п.43)."""
    rule = hours_rule(kind, day, policy)
    if rule is None:
        return []
    if rule.break_from is None or rule.break_to is None:
        return [(rule.opens, rule.closes)]
    return [(rule.opens, rule.break_from), (rule.break_to, rule.closes)]


def minute_of(t: time) -> int:
    return t.hour * 60 + t.minute


def local_moment(day: date, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=MOSCOW).astimezone(UTC)


# ---------------------------------------------------------------------------------------------- slots

@dataclass(frozen=True)
class Availability:
    staff_id: int
    day: date
    from_minute: int
    to_minute: int


@dataclass(frozen=True)
class Room:
    id: int
    unit_id: int
    name: str
    accessible: bool


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    staff_id: int
    room_id: int | None

    @property
    def key(self) -> str:
        """The form value of this slot (one field of the scheduling page)."""
        return f"{self.starts_at.isoformat()}|{self.staff_id}|{self.room_id or ''}"


def cells(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    """The grid cells an appointment occupies: the unique key of the booking locks."""
    out, at = [], starts_at
    while at < ends_at:
        out.append(at)
        at += timedelta(minutes=SLOT_MINUTES)
    return out


def generate_slots(kind: UnitKind, day: date, rooms: list[Room], availability: list[Availability], busy: set[str],
                   *, with_room: bool = True, accessible_only: bool = False, minutes: int = SLOT_MINUTES) -> list[Slot]:
    """Free slots = service hours ∩ a specialist's availability, × a free room when the citizen comes to the bureau.

    `busy` holds occupied cells as "room:<id>@<iso>" / "staff:<id>@<iso>" (see `lock_keys`)."""
    hours = [(minute_of(a), minute_of(b)) for a, b in working_intervals(kind, day)]
    usable_rooms = [r for r in rooms if r.accessible or not accessible_only]
    slots: list[Slot] = []
    for av in sorted(availability, key=lambda a: (a.from_minute, a.staff_id)):
        if av.day != day:
            continue
        for h_from, h_to in hours:
            start, end = max(h_from, av.from_minute), min(h_to, av.to_minute)
            first = h_from + -(-(start - h_from) // minutes) * minutes  # align to the grid of the interval
            for m in range(first, end - minutes + 1, minutes):
                s, e = local_moment(day, m), local_moment(day, m + minutes)
                if any(f"staff:{av.staff_id}@{c.isoformat()}" in busy for c in cells(s, e)):
                    continue
                if not with_room:
                    slots.append(Slot(s, e, av.staff_id, None))
                    continue
                for room in usable_rooms:
                    if not any(f"room:{room.id}@{c.isoformat()}" in busy for c in cells(s, e)):
                        slots.append(Slot(s, e, av.staff_id, room.id))
    return sorted(slots, key=lambda x: (x.starts_at, x.staff_id, x.room_id or 0))


def lock_keys(starts_at: datetime, ends_at: datetime, staff_id: int | None, room_id: int | None) -> list[tuple[str, datetime]]:
    resources = [f"staff:{staff_id}"] * (staff_id is not None) + [f"room:{room_id}"] * (room_id is not None)
    return [(res, c) for res in resources for c in cells(starts_at, ends_at)]


def within_hours(kind: UnitKind, starts_at: datetime, ends_at: datetime) -> bool:
    local_s, local_e = starts_at.astimezone(MOSCOW), ends_at.astimezone(MOSCOW)
    if local_s.date() != local_e.date() and local_e.time() != time(0):
        return False
    s, e = minute_of(local_s.time()), minute_of(local_e.time())
    return any(minute_of(a) <= s and e <= minute_of(b) for a, b in working_intervals(kind, local_s.date()))


# ---------------------------------------------------------------------------------------------- form and place

@dataclass(frozen=True)
class Arrangement:
    procedure: Procedure
    form_code: str
    place_code: str | None
    on: date
    conclusion_ref: str | None = None  # заключение врачебной комиссии МО (21.2)
    place_text: str | None = None

    @property
    def needs_slot(self) -> bool:
        return self.form_code not in ABSENTEE_FORMS

    @property
    def needs_room(self) -> bool:
        return self.needs_slot and self.place_code in ROOM_PLACES


def check_arrangement(a: Arrangement) -> None:
    """Raise a coded error when the form or the place is not lawful for this examination."""
    problems: list[FieldProblem] = []
    if a.form_code not in FORM_LABELS:
        problems.append(FieldProblem("form_code", "Выберите форму проведения МСЭ (пункт 20 протокола)", "required"))
    elif a.form_code in FORM_VALID_FROM and a.on < FORM_VALID_FROM[a.form_code]:
        problems.append(FieldProblem("form_code", f"Форма «{FORM_LABELS[a.form_code]}» применяется с "
                                                  f"{FORM_VALID_FROM[a.form_code]:%d.%m.%Y}", "not_in_force"))
    if a.needs_slot and a.place_code not in PLACE_LABELS:
        problems.append(FieldProblem("place_code", "Выберите место проведения МСЭ (пункт 21 протокола)", "required"))
    if a.place_code == "21.6" and not (a.place_text or "").strip():
        problems.append(FieldProblem("place_text", "Укажите организацию, в которой проводится МСЭ (пункт 21.6)", "required"))
    if problems:
        raise DomainError("validation_failed", "Данные записи заполнены с ошибками", problems)
    remote = a.form_code == "20.3" or a.place_code == "21.8"
    if remote and a.procedure not in REMOTE_PROCEDURES:
        # 316н п.3–4 (process.md §3.2, §3.6.6): only appeals, control and consultations between bureau levels.
        raise DomainError("remote_not_allowed", "Дистанционная форма с применением ИКТ допускается только при обжаловании "
                          "решения, контроле вышестоящим бюро и консультации (приказ 316н п.3–4); для "
                          f"«{PROCEDURE_LABELS[a.procedure]}» она не применяется", [
                              FieldProblem("form_code", "Дистанционно проводятся только обжалование, контроль и "
                                                        "консультация (приказ 316н)", "remote_not_allowed")])
    if remote and not (a.form_code == "20.3" and a.place_code in ROOM_PLACES):
        raise DomainError("remote_place_mismatch", "При дистанционной форме гражданин находится в помещении бюро (главного "
                          "бюро): место — пункт 21.1 или 21.8 (приказ 316н п.7)",
                          [FieldProblem("place_code", "Выберите место 21.1 или 21.8", "remote_place_mismatch")])
    if a.place_code == "21.2" and a.needs_slot and not (a.conclusion_ref or "").strip():
        # 389н прил.2 п.21.2; адм. регламент п.48: at home only on the medical commission's conclusion.
        raise DomainError("home_requires_conclusion", "МСЭ на дому проводится при наличии заключения врачебной комиссии "
                          "медицинской организации о том, что гражданин не может явиться в бюро по состоянию здоровья",
                          [FieldProblem("conclusion_ref", "Укажите номер и дату заключения врачебной комиссии",
                                        "home_requires_conclusion")])


# ---------------------------------------------------------------------------------------------- waiting (DL-07)

def waited(appointed: datetime, arrived: datetime | None, started: datetime) -> timedelta:
    """Protocol items 3.1–3.3: the wait is counted from the later of «назначено» and «прибыл» — an early arrival
    does not count against the bureau, a late one restarts the count."""
    return started - max(appointed, arrived or appointed)


def wait_exceeded(appointed: datetime, arrived: datetime | None, started: datetime | None, *,
                  now: datetime | None = None, limit: timedelta = WAIT_LIMIT) -> bool:
    """True when the reception started (or, not yet started, `now` is) more than 30 minutes after the count began."""
    end = started or now
    return end is not None and waited(appointed, arrived, end) > limit
