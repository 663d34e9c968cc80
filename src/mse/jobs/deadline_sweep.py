"""The deadline sweep: once a day (cron / systemd timer: `mse deadlines sweep`), or any number of times — escalations
are written once per item and day. Time comes from the Clock port; the working-day calendar from the calendar module
(`calendar=`), by default the Russian production calendar with the administrator's overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Engine

from mse.adapters.calendar_ru import RussianCalendar
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.ports import Clock, SystemClock
from mse.services.calendar import working_calendar
from mse.services.deadline_control import DeadlineSource, SweepReport, sweep
from mse.services.scheduling_ports import WorkingDays


def run_sweep(engine: Engine, *, clock: Clock | None = None, calendar: WorkingDays | None = None, risk_working_days: int = 1,
              escalation_emails: Mapping[str, str] | None = None, sources: Sequence[DeadlineSource] = ()) -> SweepReport:
    emails = {str(k): v for k, v in (escalation_emails or {}).items()}
    with SqlAlchemyUnitOfWork(engine) as uow:
        days = calendar or working_calendar(uow, RussianCalendar)
        return sweep(uow, clock or SystemClock(), days, risk_working_days=risk_working_days,
                     head_email=lambda unit_id: emails.get(str(unit_id)) or uow.notices.head_email(unit_id), sources=sources)
