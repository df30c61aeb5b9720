"""Every realtime event, by name: the map both the server and the SDK use.

The maps are built from the classes in ``protocol.events`` and fail loudly on
a duplicate or malformed name, so two events can never share a name and a
typo cannot slip in. docs/protocol.md documents every name listed here (a test
checks it).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import TypeVar

from .events import breakouts, chat, hands, lobby, moderation, polls, rooms
from .events.base import EVENT_NAME_RE, ClientEvent, ServerEvent

E = TypeVar("E", ClientEvent, ServerEvent)

_MODULES = (rooms, lobby, hands, polls, breakouts, chat, moderation)


def _collect(base: type[E]) -> list[type[E]]:
    found: list[type[E]] = []
    for module in _MODULES:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, base)
                and value is not base
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def build_index(classes: Iterable[type[E]]) -> MappingProxyType[str, type[E]]:
    """Map event names to classes.

    Raises:
        ValueError: A class without a well-formed name, or two classes with one name.
    """
    index: dict[str, type[E]] = {}
    for cls in classes:
        if not EVENT_NAME_RE.fullmatch(cls.name):
            raise ValueError(f"{cls.__qualname__} has a malformed event name {cls.name!r}")
        if cls.name in index:
            raise ValueError(
                f"event {cls.name!r} is declared twice: "
                f"{index[cls.name].__qualname__} and {cls.__qualname__}"
            )
        index[cls.name] = cls
    return MappingProxyType(dict(sorted(index.items())))


CLIENT_EVENTS: MappingProxyType[str, type[ClientEvent]] = build_index(_collect(ClientEvent))
"""Every command a client may send, by name."""
SERVER_EVENTS: MappingProxyType[str, type[ServerEvent]] = build_index(_collect(ServerEvent))
"""Every event the server may send, by name."""

if set(CLIENT_EVENTS) & set(SERVER_EVENTS):  # pragma: no cover - a declaration bug
    raise ValueError(f"names used both ways: {sorted(set(CLIENT_EVENTS) & set(SERVER_EVENTS))}")
