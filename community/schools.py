"""Finding schools: teachers pick theirs when they register."""

from __future__ import annotations

from protocol.errors import InvalidPayload
from storage import Database
from storage.records import SchoolRecord, Slice

from .countries import country_table

MAX_PAGE = 100


class SchoolService:
    """Reads the school register. School names and towns are public facts."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def list_schools(
        self,
        *,
        country_code: str | None,
        name_prefix: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[SchoolRecord]:
        """Schools by name, of one country or all.

        Raises:
            InvalidPayload: Unknown country code.
        """
        if country_code is not None:
            country = country_table().find(country_code)
            if country is None:
                raise InvalidPayload("unknown country code", details={"field": "country"})
            country_code = country.code
        async with self._db.transaction("schools.list") as uow:
            return await uow.schools.list_schools(
                country_code=country_code,
                name_prefix=name_prefix,
                cursor=cursor,
                limit=min(limit, MAX_PAGE),
            )
