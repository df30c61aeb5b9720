"""network search: profiles of teachers already signed in get their inactivity date

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:20:00.000000

A teacher who has not signed in for a year is inactive and their profile
leaves search (``community.network.documents.INACTIVE_AFTER``). New and
saved profiles' search documents carry that date (``expires_s``), and every
sign-in moves it on; documents written before that rule have none, and an
inactive teacher, by definition, never signs in to give them one. This
gives every profile document whose teacher has signed in the date the rule
would have given it: a year after the last sign-in. Profiles of teachers
who never signed in (imported accounts) stay visible, as the rule says.

Dates are computed in Python (the same on both engines: SQLite keeps
timestamps as text). The change-log triggers of migration 0007 record each
rewritten document, so running nodes pick the dates up like any change.
Downgrade leaves the dates in place: they are what the rule gives, and
the schema is unchanged.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INACTIVE_AFTER = timedelta(days=365)
"""Frozen copy of the rule at this revision (the domain constant may change later)."""
CHUNK = 1_000

_users = sa.table("users", sa.column("id", sa.String), sa.column("last_login_at", UtcDateTime()))
_docs = sa.table(
    "network_search_docs",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("ref_id", sa.String),
    sa.column("expires_s", sa.BigInteger),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_docs.c.id, _users.c.last_login_at)
        .join(_users, _users.c.id == _docs.c.ref_id)
        .where(
            _docs.c.kind == "profile",
            _docs.c.expires_s.is_(None),
            _users.c.last_login_at.is_not(None),
        )
    ).all()
    dates = [
        {"doc_id": doc_id, "until": int((last_login + INACTIVE_AFTER).timestamp())}
        for doc_id, last_login in rows
    ]
    statement = (
        sa.update(_docs)
        .where(_docs.c.id == sa.bindparam("doc_id"))
        .values(expires_s=sa.bindparam("until"))
    )
    for start in range(0, len(dates), CHUNK):
        bind.execute(statement, dates[start : start + CHUNK])


def downgrade() -> None:
    """Nothing to undo: the dates are what the rule gives (see the docstring)."""
