"""network search: an FTS5 index of titles alone (SQLite)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:30:00.000000

Ranking needs, for each word of a search, the matches that have it in their
title. Asked of the main FTS5 table with a column filter, SQLite decodes the
positions of every match of the word to find its column: as much work again
as the search itself for a common word (58,000 matches of "cli" at 100,000
profiles). A second FTS5 table over the titles alone answers it from the
titles' own short posting lists. Same tokenizer and prefix indexes as the
main table, kept in step with ``network_search_texts`` by triggers, filled
here from the stored titles. PostgreSQL checks the title's weight on the
rows it visits anyway and needs nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_UP = (
    """
    CREATE VIRTUAL TABLE network_search_titles USING fts5(
        title_text,
        content='network_search_texts', content_rowid='doc_id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'",
        prefix='3 4'
    )
    """,
    """
    CREATE TRIGGER network_search_titles_ai AFTER INSERT ON network_search_texts BEGIN
        INSERT INTO network_search_titles(rowid, title_text) VALUES (new.doc_id, new.title_text);
    END
    """,
    """
    CREATE TRIGGER network_search_titles_ad AFTER DELETE ON network_search_texts BEGIN
        INSERT INTO network_search_titles(network_search_titles, rowid, title_text)
        VALUES ('delete', old.doc_id, old.title_text);
    END
    """,
    """
    CREATE TRIGGER network_search_titles_au
    AFTER UPDATE OF title_text ON network_search_texts BEGIN
        INSERT INTO network_search_titles(network_search_titles, rowid, title_text)
        VALUES ('delete', old.doc_id, old.title_text);
        INSERT INTO network_search_titles(rowid, title_text) VALUES (new.doc_id, new.title_text);
    END
    """,
    "INSERT INTO network_search_titles(network_search_titles) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS network_search_titles_au",
    "DROP TRIGGER IF EXISTS network_search_titles_ad",
    "DROP TRIGGER IF EXISTS network_search_titles_ai",
    "DROP TABLE IF EXISTS network_search_titles",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
