"""Sets of document ids as Python integers: bit ``i`` set means document ``i``.

Python's integers do AND, OR and popcount in C over whole words, so
intersecting a filter with a result over 120,000 documents, or counting one
facet value, costs microseconds, with no native dependency. Converting
between this form and lists of ids, or the one-byte-per-id form that SQLite
reads, goes through ``bytearray`` slices rather than a Python loop per bit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

SMALL = 32
"""Up to this many ids, setting bits one by one is cheaper than packing."""


def from_ids(ids: Collection[int]) -> int:
    """The set of the given (non-negative) ids."""
    if len(ids) <= SMALL:
        bits = 0
        for doc_id in ids:
            bits |= 1 << doc_id
        return bits
    flags = bytearray(max(ids) + 8)
    for doc_id in ids:
        flags[doc_id] = 1
    return pack(flags)


def pack(flags: bytes | bytearray) -> int:
    """The set of the positions whose byte is 1 in ``flags`` (each byte 0 or 1).

    Byte ``8k + j`` becomes bit ``j`` of byte ``k``: the eight strided slices
    of ``flags``, read as integers, have one flag in the low bit of each byte,
    so shifting slice ``j`` by ``j`` and OR-ing them packs eight to a byte.
    """
    bits = 0
    for shift in range(8):
        bits |= int.from_bytes(flags[shift::8], "little") << shift
    return bits


def unpack(bits: int, size: int) -> bytes:
    """``size`` bytes, byte ``i`` 1 when ``i`` is in the set, else 0 (the
    inverse of :func:`pack`; members at ``size`` or above are left out)."""
    stride = (size + 7) // 8
    ones = int.from_bytes(b"\x01" * stride, "little")
    flags = bytearray(stride * 8)
    for shift in range(8):
        flags[shift::8] = ((bits >> shift) & ones).to_bytes(stride, "little")
    return bytes(flags[:size])


def highest(bits: int, count: int) -> list[int]:
    """Up to ``count`` members, largest first."""
    found: list[int] = []
    while bits and len(found) < count:
        top = bits.bit_length() - 1
        found.append(top)
        bits ^= 1 << top
    return found


def below(bits: int, bound: int) -> int:
    """The members smaller than ``bound``."""
    return bits & ((1 << bound) - 1) if bound > 0 else 0


def members(bits: int) -> list[int]:
    """Every member, smallest first (for small sets: one step per member)."""
    found: list[int] = []
    while bits:
        low = bits & -bits
        found.append(low.bit_length() - 1)
        bits ^= low
    return found


def union(sets: Iterable[int]) -> int:
    bits = 0
    for one in sets:
        bits |= one
    return bits
