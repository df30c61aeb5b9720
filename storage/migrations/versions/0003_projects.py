"""projects, their membership and spaces, and schools' calendars

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29 02:25:42.241989
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "subjects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column(
            "tools",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("aims", sa.Text(), nullable=False),
        sa.Column("work_process", sa.Text(), nullable=False),
        sa.Column("expected_results", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("founder_id", sa.String(length=36), nullable=False),
        sa.Column("founder_country", sa.String(length=2), nullable=False),
        sa.Column("co_founder_id", sa.String(length=36), nullable=False),
        sa.Column("co_founder_country", sa.String(length=2), nullable=False),
        sa.Column("needs_nso_approval", sa.Boolean(), nullable=False),
        sa.Column("storage_used_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("archived_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["co_founder_id"], ["users.id"], name=op.f("fk_projects_co_founder_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["founder_id"], ["users.id"], name=op.f("fk_projects_founder_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_co_founder_id"), ["co_founder_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_founder_id"), ["founder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_status"), ["status"], unique=False)

    op.create_table(
        "school_calendars",
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_school_calendars_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_calendars")),
    )
    op.create_table(
        "school_holidays",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_school_holidays_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_holidays")),
    )
    with op.batch_alter_table("school_holidays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_school_holidays_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "project_approvals",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_approvals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "country_code", name=op.f("pk_project_approvals")),
    )
    with op.batch_alter_table("project_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_approvals_country_code"), ["country_code"], unique=False
        )

    op.create_table(
        "project_invitations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("invitee_id", sa.String(length=36), nullable=False),
        sa.Column("inviter_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["users.id"],
            name=op.f("fk_project_invitations_invitee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_invitations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_invitations")),
    )
    with op.batch_alter_table("project_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_invitations_invitee_id"), ["invitee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_project_invitations_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_members",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("added_by", sa.String(length=36), nullable=True),
        sa.Column("joined_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_project_members_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_members")),
    )
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "project_spaces",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_spaces_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_spaces")),
    )
    op.create_table(
        "bulletin_posts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_bulletin_posts_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_posts")),
    )
    with op.batch_alter_table("bulletin_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bulletin_posts_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "forum_discussions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_forum_discussions_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_discussions")),
    )
    with op.batch_alter_table("forum_discussions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forum_discussions_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "material_folders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_material_folders_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_folders")),
    )
    with op.batch_alter_table("material_folders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_material_folders_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_meetings_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("room_id", name=op.f("uq_meetings_room_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index("ix_meetings_project", ["project_id", "starts_at"], unique=False)

    op.create_table(
        "space_pages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("view_scope", sa.String(length=20), nullable=False),
        sa.Column("edit_scope", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_space_pages_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_pages")),
    )
    with op.batch_alter_table("space_pages", schema=None) as batch_op:
        batch_op.create_index("ix_space_pages_project", ["project_id", "position"], unique=False)

    op.create_table(
        "forum_threads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("discussion_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["forum_discussions.id"],
            name=op.f("fk_forum_threads_discussion_id_forum_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_forum_threads_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_threads")),
    )
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forum_threads_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "materials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"],
            ["material_folders.id"],
            name=op.f("fk_materials_folder_id_material_folders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_materials_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
        sa.UniqueConstraint("blob_key", name=op.f("uq_materials_blob_key")),
    )
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_materials_folder_id"), ["folder_id"], unique=False)
        batch_op.create_index("ix_materials_project", ["project_id", "created_at"], unique=False)

    op.create_table(
        "meeting_invitees",
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_invitees_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_meeting_invitees_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_meeting_invitees")),
    )
    op.create_table(
        "forum_posts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("thread_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_spaces.project_id"],
            name=op.f("fk_forum_posts_project_id_project_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_posts_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_posts")),
    )
    with op.batch_alter_table("forum_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_posts_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("forum_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_posts_thread_id"))

    op.drop_table("forum_posts")
    op.drop_table("meeting_invitees")
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.drop_index("ix_materials_project")
        batch_op.drop_index(batch_op.f("ix_materials_folder_id"))

    op.drop_table("materials")
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_threads_discussion_id"))

    op.drop_table("forum_threads")
    with op.batch_alter_table("space_pages", schema=None) as batch_op:
        batch_op.drop_index("ix_space_pages_project")

    op.drop_table("space_pages")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_project")

    op.drop_table("meetings")
    with op.batch_alter_table("material_folders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_folders_project_id"))

    op.drop_table("material_folders")
    with op.batch_alter_table("forum_discussions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_discussions_project_id"))

    op.drop_table("forum_discussions")
    with op.batch_alter_table("bulletin_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulletin_posts_project_id"))

    op.drop_table("bulletin_posts")
    op.drop_table("project_spaces")
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_members_user_id"))

    op.drop_table("project_members")
    with op.batch_alter_table("project_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_invitations_project_id"))
        batch_op.drop_index(batch_op.f("ix_project_invitations_invitee_id"))

    op.drop_table("project_invitations")
    with op.batch_alter_table("project_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_approvals_country_code"))

    op.drop_table("project_approvals")
    with op.batch_alter_table("school_holidays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_holidays_school_id"))

    op.drop_table("school_holidays")
    op.drop_table("school_calendars")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_status"))
        batch_op.drop_index(batch_op.f("ix_projects_founder_id"))
        batch_op.drop_index(batch_op.f("ix_projects_co_founder_id"))

    op.drop_table("projects")
