"""network search: documents mirrored on each node (change log, wanted countries, length)

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-29 06:06:08.480605

Partner search keeps the filter and facet columns of every search document in
memory on each node (``storage.search.mirror``): filters, facet counts and
the order of results are computed there, and the full-text engine only finds
the documents that contain the words. For that:

- ``network_search_docs`` gains ``wanted`` (a post's wanted countries, which
  were only in its tags) and ``length`` (words in title and body, which rank
  shorter documents first), filled here from the posts and the texts;
- every document's tags gain one ``a_<age>`` tag per year of its pupils' age
  range, so that PostgreSQL's tag index narrows a search by age before it
  reads any row (the engines derive their indexes from the texts again);
- every insert, delete and change of a mirrored column of a document is
  logged in ``network_search_changes`` by a trigger, so a node brings its copy
  up to date by reading the entries after the last one it applied. On
  PostgreSQL the trigger takes a transaction-level advisory lock before it
  draws an id, so ids are in commit order and a reader never sees a later
  entry before an earlier one commits; SQLite has one writer at a time. The
  log keeps its last 50,000 entries (pruned every 1,000).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None

MIRRORED = (
    "kind, owner_validated, expires_s, country_code, school_type, age_min, age_max, "
    "looking_for_partners, subjects, languages, wanted, length"
)
KEEP = 50_000
PRUNE_EVERY = 1_000
LOCK_KEY = 0x6A756D656C616765
"""The advisory lock that orders the log's writers ("jumelage" in ASCII)."""
AGE_LOW, AGE_HIGH = 3, 20
"""The ages a profile or post may have when this migration was written."""


def _words(column: str) -> str:
    """SQL: the number of words in a column of single-space separated tokens."""
    return (
        f"(CASE WHEN {column} = '' THEN 0 "
        f"ELSE length({column}) - length(replace({column}, ' ', '')) + 1 END)"
    )


BACKFILL = (
    "UPDATE network_search_docs SET length = (SELECT "
    f"{_words('t.title_text')} + {_words('t.body_text')} "
    "FROM network_search_texts AS t WHERE t.doc_id = network_search_docs.id) "
    "WHERE id IN (SELECT doc_id FROM network_search_texts)",
    "UPDATE network_search_docs SET wanted = (SELECT p.wanted_countries "
    "FROM network_posts AS p WHERE p.id = network_search_docs.ref_id) "
    "WHERE kind = 'post' AND ref_id IN (SELECT id FROM network_posts)",
)

SQLITE_UP = (
    """
    CREATE TRIGGER network_search_docs_log_insert AFTER INSERT ON network_search_docs BEGIN
        INSERT INTO network_search_changes (doc_id, nonce) VALUES (new.id, random());
    END
    """,
    f"""
    CREATE TRIGGER network_search_docs_log_update
    AFTER UPDATE OF {MIRRORED} ON network_search_docs BEGIN
        INSERT INTO network_search_changes (doc_id, nonce) VALUES (new.id, random());
    END
    """,
    """
    CREATE TRIGGER network_search_docs_log_delete AFTER DELETE ON network_search_docs BEGIN
        INSERT INTO network_search_changes (doc_id, nonce) VALUES (old.id, random());
    END
    """,
    f"""
    CREATE TRIGGER network_search_changes_prune AFTER INSERT ON network_search_changes
    WHEN new.id % {PRUNE_EVERY} = 0 BEGIN
        DELETE FROM network_search_changes WHERE id <= new.id - {KEEP};
    END
    """,
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS network_search_changes_prune",
    "DROP TRIGGER IF EXISTS network_search_docs_log_delete",
    "DROP TRIGGER IF EXISTS network_search_docs_log_update",
    "DROP TRIGGER IF EXISTS network_search_docs_log_insert",
)

POSTGRES_UP = (
    f"""
    CREATE FUNCTION network_search_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        logged bigint;
    BEGIN
        PERFORM pg_advisory_xact_lock({LOCK_KEY});
        INSERT INTO network_search_changes (doc_id, nonce)
        VALUES (
            CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
            floor(random() * 9.0e18)::bigint
        )
        RETURNING id INTO logged;
        IF logged % {PRUNE_EVERY} = 0 THEN
            DELETE FROM network_search_changes WHERE id <= logged - {KEEP};
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER network_search_docs_log
    AFTER INSERT OR DELETE OR UPDATE OF {MIRRORED} ON network_search_docs
    FOR EACH ROW EXECUTE FUNCTION network_search_log_change()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS network_search_docs_log ON network_search_docs",
    "DROP FUNCTION IF EXISTS network_search_log_change()",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def _add_age_tags() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, age_min, age_max FROM network_search_docs")).all()
    updates = [
        {
            "doc_id": doc_id,
            "ages": " ".join(
                f"a_{age}" for age in range(max(low, AGE_LOW), min(high, AGE_HIGH) + 1)
            ),
        }
        for doc_id, low, high in rows
    ]
    if updates:
        bind.execute(
            sa.text(
                "UPDATE network_search_texts SET tags_text = tags_text || ' ' || :ages "
                "WHERE doc_id = :doc_id"
            ),
            updates,
        )


def upgrade() -> None:
    op.create_table(
        "network_search_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_search_changes")),
    )
    op.add_column(
        "network_search_docs",
        sa.Column(
            "wanted",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="[]",
            nullable=False,
        ),
    )
    op.add_column(
        "network_search_docs",
        sa.Column("length", sa.Integer(), server_default="0", nullable=False),
    )
    _run(BACKFILL)
    _add_age_tags()
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
    op.drop_column("network_search_docs", "length")
    op.drop_column("network_search_docs", "wanted")
    op.drop_table("network_search_changes")
