"""moderation: chat messages, reports, held space content, settings, retention

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-29 05:16:10.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_room_settings",
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("premoderation", sa.String(length=20), nullable=False),
        sa.Column("personal_data", sa.String(length=20), nullable=False),
        sa.Column("links_allowed", sa.Boolean(), nullable=False),
        sa.Column("slow_mode_s", sa.Float(), nullable=True),
        sa.Column(
            "allowed_domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_chat_room_settings")),
    )
    op.create_table(
        "moderation_project_terms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("added_by", sa.String(length=36), nullable=False),
        sa.Column("added_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_project_terms")),
        sa.UniqueConstraint("project_id", "text", name="uq_moderation_project_terms"),
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=True),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("sender_user_id", sa.String(length=36), nullable=True),
        sa.Column("sender_role", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=True),
        sa.Column("peer_user_id", sa.String(length=36), nullable=True),
        sa.Column("peer_participant_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("links_allowed", sa.Boolean(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.String(length=20), nullable=True),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_user_id"],
            ["users.id"],
            name=op.f("fk_chat_messages_peer_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sender_user_id"],
            ["users.id"],
            name=op.f("fk_chat_messages_sender_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_chat_messages_message_id")),
        sa.UniqueConstraint("participant_id", "client_msg_id", name="uq_chat_messages_client"),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_chat_messages_sender", ["sender_user_id"], unique=False)
        batch_op.create_index(
            "ix_chat_messages_session", ["room_id", "session_id", "id"], unique=False
        )

    op.create_table(
        "moderation_held_content",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("held_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author_user_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_moderation_held_content_author_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_held_content")),
        sa.UniqueConstraint("held_id", name=op.f("uq_moderation_held_content_held_id")),
    )
    with op.batch_alter_table("moderation_held_content", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_held_content_project", ["project_id", "status", "id"], unique=False
        )

    op.create_table(
        "moderation_school_retention",
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_moderation_school_retention_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_moderation_school_retention")),
    )
    op.create_table(
        "chat_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("reporter_user_id", sa.String(length=36), nullable=False),
        sa.Column("reporter_participant_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.message_id"],
            name=op.f("fk_chat_reports_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["users.id"],
            name=op.f("fk_chat_reports_reporter_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_reports")),
        sa.UniqueConstraint("message_id", "reporter_user_id", name="uq_chat_reports_reporter"),
        sa.UniqueConstraint("report_id", name=op.f("uq_chat_reports_report_id")),
    )
    with op.batch_alter_table("chat_reports", schema=None) as batch_op:
        batch_op.create_index("ix_chat_reports_project", ["project_id", "id"], unique=False)
        batch_op.create_index("ix_chat_reports_room", ["room_id", "session_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_reports_room")
        batch_op.drop_index("ix_chat_reports_project")

    op.drop_table("chat_reports")
    op.drop_table("moderation_school_retention")
    with op.batch_alter_table("moderation_held_content", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_held_content_project")

    op.drop_table("moderation_held_content")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_messages_session")
        batch_op.drop_index("ix_chat_messages_sender")

    op.drop_table("chat_messages")
    op.drop_table("moderation_project_terms")
    op.drop_table("chat_room_settings")
