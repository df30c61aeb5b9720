"""Knobs of the accounts domain, with defaults for a single school network node.

The server's ``Settings`` embeds this dataclass as its ``accounts`` section, so
each value can be set from the environment (``JUMELAGE_ACCOUNTS__...``) or the
TOML file without being declared twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountSettings:
    """Token lifetimes, password policy, hashing cost and abuse limits."""

    issuer: str = "jumelage"
    """The ``iss`` claim of every token."""
    access_token_ttl_s: int = 900
    """Access tokens live 15 minutes; revocation does not wait for this."""
    refresh_token_ttl_s: int = 30 * 24 * 3600
    """A refresh token family lives 30 days after its last rotation."""
    join_token_max_ttl_s: int = 600
    """Join tokens live at most 10 minutes (OWASP ASVS 9: short-lived)."""
    password_min_length: int = 12
    """Fewest characters in an adult's password (NIST SP 800-63B allows 8; we ask 12)."""
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 1
    hash_concurrency: int = 2
    """Password hashes computed at once; each takes ``argon2_memory_kib``."""
    login_attempts_per_account: int = 10
    """Logins per account per ``login_window_s`` (counts every attempt)."""
    login_attempts_per_address: int = 30
    """Logins per client address per ``login_window_s``."""
    login_window_s: int = 900
    registrations_per_address: int = 5
    """Teacher registrations per client address per hour."""
    token_requests_per_address: int = 60
    """Refreshes and key-minted join tokens per client address per minute."""
    join_tokens_per_key: int = 600
    """Join tokens one API key may mint per minute."""
    max_pupils_per_batch: int = 200
    """Pupils a teacher may create in one request (a large class list)."""
