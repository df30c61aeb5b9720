"""Hostile inputs: wrong types, huge strings, deep nesting, NaN, lone surrogates,
bidirectional and zero-width characters, and the right field names with them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocol.events.base import ClientEvent

NASTY_CHARS = [
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\x00",
    "\x1b",
    "\u0085",
    "\U0001f469\u200d\U0001f4bb",
    "\u05e9\u05dc\u05d5\u05dd",
]

texts = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.lists(st.sampled_from(NASTY_CHARS), max_size=10).map("".join),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "\u202e", "é"]), st.integers(0, 200_000)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(texts, inner, max_size=5),
    ),
    max_leaves=20,
)


def deep(levels: int, leaf: Any = "x") -> Any:
    """A list nested ``levels`` deep (built without recursion)."""
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


nested = st.builds(deep, st.integers(1, 5_000), scalars)


def payloads(model: type[ClientEvent]) -> st.SearchStrategy[Any]:
    """Anything at all, or the model's own field names holding anything."""
    fields = list(model.model_fields)
    shaped = st.fixed_dictionaries(
        {}, optional={name: st.one_of(json_values, nested) for name in fields}
    )
    return st.one_of(shaped, json_values, nested)


event_names = st.one_of(
    st.none(),
    st.integers(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    texts,
)
