"""SQLAlchemy Core tables. Personal data (persons_*) live in their own tables (DESIGN.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)

# Deterministic constraint names: Alembic batch mode on SQLite needs them to alter tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware: every timestamp is written in UTC, and SQLite
    (unlike PostgreSQL) hands it back naive — so nobody downstream has to patch the zone in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


TS = UtcDateTime()

regions = Table(
    "regions",
    metadata,
    Column("code", String(2), primary_key=True),
    Column("name", String(200), nullable=False),
)

org_units = Table(
    "org_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(500), nullable=False),
    Column("short_name", String(200), nullable=False),
    Column("region_code", String(2), ForeignKey("regions.code"), nullable=True),
    Column("parent_id", Integer, ForeignKey("org_units.id"), nullable=True),
    Column("path", String(200), nullable=False, index=True),
    Column("profile", String(32), nullable=True),
    Column("address", String(500), nullable=True),
    UniqueConstraint("short_name", name="uq_org_units_short_name"),
)

medical_orgs = Table(
    "medical_orgs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(500), nullable=False),
    Column("ogrn", String(15), nullable=False, unique=True),
    Column("region_code", String(2), ForeignKey("regions.code"), nullable=False),
    Column("address", String(500), nullable=True),
    # The bureau the organisation is attached to for referrals (прикрепление); routing default.
    Column("bureau_id", Integer, ForeignKey("org_units.id"), nullable=True),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("org_units.id"), nullable=False, index=True),
    Column("position", String(32), nullable=False),
    Column("surname", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("patronymic", String(100), nullable=True),
    Column("email", String(200), nullable=True),  # work address: escalations of overdue terms to the head (АР п.8)
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=True),
    Column("role", String(32), nullable=False),
    Column("display_name", String(300), nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=True),
    Column("unit_id", Integer, ForeignKey("org_units.id"), nullable=True),
    Column("medical_org_id", Integer, ForeignKey("medical_orgs.id"), nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    # Only the SHA-256 of the cookie value is stored: a DB leak does not leak live sessions.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("ip", String(64), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),
)

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("surname", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("patronymic", String(100), nullable=True),
    # Search keys: casefolded, ё→е (values.normalize_name); maintained by the repository.
    Column("surname_key", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("patronymic_key", String(100), nullable=True),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column("citizenship", String(16), nullable=False),
    Column("snils", String(11), nullable=True, unique=True),
    Column("homeless", Boolean, nullable=False, default=False),
    Column("phone_home", String(32), nullable=True),
    Column("phone_mobile", String(32), nullable=True),
    Column("email", String(200), nullable=True),
    Column("bureau_id", Integer, ForeignKey("org_units.id"), nullable=True, index=True),
    Column("source_org_id", Integer, ForeignKey("medical_orgs.id"), nullable=True, index=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_persons_surname_key_birth_date", "surname_key", "birth_date"),
)

person_documents = Table(
    "person_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("series", String(20), nullable=True),
    Column("number", String(40), nullable=False),
    Column("issued_by", String(500), nullable=True),
    Column("issue_date", Date, nullable=True),
)

person_addresses = Table(
    "person_addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("country", String(100), nullable=False),
    Column("postal_code", String(6), nullable=True),
    Column("region_code", String(2), ForeignKey("regions.code"), nullable=True),
    Column("region", String(200), nullable=False),
    Column("district", String(200), nullable=True),
    Column("settlement", String(200), nullable=False),
    Column("rural", Boolean, nullable=False, default=False),
    Column("street", String(200), nullable=True),
    Column("house", String(50), nullable=False),
    Column("apartment", String(20), nullable=True),
)

person_representatives = Table(
    "person_representatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("surname", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("patronymic", String(100), nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("document", JSON, nullable=True),
    Column("authority_document", String(500), nullable=True),
    Column("snils", String(11), nullable=True),
    Column("contacts", JSON, nullable=True),
    Column("organisation_name", String(500), nullable=True),
    Column("organisation_ogrn", String(15), nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False, index=True),
    Column("actor_user_id", Integer, nullable=True, index=True),
    Column("actor_login", String(100), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("action", String(64), nullable=False, index=True),
    Column("object_kind", String(32), nullable=False),
    Column("object_id", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("details", JSON, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_object", "object_kind", "object_id"),
)

# One row: the head of the audit chain. The sealer locks it (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises
# writers anyway), which makes `seq` dense and the chain linear (ADR 0005: requests record into `audit_pending`).
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)


# ---------------------------------------------------------------- intake (issue 3)

# Every received document, byte for byte, with its SHA-256, stored before the answer is sent
# (DESIGN.md §4). Documents that could not be read or verified stay here as «quarantined».
incoming_documents = Table(
    "incoming_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", TS, nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("filename", String(300), nullable=True),
    Column("sender_ogrn", String(15), nullable=True, index=True),
    Column("sender_org_id", Integer, ForeignKey("medical_orgs.id"), nullable=True),
    Column("document_id", String(200), nullable=True),
    Column("body", LargeBinary, nullable=False),
    Column("body_sha256", String(64), nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("signature", LargeBinary, nullable=True),
    Column("signature_sha256", String(64), nullable=True),
    Column("status", String(16), nullable=False, index=True),
    Column("problem_code", String(64), nullable=True),
    Column("problem_message", String(2000), nullable=True),
    Column("problem_details", JSON, nullable=True),
    Column("submitted_by", Integer, ForeignKey("users.id"), nullable=True),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    # Registration number and date in the incoming journal; they become the protocol's number and date.
    Column("number", String(40), nullable=False, unique=True),
    Column("registered_on", Date, nullable=False),
    Column("bureau_id", Integer, ForeignKey("org_units.id"), nullable=False, index=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True, index=True),
    Column("state", String(32), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("purposes", JSON, nullable=False),
    Column("priority_rank", Integer, nullable=False, default=0),
    Column("due_invitation", Date, nullable=True),
    Column("due_decision", Date, nullable=True),
    Column("invited_on", Date, nullable=True),  # DL-04 met: the first booking / invitation (migration 0012)
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

case_history = Table(
    "case_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("from_state", String(32), nullable=True),
    Column("to_state", String(32), nullable=False),
    Column("actor_user_id", Integer, nullable=True),
    Column("reason", String(500), nullable=True),
)

registration_counters = Table(
    "registration_counters",
    metadata,
    Column("bureau_id", Integer, ForeignKey("org_units.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incoming_id", Integer, ForeignKey("incoming_documents.id"), nullable=False, unique=True),
    Column("sender_org_id", Integer, ForeignKey("medical_orgs.id"), nullable=False, index=True),
    # Idempotency: the same document id from the same sender is one referral (concurrent twins race here).
    Column("document_id", String(200), nullable=False),
    Column("bureau_id", Integer, ForeignKey("org_units.id"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("form_version", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("patient_key", String(300), nullable=False, index=True),
    Column("patient_snils", String(11), nullable=True, index=True),
    Column("patient_name", String(300), nullable=False),
    # Search key: casefolded surname, ё→е (values.normalize_name), so search works on SQLite and PostgreSQL alike.
    Column("patient_surname_key", String(100), nullable=False, index=True),
    Column("patient_birth_date", Date, nullable=True),
    Column("protocol_number", String(50), nullable=True),
    Column("protocol_date", Date, nullable=True),
    Column("diagnosis_icd", String(10), nullable=True),
    Column("priorities", JSON, nullable=False),
    Column("priority_rank", Integer, nullable=False, default=0),
    Column("signature_valid", Boolean, nullable=True),
    Column("signer_subject", String(500), nullable=True),
    Column("signer_ogrn", String(15), nullable=True),
    Column("signing_time", TS, nullable=True),
    Column("checks", JSON, nullable=False),
    Column("content_failures", Integer, nullable=False, default=0),
    Column("received_at", TS, nullable=False, index=True),
    Column("decided_at", TS, nullable=True),
    Column("decided_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("registration_number", String(40), nullable=True, unique=True),
    Column("registration_date", Date, nullable=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=True),
    Column("duplicate_of_id", Integer, ForeignKey("referrals.id"), nullable=True),
    UniqueConstraint("sender_org_id", "document_id", name="uq_referrals_sender_document"),
)

referral_returns = Table(
    "referral_returns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("referral_id", Integer, ForeignKey("referrals.id"), nullable=False, unique=True),
    Column("reasons", JSON, nullable=False),
    # The notice (СЭМД «Уведомление о причинах возврата направления» ред.2 structure), signed.
    Column("notice", LargeBinary, nullable=False),
    Column("notice_sha256", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
)

# Transactional outbox: written in the same transaction as the change, delivered by a worker.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("topic", String(64), nullable=False, index=True),
    Column("aggregate", String(32), nullable=False),
    Column("aggregate_id", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("available_at", TS, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("delivered_at", TS, nullable=True),
    Column("last_error", String(2000), nullable=True),
    Column("dead", Boolean, nullable=False, default=False),
    # Delivery (migration 0005): who receives it, by when the law wants it there, the worker's lease.
    Column("recipient", String(32), nullable=True),
    Column("due_on", Date, nullable=True),
    Column("deadline", String(400), nullable=True),
    Column("claimed_until", TS, nullable=True),
    Column("last_attempt_at", TS, nullable=True),
    Index("ix_outbox_pending", "delivered_at", "available_at"),
)

# «Перечень медицинских обследований…» (402н/631н; ФНСИ 1.2.643.5.1.13.13.99.2.857): administrator-loadable.
exam_requirements = Table(
    "exam_requirements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("icd_ranges", String(500), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(500), nullable=False),
    Column("basic", Boolean, nullable=False),
    Column("section", String(8), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("source", String(300), nullable=False),
    Column("loaded_at", TS, nullable=False),
)

# The protocol of MSE (389н): one per case; the document keyed by item code, its edits and signatures.
protocols = Table(
    "protocols",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("form", String(40), nullable=False),
    Column("form_version", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("prefilled", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("canonical_sha256", String(64), nullable=True),  # of the frozen content, from the first signature on
)

protocol_changes = Table(
    "protocol_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("protocol_id", Integer, ForeignKey("protocols.id"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("at", TS, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("keys", JSON, nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
    UniqueConstraint("protocol_id", "revision", name="uq_protocol_changes_revision"),
)

protocol_signatures = Table(
    "protocol_signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("protocol_id", Integer, ForeignKey("protocols.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("position", String(200), nullable=False),
    Column("signed_at", TS, nullable=False),
    Column("certificate_serial", String(80), nullable=True),
    Column("canonical_sha256", String(64), nullable=False),
    Column("cms", LargeBinary, nullable=False),
    UniqueConstraint("protocol_id", "user_id", name="uq_protocol_signatures_signer"),
)

# «Количественная система оценки…» (585н прил.1/2, 374н прил.): rows an administrator imports, each dated.
criteria_appendix_rows = Table(
    "criteria_appendix_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ruleset", String(16), nullable=False, index=True),  # "585n" | "374n"
    Column("item", String(40), nullable=False),  # printed point, e.g. "10.4.1"
    Column("nosology", String(2000), nullable=False),
    Column("icd10", JSON, nullable=False),  # codes and ranges as printed: ["J95", "Q25-Q28"]
    Column("function_type", String(2000), nullable=False),
    Column("population", String(8), nullable=False),  # adult | child | all
    Column("characteristic", String(4000), nullable=False),
    Column("percent_min", Integer, nullable=False),
    Column("percent_max", Integer, nullable=False),
    Column("crg", String(40), nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("source", String(1000), nullable=False),
    Column("loaded_at", TS, nullable=False),
    Column("loaded_by", Integer, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("ruleset", "item", "population", "valid_from", name="uq_criteria_appendix_rows_point"),
)

# The expert decision of a case (389н items 78–102): the suggestion it was made against, the votes, the snapshot
# the documents are built from.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("protocol_id", Integer, ForeignKey("protocols.id"), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("ruleset", String(16), nullable=False),
    Column("decision_date", Date, nullable=False),
    Column("suggestion", JSON, nullable=False),
    Column("outcome", JSON, nullable=False),
    Column("departs", Boolean, nullable=False),
    Column("departure_reason", String(4000), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("updated_at", TS, nullable=False),
    Column("snapshot", LargeBinary, nullable=True),  # canonical JSON every document is built from
    Column("snapshot_sha256", String(64), nullable=True),
)

decision_votes = Table(
    "decision_votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("role", String(32), nullable=False),
    Column("vote", String(8), nullable=False),  # for | against
    Column("opinion", String(4000), nullable=True),  # особое мнение (389н п.100)
    Column("voted_at", TS, nullable=False),
    UniqueConstraint("decision_id", "user_id", name="uq_decision_votes_voter"),
)

# Every document the bureau issues: exact bytes, their SHA-256, the head's CMS signature.
issued_documents = Table(
    "issued_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("format", String(8), nullable=False),  # pdf | json | xml
    Column("media_type", String(80), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=True),
    Column("signed_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("decision_id", "kind", "format", name="uq_issued_documents_kind"),
)

# ---- issue 6 · calendar (migration 0006): production-calendar overrides --------------------------------------------

# A day the administrator set by hand (a decree the `holidays` package lacks, a working Saturday); it wins (process.md §0.3).
calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # holiday | workday
    Column("reason", String(500), nullable=False),
    Column("source", String(500), nullable=False),  # постановление Правительства РФ / приказ
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
)

# ---- issue 6 · case life-cycle (migration 0007): history, deadlines, suspensions ----------------------------------

from sqlalchemy.engine.default import DefaultExecutionContext  # noqa: E402 — this section is appended (issue 6)

from mse.domain.case_model import regime_for  # noqa: E402


def _regime_at_registration(context: DefaultExecutionContext) -> str | None:
    """process.md §0.2: a case is stamped with the regime in force on its registration day, whoever inserts it."""
    day = context.get_current_parameters().get("registered_on")  # type: ignore[no-untyped-call]
    return regime_for(day) if day is not None else None


# The regime in force at registration (legacy | current) and the form of conducting (§3.2; chosen at T14).
cases.append_column(Column("regime", String(16), nullable=True, default=_regime_at_registration))
cases.append_column(Column("form_of_conducting", String(24), nullable=True))
# Every transition: which event of the table (T-id in details), in which role, on which facts (no personal data).
case_history.append_column(Column("event", String(64), nullable=True))
case_history.append_column(Column("actor_role", String(32), nullable=True))
case_history.append_column(Column("details", JSON, nullable=True))


# ---- issue 6 · scheduling and notifications (migration 0008): in their own module, same metadata ------------------
from mse.adapters.db import _tables_scheduling as _scheduling  # noqa: E402 — defined after the tables they refer to

rooms: Table = _scheduling.rooms
staff_availability: Table = _scheduling.staff_availability
appointments: Table = _scheduling.appointments
appointment_locks: Table = _scheduling.appointment_locks
notifications: Table = _scheduling.notifications
deadline_escalations: Table = _scheduling.deadline_escalations

# ---- issue 7 · statistics rollups (migration 0010): in their own module, same metadata -------------------------------
from mse.adapters.db import _tables_statistics as _statistics  # noqa: E402 — defined after the tables they refer to

stat_rollups: Table = _statistics.stat_rollups
stat_refreshes: Table = _statistics.stat_refreshes

# ---- issue 7 · audit events awaiting their place in the chain (migration 0013): in their own module, same metadata ---
from mse.adapters.db import _tables_audit as _audit  # noqa: E402 — defined after TS and metadata

audit_pending: Table = _audit.audit_pending

# ---- issue 7 · search and sweep indexes (migration 0009): declared in their own module, on the tables above --------
from mse.adapters.db import _tables_indexes as _indexes  # noqa: E402,F401 — attaches its Index objects to the tables
