"""The event registry: names, uniqueness, documentation and bounded fields."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel

from protocol.events.base import EVENT_NAME_RE, ClientEvent, ServerEvent
from protocol.registry import CLIENT_EVENTS, SERVER_EVENTS, build_index

DOCS = Path(__file__).resolve().parents[4] / "docs" / "protocol.md"


def documented_sections() -> set[str]:
    return set(re.findall(r"^### `([a-z_.]+)`$", DOCS.read_text("utf-8"), flags=re.MULTILINE))


def test_every_registered_event_has_a_section_in_docs_protocol_md() -> None:
    missing = (set(CLIENT_EVENTS) | set(SERVER_EVENTS)) - documented_sections()
    assert not missing, f"document these events in docs/protocol.md: {sorted(missing)}"


def test_docs_protocol_md_describes_no_event_that_does_not_exist() -> None:
    stale = documented_sections() - (set(CLIENT_EVENTS) | set(SERVER_EVENTS))
    assert not stale, f"docs/protocol.md describes unknown events: {sorted(stale)}"


def test_commands_are_imperative_and_events_past_tense() -> None:
    for name in SERVER_EVENTS:
        verb = name.split(".")[1]
        assert verb.endswith(("ed", "_shown", "knocked", "left", "_held")), name
    for name in CLIENT_EVENTS:
        assert not name.split(".")[1].endswith("ed"), name


@pytest.mark.parametrize("name", sorted(CLIENT_EVENTS))
def test_every_client_event_is_strict_frozen_and_ignores_unknown_fields(name: str) -> None:
    config = CLIENT_EVENTS[name].model_config
    assert config.get("strict") and config.get("frozen")
    assert config.get("extra") == "ignore"


@pytest.mark.parametrize("name", sorted(CLIENT_EVENTS))
def test_every_client_string_field_is_bounded(name: str) -> None:
    schema = CLIENT_EVENTS[name].model_json_schema()
    unbounded = [path for path, node in _string_nodes(schema, schema) if "maxLength" not in node]
    assert not unbounded, f"{name}: unbounded strings at {unbounded}"


@pytest.mark.parametrize("name", sorted(CLIENT_EVENTS))
def test_every_client_list_field_is_bounded(name: str) -> None:
    schema = CLIENT_EVENTS[name].model_json_schema()
    unbounded = [path for path, node in _array_nodes(schema, schema) if "maxItems" not in node]
    assert not unbounded, f"{name}: unbounded lists at {unbounded}"


@pytest.mark.parametrize("name", sorted(SERVER_EVENTS))
def test_server_events_refuse_unknown_fields(name: str) -> None:
    assert SERVER_EVENTS[name].model_config.get("extra") == "forbid"


def test_result_models_are_pydantic_models() -> None:
    for cls in CLIENT_EVENTS.values():
        assert cls.result is None or issubclass(cls.result, BaseModel)


def test_duplicate_names_are_refused() -> None:
    class One(ClientEvent):
        name: ClassVar[str] = "demo.do"

    class Two(ClientEvent):
        name: ClassVar[str] = "demo.do"

    with pytest.raises(ValueError, match="declared twice"):
        build_index([One, Two])


@pytest.mark.parametrize("bad", ["", "demo", "Demo.do", "demo.do.more", "demo.", "demo-x.do"])
def test_malformed_names_are_refused(bad: str) -> None:
    class Bad(ServerEvent):
        name: ClassVar[str] = bad

    assert not EVENT_NAME_RE.fullmatch(bad)
    with pytest.raises(ValueError, match="malformed"):
        build_index([Bad])


def test_sequenced_is_declared_on_every_server_event() -> None:
    for cls in SERVER_EVENTS.values():
        assert isinstance(cls.sequenced, bool)
        assert typing.get_type_hints(cls)["seq"] == int | None


def _walk(
    node: typing.Any, root: dict[str, typing.Any], path: str
) -> typing.Iterator[tuple[str, dict[str, typing.Any]]]:
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            yield from _walk(root["$defs"][ref], root, f"{path}->{ref}")
            return
        yield path, node
        for key, value in node.items():
            if key != "$defs":
                yield from _walk(value, root, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, root, f"{path}[{i}]")


def _string_nodes(
    node: typing.Any, root: dict[str, typing.Any]
) -> typing.Iterator[tuple[str, dict[str, typing.Any]]]:
    return (
        (p, n)
        for p, n in _walk(node, root, "")
        if n.get("type") == "string" and "enum" not in n and "const" not in n
    )


def _array_nodes(
    node: typing.Any, root: dict[str, typing.Any]
) -> typing.Iterator[tuple[str, dict[str, typing.Any]]]:
    return ((p, n) for p, n in _walk(node, root, "") if n.get("type") == "array")
