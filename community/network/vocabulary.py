"""The controlled vocabularies of the networking area: subjects and languages.

Profiles, posts and search filters carry codes from these lists (subject
codes, ISO 639-1 language codes), never free text, so that facet counts stay
stable and comparable across countries. The lists are data
(``data/subjects.toml``, ``data/languages.toml``) with their sources; the
project domain may use the same lists for projects' subjects and languages.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from protocol.errors import InvalidPayload


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of a vocabulary."""

    code: str
    label: str
    """English name."""
    keywords: tuple[str, ...] = ()
    """Other names (other languages, abbreviations) that search also finds."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Subjects and languages, with the version (review date) of their data."""

    version: str
    subjects: tuple[Term, ...]
    languages: tuple[Term, ...]
    _subjects: dict[str, Term] = field(init=False, repr=False, compare=False)
    _languages: dict[str, Term] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Indexed once: lookups run for every document written to search.
        object.__setattr__(self, "_subjects", {t.code: t for t in self.subjects})
        object.__setattr__(self, "_languages", {t.code: t for t in self.languages})

    def subject(self, code: str) -> Term | None:
        return self._subjects.get(code)

    def language(self, code: str) -> Term | None:
        return self._languages.get(code)

    def check_subjects(self, codes: Iterable[str], *, field: str) -> tuple[str, ...]:
        """Known subject codes, without repeats, in the order given.

        Raises:
            InvalidPayload: An unknown code (``details["unknown"]`` lists them).
        """
        return _check(codes, self._subjects, field=field, what="subject")

    def check_languages(self, codes: Iterable[str], *, field: str) -> tuple[str, ...]:
        """Known ISO 639-1 codes, without repeats, in the order given.

        Raises:
            InvalidPayload: An unknown code (``details["unknown"]`` lists them).
        """
        return _check(codes, self._languages, field=field, what="language")


def _check(
    codes: Iterable[str], known: dict[str, Term], *, field: str, what: str
) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(codes))
    unknown = [code for code in unique if code not in known]
    if unknown:
        raise InvalidPayload(
            f"unknown {what} code: {', '.join(unknown)}",
            details={"field": field, "unknown": unknown},
        )
    return unique


def _read(name: str) -> dict[str, Any]:
    data = resources.files("community.network.data").joinpath(name).read_text("utf-8")
    return tomllib.loads(data)


@cache
def vocabulary() -> Vocabulary:
    """The vocabularies shipped with the package (read once)."""
    subjects_raw = _read("subjects.toml")
    languages_raw = _read("languages.toml")
    subjects = tuple(
        Term(code=s["code"], label=s["label"], keywords=tuple(s.get("keywords", ())))
        for s in subjects_raw["subject"]
    )
    languages = tuple(
        Term(code=code, label=label) for code, label in languages_raw["language"].items()
    )
    return Vocabulary(
        version=max(str(subjects_raw["version"]), str(languages_raw["version"])),
        subjects=subjects,
        languages=languages,
    )
