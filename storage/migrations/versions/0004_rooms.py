"""live rooms: attendance, bans

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_rooms",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_rooms")),
    )
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_rooms_project_id"), ["project_id"], unique=False)

    op.create_table(
        "room_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_sessions")),
    )
    with op.batch_alter_table("room_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_room_sessions_room", ["room_id", "started_at"], unique=False)

    op.create_table(
        "room_attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=True),
        sa.Column("joined_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("left_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("leave_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["room_sessions.id"],
            name=op.f("fk_room_attendance_session_id_room_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_room_attendance_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_attendance")),
    )
    with op.batch_alter_table("room_attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_room_attendance_session", ["session_id", "participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_room_attendance_user_id"), ["user_id"], unique=False)

    op.create_table(
        "room_bans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("series_id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("banned_by", sa.String(length=36), nullable=False),
        sa.Column("banned_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=36), nullable=True),
        sa.Column("lifted_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_room_bans_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_bans")),
    )
    with op.batch_alter_table("room_bans", schema=None) as batch_op:
        batch_op.create_index("ix_room_bans_series_user", ["series_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("room_bans", schema=None) as batch_op:
        batch_op.drop_index("ix_room_bans_series_user")
    op.drop_table("room_bans")
    with op.batch_alter_table("room_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_attendance_user_id"))
        batch_op.drop_index("ix_room_attendance_session")
    op.drop_table("room_attendance")
    with op.batch_alter_table("room_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_room_sessions_room")
    op.drop_table("room_sessions")
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_rooms_project_id"))
    op.drop_table("live_rooms")
