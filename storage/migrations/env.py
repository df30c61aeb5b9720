"""Alembic environment: runs on the connection handed over by ``storage.migrations``."""

from __future__ import annotations

from alembic import context

from storage.tables import Base
from storage.tables.network import SQL_ONLY_NAMES

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `jumelage db upgrade`, not the alembic command")


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    # Objects made with raw SQL (engine-specific full-text indexes) are not in
    # the ORM metadata; without this, autogenerate would propose dropping them.
    return name not in SQL_ONLY_NAMES


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=_include_name,
)
with context.begin_transaction():
    context.run_migrations()
