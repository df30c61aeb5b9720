"""Public reference data: the participating countries and the school register."""

from __future__ import annotations

from community import country_table
from protocol import Page
from protocol.api.accounts import SchoolView
from protocol.api.schools import CountryListView, CountryView, SchoolListQuery

from .routing import Access, Ctx, RouteTable
from .views import school_view

routes = RouteTable()
TAGS = ("reference",)


@routes.get(
    "/api/v1/countries",
    access=Access.PUBLIC,
    summary="Participating countries",
    tags=TAGS,
)
async def list_countries(ctx: Ctx) -> CountryListView:
    """The countries taking part today, with their default time zones."""
    table = country_table()
    today = ctx.services.today()
    return CountryListView(
        version=table.version,
        countries=[
            CountryView(
                code=c.code,
                name=c.name,
                group=c.group.value,
                timezone=c.timezone,
                joined=c.joined,
            )
            for c in table.participating(today)
        ],
    )


@routes.get(
    "/api/v1/schools",
    access=Access.PUBLIC,
    summary="Find a school",
    tags=TAGS,
    errors=(400,),
)
async def list_schools(ctx: Ctx, query: SchoolListQuery) -> Page[SchoolView]:
    """By country and by the beginning of the name; for teachers registering."""
    found = await ctx.services.accounts.schools.list_schools(
        country_code=query.country,
        name_prefix=query.q,
        cursor=query.cursor,
        limit=query.limit,
    )
    return Page[SchoolView](
        items=[school_view(s) for s in found.items], next_cursor=found.next_cursor
    )
