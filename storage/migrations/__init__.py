"""Alembic migrations, run from code so that no ``alembic.ini`` is needed.

``jumelage db upgrade`` and the start-up of ``jumelage serve`` call
:func:`upgrade`; the migration scripts live in ``versions/``.

Each domain area may grow its own branch of migrations from a common base
(``0002_community`` and ``0003_rooms`` both revise ``0001``), so areas can be
built side by side; "up to date" therefore means "at every head".
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ..database import Database

HERE = Path(__file__).parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at this package's scripts."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revisions the code knows, joined by commas."""
    heads = sorted(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert heads, "no migration scripts found"
    return ",".join(heads)


async def current_revision(db: Database) -> str | None:
    """The revisions the database is at (joined by commas), or None when empty."""

    def read(connection: Connection) -> str | None:
        heads = sorted(MigrationContext.configure(connection).get_current_heads())
        return ",".join(heads) or None

    async with db.engine.connect() as conn:
        return await conn.run_sync(read)


async def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the database up to ``revision`` (all the way by default)."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(db: Database, revision: str) -> None:
    """Take the database back to ``revision`` (tests and emergencies only)."""

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
