"""How the search runs its reads: one awaited call per statement.

A search is three short reads (the change log, the words, the page), so what
a statement costs around the database matters as much as in it: through
SQLAlchemy, about a millisecond of CPU each on this project's machines. An
SQLite statement crosses to aiosqlite's thread four times (cursor, execute,
fetch, close), once with :func:`aiosqlite_reader`; :func:`asyncpg_reader`
hands PostgreSQL's statements straight to asyncpg, which prepares each once
per connection. Both run on the transaction's own connection.

Statements are plain SQL with ``:name`` parameters, as the standard
``sqlite3`` module reads them; :func:`positional` turns them into asyncpg's
``$n``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

Params = dict[str, Any]
Rows = Sequence[Sequence[Any]]
Reader = Callable[[str, Params], Awaitable[Rows]]


_NAME = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=256)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``:name`` parameters as ``$1, $2...`` and the names in order
    (``::type`` casts are left alone)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _NAME.sub(number, sql), tuple(names)


async def _driver(conn: AsyncConnection) -> Any:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return driver


async def aiosqlite_reader(conn: AsyncConnection) -> Reader:
    """Reads straight through aiosqlite, on the transaction's connection."""
    driver = await _driver(conn)

    async def read(sql: str, params: Params) -> Rows:
        return list(await driver.execute_fetchall(sql, params))

    return read


async def asyncpg_reader(conn: AsyncConnection) -> Reader:
    """Reads straight through asyncpg, in the transaction's connection."""
    driver = await _driver(conn)

    async def read(sql: str, params: Params) -> Rows:
        numbered, names = positional(sql)
        return list(await driver.fetch(numbered, *(params[name] for name in names)))

    return read


def in_list(name: str, values: Sequence[Any], params: Params) -> str:
    """``(:name0, :name1, ...)`` for an ``IN``, with the values added to ``params``."""
    names = [f"{name}{index}" for index in range(len(values))]
    params.update(zip(names, values, strict=True))
    return "(" + ", ".join(f":{n}" for n in names) + ")"
