"""Abuse limits on the authentication endpoints, built from the settings.

Every rule is a token bucket in the cluster's rate limiter, so the limits hold
across nodes when Redis is configured. Client addresses and logins enter the
keys only as a keyed hash: Redis never holds an e-mail address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cluster import RateLimiter, RateRule
from protocol.errors import RateLimited

from ..settings import AccountSettings


@dataclass(frozen=True, slots=True)
class AuthLimits:
    """The rules of the authentication endpoints."""

    login_per_account: RateRule
    login_per_address: RateRule
    register_per_address: RateRule
    token_per_address: RateRule
    join_tokens_per_key: RateRule

    @classmethod
    def from_settings(cls, s: AccountSettings) -> AuthLimits:
        return cls(
            login_per_account=RateRule(
                "auth.login.account",
                s.login_attempts_per_account,
                s.login_attempts_per_account / s.login_window_s,
            ),
            login_per_address=RateRule(
                "auth.login.address",
                s.login_attempts_per_address,
                s.login_attempts_per_address / s.login_window_s,
            ),
            register_per_address=RateRule(
                "auth.register.address",
                s.registrations_per_address,
                s.registrations_per_address / 3600,
            ),
            token_per_address=RateRule(
                "auth.token.address",
                s.token_requests_per_address,
                s.token_requests_per_address / 60,
            ),
            join_tokens_per_key=RateRule(
                "auth.join.key", s.join_tokens_per_key, s.join_tokens_per_key / 60
            ),
        )


class Throttle:
    """Checks the limits; keys are hashed so no personal data reaches the store.

    Args:
        limiter: The cluster's rate limiter.
        key_secret: Secret for the keyed hash of logins and addresses.
    """

    def __init__(self, limiter: RateLimiter, key_secret: bytes) -> None:
        self._limiter = limiter
        self._secret = key_secret

    def _key(self, value: str) -> str:
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    async def check(self, rule: RateRule, value: str) -> None:
        """Count one attempt.

        Raises:
            RateLimited: With ``details["retry_after_s"]``.
        """
        decision = await self._limiter.hit(rule, self._key(value))
        if not decision.allowed:
            retry = max(1, round(decision.retry_after_s))
            raise RateLimited(
                f"too many attempts; try again in {retry} seconds",
                details={"retry_after_s": retry},
            )
