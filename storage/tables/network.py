"""Tables of the networking area: teacher profiles, contacts, partner posts, search.

``network_search_docs`` is derived state: one row per searchable thing (a
teacher's profile or an open partner-finding post), written by the
repositories on every change of its source and read by partner search alone.
Its texts sit beside it in ``network_search_texts``; the full-text index over
them is engine-specific and therefore not declared here: the migration builds
an FTS5 table on SQLite and tsvector/array columns with GIN indexes on
PostgreSQL (see ``storage/search``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import JsonColumn, UtcDateTime
from .base import Base

ID = String(36)

SQL_ONLY_NAMES = frozenset(
    {
        # SQLite: the FTS5 index and its shadow tables
        "network_search_fts",
        "network_search_fts_data",
        "network_search_fts_idx",
        "network_search_fts_docsize",
        "network_search_fts_config",
        "network_search_fts_content",
        "network_search_titles",
        "network_search_titles_data",
        "network_search_titles_idx",
        "network_search_titles_docsize",
        "network_search_titles_config",
        # PostgreSQL: the index columns a trigger derives, and their GIN indexes
        "search_tsv",
        "title_tsv",
        "tags_arr",
        "ix_network_search_docs_tsv",
        "ix_network_search_docs_title",
        "ix_network_search_docs_tags",
    }
)
"""Tables, columns and indexes that the migration makes with raw SQL (the
engine-specific search index); schema comparison must leave them alone."""


class TeacherProfile(Base):
    """What a teacher tells other teachers about their teaching."""

    __tablename__ = "network_profiles"
    __table_args__ = (CheckConstraint("age_min <= age_max", name="age_range"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    bio: Mapped[str] = mapped_column(Text)
    subjects: Mapped[list[str]] = mapped_column(JsonColumn)
    languages: Mapped[list[str]] = mapped_column(JsonColumn)
    interests: Mapped[list[str]] = mapped_column(JsonColumn)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    looking_for_partners: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Contact(Base):
    """A contact request between two teachers, and what became of it.

    The pair is stored in a fixed order (``user_low < user_high``) under a
    unique constraint, so there is at most one row per pair whichever of the
    two asked; ``requester_id`` says who did.
    """

    __tablename__ = "network_contacts"
    __table_args__ = (
        UniqueConstraint("user_low", "user_high", name="uq_network_contacts_pair"),
        CheckConstraint("user_low < user_high", name="ordered_pair"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_low: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_high: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(10))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PartnerPost(Base):
    """A project idea whose author looks for partners."""

    __tablename__ = "network_posts"
    __table_args__ = (CheckConstraint("age_min <= age_max", name="age_range"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    subjects: Mapped[list[str]] = mapped_column(JsonColumn)
    languages: Mapped[list[str]] = mapped_column(JsonColumn)
    wanted_countries: Mapped[list[str]] = mapped_column(JsonColumn)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SearchDoc(Base):
    """One searchable profile or post: what filters, facets and ranking read.

    Kept narrow on purpose: each node holds these columns of every document
    in memory (``storage.search.mirror``), so the long texts live in
    ``network_search_texts``. Every change of a row is logged in
    ``network_search_changes`` by triggers (see migration 0007).
    """

    __tablename__ = "network_search_docs"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_network_search_docs_ref"),
        Index("ix_network_search_docs_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[str] = mapped_column(ID)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    owner_validated: Mapped[bool] = mapped_column(Boolean)
    """Kept in step with ``users.status`` by a trigger (see the migration)."""
    expires_s: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Unix time after which a post drops out of search; None for profiles."""
    country_code: Mapped[str] = mapped_column(String(2))
    school_type: Mapped[str] = mapped_column(String(40))
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    looking_for_partners: Mapped[bool] = mapped_column(Boolean)
    subjects: Mapped[list[str]] = mapped_column(JsonColumn)
    languages: Mapped[list[str]] = mapped_column(JsonColumn)
    wanted: Mapped[list[str]] = mapped_column(JsonColumn, server_default="[]")
    """Posts: the countries whose partners are wanted (empty: any country)."""
    length: Mapped[int] = mapped_column(Integer, server_default="0")
    """Words in the title and the body: shorter documents rank first."""


class SearchChange(Base):
    """One change of a search document, logged by a trigger, in commit order.

    Each node's in-memory copy of the documents (``storage.search.mirror``)
    reads the changes after the last one it applied. ``nonce`` tells a change
    from another that reused its id after a rollback (SQLite reuses rowids).
    Old entries are pruned; a node that finds its last change gone reloads.
    """

    __tablename__ = "network_search_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[int] = mapped_column(BigInteger)


class SearchText(Base):
    """The texts of a search document: what the full-text index is built from.

    ``title_text``, ``body_text`` and ``tags_text`` hold space-separated
    tokens already folded (no accents, no case) by ``storage.search.folding``;
    the display columns keep the original spelling for result lists.
    """

    __tablename__ = "network_search_texts"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("network_search_docs.id", ondelete="CASCADE"), primary_key=True
    )
    display_title: Mapped[str] = mapped_column(String(200))
    school_name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    title_text: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    tags_text: Mapped[str] = mapped_column(Text)
