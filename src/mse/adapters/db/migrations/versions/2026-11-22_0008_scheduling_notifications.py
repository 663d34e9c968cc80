"""Scheduling and notifications (issue 6): rooms, specialists' availability, appointments with their booking locks,
notifications of a case, deadline escalations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_rooms_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms')),
    sa.UniqueConstraint('unit_id', 'name', name='uq_rooms_unit_name')
    )
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_unit_id'), ['unit_id'], unique=False)

    op.create_table('staff_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('from_minute', sa.Integer(), nullable=False),
    sa.Column('to_minute', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_availability_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_availability')),
    sa.UniqueConstraint('staff_id', 'day', 'from_minute', name='uq_staff_availability_slot')
    )
    with op.batch_alter_table('staff_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_availability_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_availability_day'), ['day'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('procedure', sa.String(length=16), nullable=False),
    sa.Column('form_code', sa.String(length=8), nullable=False),
    sa.Column('place_code', sa.String(length=8), nullable=True),
    sa.Column('place_text', sa.String(length=500), nullable=True),
    sa.Column('conclusion_ref', sa.String(length=300), nullable=True),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_appointments_case_id_cases')),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_appointments_changed_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_appointments_created_by_users')),
    sa.ForeignKeyConstraint(['replaces_id'], ['appointments.id'], name=op.f('fk_appointments_replaces_id_appointments')),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_appointments_room_id_rooms')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_appointments_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_starts_at'), ['starts_at'], unique=False)

    op.create_table('appointment_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    sa.Column('cell_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_appointment_locks_appointment_id_appointments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_locks')),
    sa.UniqueConstraint('resource', 'cell_start', name='uq_appointment_locks_cell')
    )
    with op.batch_alter_table('appointment_locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_locks_appointment_id'), ['appointment_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address_masked', sa.String(length=200), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notifications_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_notifications_created_by_users')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_notifications_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_case_id'), ['case_id'], unique=False)

    op.create_table('deadline_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deadline_escalations_case_id_cases')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_deadline_escalations_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_deadline_escalations_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_escalations')),
    sa.UniqueConstraint('case_id', 'kind', 'on_day', name='uq_deadline_escalations_item_day')
    )
    with op.batch_alter_table('deadline_escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_escalations_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('deadline_escalations', ('case_id',)),
        ('notifications', ('case_id',)),
        ('appointment_locks', ('appointment_id',)),
        ('appointments', ('starts_at', 'status', 'case_id')),
        ('staff_availability', ('day', 'staff_id')),
        ('rooms', ('unit_id',)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
