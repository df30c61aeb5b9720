"""Knobs of projects and their spaces, with defaults for one school network node.

The server's ``Settings`` embeds this dataclass as its ``projects`` section
(``JUMELAGE_PROJECTS__REQUIRE_NSO_APPROVAL=true``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True)
class ProjectSettings:
    """Project approval, upload limits and default school hours."""

    require_nso_approval: bool = False
    """When true, a project becomes active only once the national support
    organisation of each founder's country has approved it (off by default:
    whether ESEP still asks for it is unverified)."""
    max_upload_bytes: int = 25 * MIB
    """Largest single file; enough for a short video clip or a long PDF."""
    project_quota_bytes: int = 1024 * MIB
    """Room for all materials of one project."""
    max_image_pixels: int = 40_000_000
    """Images with more pixels are refused before decoding (decompression bombs)."""
    upload_chunk_bytes: int = 64 * 1024
    """How much of an upload is read at once."""
    image_concurrency: int = 2
    """Images re-encoded at once (each may hold a large decoded bitmap)."""
    default_school_days: tuple[int, ...] = field(default=(0, 1, 2, 3, 4))
    """Weekdays (0 = Monday) a school is open until it sets its own hours."""
    default_opens: str = "08:30"
    default_closes: str = "16:30"
