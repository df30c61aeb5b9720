"""Errors raised by the cluster layer.

Only ``ClusterUnavailable`` is a ``CodedError``: it means that the shared
backing store (Redis) cannot be reached, which a client sees as
``unavailable``. A malformed cross-node message is never a client's fault, so
``InvalidClusterMessage`` is a plain ``ValueError`` that the bus logs and skips.

Hierarchy::

    Exception
     ├── CodedError (protocol.errors)
     │    └── Unavailable                 code ``unavailable``
     │         └── ClusterUnavailable     Redis unreachable, publish or write failed
     └── ValueError
          └── InvalidClusterMessage       bytes on the bus that are not a known message
"""

from __future__ import annotations

from protocol.errors import ErrorCode, Unavailable


class ClusterUnavailable(Unavailable):
    """The cluster backing store cannot be reached right now.

    The message names at most a host and port, never a password or a full URL.
    """

    code = ErrorCode.UNAVAILABLE


class InvalidClusterMessage(ValueError):
    """Raw bytes that do not decode into a known ``ClusterMessage``.

    The text summarises the problem (field locations and error types) without
    echoing the input, so it is safe to log.
    """
