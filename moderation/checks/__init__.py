"""The pipeline's checks, one module each, in the order they run.

``build_pipeline`` assembles them: rate limit, content, personal data,
pre-moderation (see ``moderation.pipeline`` for how verdicts combine).
"""

from __future__ import annotations

from cluster import RateLimiter

from ..pipeline import Pipeline
from ..settings import ModerationSettings
from .content import ContentCheck
from .personal_data import PersonalDataCheck
from .premoderation import PremoderationCheck
from .rate_limit import RateLimitCheck

__all__ = [
    "ContentCheck",
    "PersonalDataCheck",
    "PremoderationCheck",
    "RateLimitCheck",
    "build_pipeline",
]


def build_pipeline(limiter: RateLimiter, settings: ModerationSettings | None = None) -> Pipeline:
    """The chat pipeline in its fixed order, sharing ``limiter`` across nodes.

    Args:
        limiter: The cluster's rate limiter (``Cluster.rate_limiter`` or an
            ``InMemoryRateLimiter`` in tests).
        settings: Server-wide limits; the defaults suit a school.
    """
    settings = settings or ModerationSettings()
    return Pipeline(
        [
            RateLimitCheck(limiter, settings),
            ContentCheck(),
            PersonalDataCheck(),
            PremoderationCheck(),
        ],
        settings,
    )
