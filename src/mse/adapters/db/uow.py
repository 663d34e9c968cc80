"""SqlAlchemyUnitOfWork: one connection, one transaction, repositories bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from mse.adapters.db.repositories.audit import AuditRepository
from mse.adapters.db.repositories.calendar import CalendarRepository
from mse.adapters.db.repositories.cases import CaseRepository
from mse.adapters.db.repositories.criteria import CriteriaRepository
from mse.adapters.db.repositories.decisions import DecisionRepository
from mse.adapters.db.repositories.identity import IdentityRepository
from mse.adapters.db.repositories.intake import IntakeRepository
from mse.adapters.db.repositories.notices import NoticeRepository
from mse.adapters.db.repositories.organisation import OrganisationRepository
from mse.adapters.db.repositories.outbox import OutboxRepository
from mse.adapters.db.repositories.people import PeopleRepository
from mse.adapters.db.repositories.protocols import ProtocolRepository
from mse.adapters.db.repositories.scheduling import SchedulingRepository
from mse.adapters.db.repositories.statistics import StatisticsRepository


class SqlAlchemyUnitOfWork:
    orgs: OrganisationRepository
    people: PeopleRepository
    identity: IdentityRepository
    audit: AuditRepository
    intake: IntakeRepository
    protocols: ProtocolRepository
    outbox: OutboxRepository
    decisions: DecisionRepository
    criteria: CriteriaRepository
    cases: CaseRepository
    calendar: CalendarRepository
    scheduling: SchedulingRepository
    notices: NoticeRepository
    statistics: StatisticsRepository

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        conn = self.engine.connect()
        conn.begin()
        self._conn = conn
        self.orgs = OrganisationRepository(conn)
        self.people = PeopleRepository(conn)
        self.identity = IdentityRepository(conn)
        self.audit = AuditRepository(conn)
        self.intake = IntakeRepository(conn)
        self.protocols = ProtocolRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.decisions = DecisionRepository(conn)
        self.criteria = CriteriaRepository(conn)
        self.cases = CaseRepository(conn)
        self.calendar = CalendarRepository(conn)
        self.scheduling = SchedulingRepository(conn)
        self.notices = NoticeRepository(conn)
        self.statistics = StatisticsRepository(conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._conn is not None
        try:
            self.rollback()
        finally:
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        assert self._conn is not None
        self.audit.flush()  # one INSERT into audit_pending, no chain-head lock: the sealer chains it (issue 7, ADR 0005)
        self._conn.commit()

    def rollback(self) -> None:
        if self._conn is not None:
            self.audit.discard()
            if self._conn.in_transaction():
                self._conn.rollback()
