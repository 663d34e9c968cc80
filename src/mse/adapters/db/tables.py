"""SQLAlchemy Core tables. Personal data (persons_*) live in their own tables (DESIGN.md §4)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
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

TS = DateTime(timezone=True)

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

# One row: the head of the audit chain. Writers lock it (SELECT … FOR UPDATE on PostgreSQL;
# SQLite serialises writers anyway), which makes `seq` dense and the chain linear.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
