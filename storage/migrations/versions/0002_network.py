"""network: profiles, contacts, partner posts, search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:27:23.467652

Besides the tables, the search index proper, which differs by engine:

- SQLite: an FTS5 table over ``network_search_texts`` (external content), kept
  in step by triggers; ``unicode61 remove_diacritics 2`` tokenizer with ``_``
  as a token character (tags such as ``s_history`` stay whole), prefix
  indexes for three and four characters (an unfinished word counts as a
  prefix from its third letter), and bm25 weights title 4, body 1, tags 0
  (tags filter, they never rank).
- PostgreSQL: a ``tsvector`` column (title weighted A, body D) and a
  ``text[]`` of tags on ``network_search_docs``, derived from
  ``network_search_texts`` by a trigger, each with a GIN index.
- Both: a trigger on ``users`` keeps ``owner_validated`` in step with the
  account's status, whoever changes it, so only validated teachers are found.

Texts are folded (accents, case) before they are stored, by
``storage.search.folding``, so both engines see the same tokens.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VALIDATED = "validated"
"""``AccountStatus.VALIDATED`` when this migration was written."""
DERIVE_FUNCTION = "network_search_index_texts"

SQLITE_UP = (
    """
    CREATE VIRTUAL TABLE network_search_fts USING fts5(
        title_text, body_text, tags_text,
        content='network_search_texts', content_rowid='doc_id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'",
        prefix='3 4'
    )
    """,
    "INSERT INTO network_search_fts(network_search_fts, rank)"
    " VALUES ('rank', 'bm25(4.0, 1.0, 0.0)')",
    """
    CREATE TRIGGER network_search_texts_ai AFTER INSERT ON network_search_texts BEGIN
        INSERT INTO network_search_fts(rowid, title_text, body_text, tags_text)
        VALUES (new.doc_id, new.title_text, new.body_text, new.tags_text);
    END
    """,
    """
    CREATE TRIGGER network_search_texts_ad AFTER DELETE ON network_search_texts BEGIN
        INSERT INTO network_search_fts(network_search_fts, rowid, title_text, body_text, tags_text)
        VALUES ('delete', old.doc_id, old.title_text, old.body_text, old.tags_text);
    END
    """,
    """
    CREATE TRIGGER network_search_texts_au
    AFTER UPDATE OF title_text, body_text, tags_text ON network_search_texts BEGIN
        INSERT INTO network_search_fts(network_search_fts, rowid, title_text, body_text, tags_text)
        VALUES ('delete', old.doc_id, old.title_text, old.body_text, old.tags_text);
        INSERT INTO network_search_fts(rowid, title_text, body_text, tags_text)
        VALUES (new.doc_id, new.title_text, new.body_text, new.tags_text);
    END
    """,
    f"""
    CREATE TRIGGER network_search_owner_status
    AFTER UPDATE OF status ON users WHEN old.status IS NOT new.status BEGIN
        UPDATE network_search_docs SET owner_validated = (new.status = '{VALIDATED}')
        WHERE owner_id = new.id;
    END
    """,
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS network_search_owner_status",
    "DROP TRIGGER IF EXISTS network_search_texts_au",
    "DROP TRIGGER IF EXISTS network_search_texts_ad",
    "DROP TRIGGER IF EXISTS network_search_texts_ai",
    "DROP TABLE IF EXISTS network_search_fts",
)

POSTGRES_UP = (
    # The index columns live on the narrow document row, beside the filters, so
    # a search reads one row per match; a trigger derives them from the texts.
    "ALTER TABLE network_search_docs ADD COLUMN search_tsv tsvector",
    "ALTER TABLE network_search_docs ADD COLUMN tags_arr text[]",
    f"""
    CREATE FUNCTION {DERIVE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE network_search_docs SET
            search_tsv = setweight(to_tsvector('simple', NEW.title_text), 'A')
                || setweight(to_tsvector('simple', NEW.body_text), 'D'),
            tags_arr = string_to_array(NEW.tags_text, ' ')
        WHERE id = NEW.doc_id;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER network_search_texts_index
    AFTER INSERT OR UPDATE OF title_text, body_text, tags_text ON network_search_texts
    FOR EACH ROW EXECUTE FUNCTION {DERIVE_FUNCTION}()
    """,
    "CREATE INDEX ix_network_search_docs_tsv ON network_search_docs USING gin (search_tsv)",
    "CREATE INDEX ix_network_search_docs_tags ON network_search_docs USING gin (tags_arr)",
    f"""
    CREATE FUNCTION network_search_follow_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE network_search_docs SET owner_validated = (NEW.status = '{VALIDATED}')
        WHERE owner_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER network_search_owner_status
    AFTER UPDATE OF status ON users FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION network_search_follow_owner()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS network_search_owner_status ON users",
    "DROP FUNCTION IF EXISTS network_search_follow_owner()",
    "DROP TRIGGER IF EXISTS network_search_texts_index ON network_search_texts",
    f"DROP FUNCTION IF EXISTS {DERIVE_FUNCTION}()",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "network_contacts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_low", sa.String(length=36), nullable=False),
        sa.Column("user_high", sa.String(length=36), nullable=False),
        sa.Column("requester_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("user_low < user_high", name=op.f("ck_network_contacts_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["user_high"],
            ["users.id"],
            name=op.f("fk_network_contacts_user_high_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_low"],
            ["users.id"],
            name=op.f("fk_network_contacts_user_low_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_contacts")),
        sa.UniqueConstraint("user_low", "user_high", name="uq_network_contacts_pair"),
    )
    with op.batch_alter_table("network_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_contacts_user_high"), ["user_high"], unique=False
        )

    op.create_table(
        "network_posts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
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
        sa.Column(
            "wanted_countries",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("age_min <= age_max", name=op.f("ck_network_posts_age_range")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_network_posts_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_posts")),
    )
    with op.batch_alter_table("network_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_posts_author_id"), ["author_id"], unique=False)

    op.create_table(
        "network_profiles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
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
        sa.Column(
            "interests",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column("looking_for_partners", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("age_min <= age_max", name=op.f("ck_network_profiles_age_range")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_network_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_network_profiles")),
    )
    op.create_table(
        "network_search_docs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("owner_validated", sa.Boolean(), nullable=False),
        sa.Column("expires_s", sa.BigInteger(), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("school_type", sa.String(length=40), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column("looking_for_partners", sa.Boolean(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_network_search_docs_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_search_docs")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_network_search_docs_ref"),
    )
    with op.batch_alter_table("network_search_docs", schema=None) as batch_op:
        batch_op.create_index("ix_network_search_docs_owner", ["owner_id"], unique=False)

    op.create_table(
        "network_search_texts",
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("display_title", sa.String(length=200), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("title_text", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("tags_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"],
            ["network_search_docs.id"],
            name=op.f("fk_network_search_texts_doc_id_network_search_docs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doc_id", name=op.f("pk_network_search_texts")),
    )

    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_UP)
    else:
        _run(POSTGRES_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_DOWN)
    else:
        _run(POSTGRES_DOWN)
    op.drop_table("network_search_texts")
    with op.batch_alter_table("network_search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_network_search_docs_owner")

    op.drop_table("network_search_docs")
    op.drop_table("network_profiles")
    with op.batch_alter_table("network_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_posts_author_id"))

    op.drop_table("network_posts")
    with op.batch_alter_table("network_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_contacts_user_high"))

    op.drop_table("network_contacts")
