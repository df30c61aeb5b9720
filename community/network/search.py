"""Partner search: teachers' profiles and partner-finding posts, in one list.

Free text is matched word by word (accents and case ignored, the last word
may be unfinished) and ranked by relevance: results with more of the words
in their title (a teacher's name, a post's title) first, then shorter ones,
then the newest (``storage.search.ranking``). Filters narrow the result and
the facet counts describe the whole filtered result, so a user sees how many
results each further filter would leave. Only validated teachers' documents
and open, unexpired posts are found (see ``storage.search``).

Filter values are checked against the vocabularies and the country table so
that a typo is an error rather than an empty result. Counts are always those
of the current result, the overview (no words, no filter) included: each
node counts them from its in-memory copy of the documents' facets, which is
brought up to date before every search (``storage.search.mirror``).
"""

from __future__ import annotations

import logging

from cluster import Clock
from protocol.api.accounts import SchoolType
from protocol.api.network import AGE_HIGH, AGE_LOW, MAX_SEARCH_PAGE
from protocol.errors import InvalidPayload
from storage import Database
from storage.search import SearchPage, SearchRequest

from ..clock import utc_now
from ..countries import country_table
from ..principal import Principal
from .access import require_networker
from .texts import check_age_range
from .vocabulary import Vocabulary

logger = logging.getLogger(__name__)

SCHOOL_TYPES = frozenset(t.value for t in SchoolType)


class PartnerSearchService:
    """Runs partner searches for validated teachers."""

    def __init__(self, *, db: Database, clock: Clock, vocabulary: Vocabulary) -> None:
        self._db = db
        self._clock = clock
        self._vocabulary = vocabulary

    async def search(
        self, actor: Principal, request: SearchRequest, *, cursor: str | None, limit: int
    ) -> SearchPage:
        """One page of results with the total and the facet counts.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            InvalidPayload: An unknown filter value, a bad age range, or a
                cursor of another search.
        """
        require_networker(actor)
        checked = self._check(request)
        async with self._db.transaction("network.search") as uow:
            return await uow.search.search(
                checked,
                now=utc_now(self._clock),
                cursor=cursor,
                limit=max(1, min(limit, MAX_SEARCH_PAGE)),
            )

    async def warm(self) -> None:
        """Load this node's copy of the search documents (seconds at 100,000
        profiles), so that the first search does not wait for it; started in
        the background when the server starts. Searches arriving meanwhile
        wait for this load rather than starting another."""
        async with self._db.transaction("network.search.warm") as uow:
            await uow.search.warm()
        logger.info("search mirror loaded")

    def _check(self, request: SearchRequest) -> SearchRequest:
        countries = country_table()
        unknown = [
            c for c in (*request.countries, request.open_to or "XK") if not countries.find(c)
        ]
        if unknown:
            raise InvalidPayload(
                f"unknown country code: {', '.join(unknown)}", details={"field": "country"}
            )
        bad_types = [t for t in request.school_types if t not in SCHOOL_TYPES]
        if bad_types:
            raise InvalidPayload(
                f"unknown school type: {', '.join(bad_types)}", details={"field": "school_type"}
            )
        if request.age_min is not None and request.age_max is not None:
            check_age_range(request.age_min, request.age_max, low=AGE_LOW, high=AGE_HIGH)
        return SearchRequest(
            text=request.text,
            kind=request.kind,
            countries=tuple(c.upper() for c in request.countries),
            subjects=self._vocabulary.check_subjects(request.subjects, field="subject"),
            languages=self._vocabulary.check_languages(request.languages, field="language"),
            school_types=tuple(dict.fromkeys(request.school_types)),
            age_min=request.age_min,
            age_max=request.age_max,
            looking_for_partners=request.looking_for_partners,
            open_to=None if request.open_to is None else request.open_to.upper(),
        )
