"""Scheduling rules (pure): service hours DL-41/DL-42, slots, booking cells, 316н remote refusal, 21.2 conclusion,
the 30-minute wait counted from the arrival (DL-07, protocol items 3.1–3.3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mse.domain.errors import DomainError
from mse.domain.organisation import UnitKind
from mse.domain.ports import MOSCOW
from mse.domain.scheduling import (
    Arrangement,
    Availability,
    Procedure,
    Room,
    check_arrangement,
    generate_slots,
    local_moment,
    lock_keys,
    wait_exceeded,
    waited,
    within_hours,
    working_intervals,
)

MONDAY, FRIDAY, SATURDAY = date(2026, 3, 2), date(2026, 3, 6), date(2026, 3, 7)


def test_bureau_hours_are_monday_to_friday_eight_to_twenty() -> None:
    assert working_intervals(UnitKind.BUREAU, MONDAY) == [(time(8), time(20))]
    assert working_intervals(UnitKind.MAIN, FRIDAY) == [(time(8), time(20))]
    assert working_intervals(UnitKind.BUREAU, SATURDAY) == []


def test_federal_bureau_hours_have_lunch_and_a_short_friday() -> None:
    assert working_intervals(UnitKind.FEDERAL, MONDAY) == [(time(9), time(13)), (time(13, 45), time(18))]
    assert working_intervals(UnitKind.FEDERAL, FRIDAY) == [(time(9), time(13)), (time(13, 45), time(16, 45))]
    assert working_intervals(UnitKind.FEDERAL, date(2026, 3, 8)) == []


def test_within_hours_refuses_the_evening_and_the_lunch_break() -> None:
    assert within_hours(UnitKind.BUREAU, local_moment(MONDAY, 19 * 60 + 30), local_moment(MONDAY, 20 * 60))
    assert not within_hours(UnitKind.BUREAU, local_moment(MONDAY, 19 * 60 + 45), local_moment(MONDAY, 20 * 60 + 15))
    assert not within_hours(UnitKind.FEDERAL, local_moment(MONDAY, 13 * 60), local_moment(MONDAY, 13 * 60 + 30))


def test_slots_are_hours_times_availability_times_free_rooms() -> None:
    rooms = [Room(1, 10, "101", True), Room(2, 10, "102", False)]
    avail = [Availability(7, MONDAY, 7 * 60, 9 * 60)]  # 07:00–09:00, the bureau opens at 08:00
    slots = generate_slots(UnitKind.BUREAU, MONDAY, rooms, avail, set())
    starts = sorted({s.starts_at.astimezone(MOSCOW).time() for s in slots})
    assert starts == [time(8), time(8, 30)]
    assert len(slots) == 4  # two times × two rooms
    assert len(generate_slots(UnitKind.BUREAU, MONDAY, rooms, avail, set(), accessible_only=True)) == 2
    assert generate_slots(UnitKind.BUREAU, SATURDAY, rooms, [Availability(7, SATURDAY, 480, 600)], set()) == []


def test_a_booked_room_or_specialist_is_not_offered_again() -> None:
    rooms = [Room(1, 10, "101", True), Room(2, 10, "102", True)]
    avail = [Availability(7, MONDAY, 8 * 60, 9 * 60)]
    s, e = local_moment(MONDAY, 8 * 60), local_moment(MONDAY, 8 * 60 + 30)
    busy = {f"{res}@{cell.isoformat()}" for res, cell in lock_keys(s, e, None, 1)}
    slots = generate_slots(UnitKind.BUREAU, MONDAY, rooms, avail, busy)
    assert [(x.starts_at, x.room_id) for x in slots if x.starts_at == s] == [(s, 2)]
    busy_staff = {f"{res}@{cell.isoformat()}" for res, cell in lock_keys(s, e, 7, None)}
    assert all(x.starts_at != s for x in generate_slots(UnitKind.BUREAU, MONDAY, rooms, avail, busy_staff))


def test_an_hour_long_examination_holds_two_cells_of_the_room_and_of_the_specialist() -> None:
    s = local_moment(MONDAY, 10 * 60)
    keys = lock_keys(s, s + timedelta(hours=1), 7, 3)
    assert sorted(k for k, _ in keys) == ["room:3", "room:3", "staff:7", "staff:7"]
    # Two overlapping bookings share a cell: the unique (resource, cell_start) key refuses the second one.
    other = lock_keys(s + timedelta(minutes=30), s + timedelta(minutes=60), 8, 3)
    assert set(keys) & set(other)


def test_remote_ict_is_refused_for_a_primary_examination_316n() -> None:
    with pytest.raises(DomainError) as err:
        check_arrangement(Arrangement(Procedure.PRIMARY, "20.3", "21.8", MONDAY))
    assert err.value.code == "remote_not_allowed"
    assert "316н" in err.value.message
    with pytest.raises(DomainError) as err2:
        check_arrangement(Arrangement(Procedure.REEXAM, "20.2", "21.8", MONDAY))
    assert err2.value.code == "remote_not_allowed"


@pytest.mark.parametrize("procedure", [Procedure.APPEAL, Procedure.CONTROL, Procedure.CONSULTATION])
def test_remote_ict_is_allowed_for_appeal_control_and_consultation(procedure: Procedure) -> None:
    check_arrangement(Arrangement(procedure, "20.3", "21.8", MONDAY))
    with pytest.raises(DomainError) as err:  # 316н in force from 01.06.2023 (DL-47)
        check_arrangement(Arrangement(procedure, "20.3", "21.8", date(2023, 5, 31)))
    assert err.value.problems[0].code == "not_in_force"


def test_at_home_requires_the_medical_commission_conclusion() -> None:
    with pytest.raises(DomainError) as err:
        check_arrangement(Arrangement(Procedure.PRIMARY, "20.2", "21.2", MONDAY))
    assert err.value.code == "home_requires_conclusion"
    assert err.value.problems[0].field == "conclusion_ref"
    check_arrangement(Arrangement(Procedure.PRIMARY, "20.2", "21.2", MONDAY, conclusion_ref="ВК № 15 от 20.02.2026"))


def test_absentee_needs_no_slot_and_no_place() -> None:
    a = Arrangement(Procedure.PRIMARY, "20.1", None, MONDAY)
    check_arrangement(a)
    assert not a.needs_slot
    assert not a.needs_room
    with pytest.raises(DomainError) as err:
        check_arrangement(Arrangement(Procedure.PRIMARY, "20.2", None, MONDAY))
    assert err.value.problems[0].field == "place_code"


def _at(h: int, m: int) -> datetime:
    return datetime(2026, 3, 2, h, m, tzinfo=MOSCOW).astimezone(UTC)


def test_the_wait_is_counted_from_the_later_of_appointment_and_arrival() -> None:
    appointed = _at(10, 0)
    # Arrived late at 10:20, received at 10:45: 25 minutes of waiting, within the limit.
    assert waited(appointed, _at(10, 20), _at(10, 45)) == timedelta(minutes=25)
    assert not wait_exceeded(appointed, _at(10, 20), _at(10, 45))
    # Arrived early at 09:30, received at 10:31: the count starts at 10:00 — 31 minutes, over the limit.
    assert wait_exceeded(appointed, _at(9, 30), _at(10, 31))
    assert not wait_exceeded(appointed, _at(9, 30), _at(10, 30))
    # Not received yet: measured against now.
    assert wait_exceeded(appointed, _at(10, 5), None, now=_at(10, 36))
    assert not wait_exceeded(appointed, _at(10, 5), None, now=_at(10, 34))
