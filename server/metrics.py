"""Prometheus metrics of one server process, exposed at ``/metrics``.

Each app gets its own registry (no process-wide globals), so tests can build
several apps side by side. Labels carry route patterns, codes and names of
transactions: never ids of users or rooms, which would make the series grow
without bound, and never personal data.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS_S = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)


class Metrics:
    """The metrics of one app."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "jumelage_http_requests",
            "HTTP requests answered, by route pattern, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "jumelage_http_request_seconds",
            "Time to answer an HTTP request.",
            ["route"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.errors = Counter(
            "jumelage_errors",
            "Errors returned to clients, by stable code.",
            ["code"],
            registry=self.registry,
        )
        self.db_transactions = Histogram(
            "jumelage_db_transaction_seconds",
            "Database transactions by name and outcome.",
            ["name", "outcome"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.cluster_healthy = Gauge(
            "jumelage_cluster_healthy",
            "1 when the links to the other nodes (Redis) work, else 0.",
            registry=self.registry,
        )

        self.realtime_connections = Gauge(
            "jumelage_realtime_connections",
            "Realtime sockets open on this node (authenticated and admitted).",
            registry=self.registry,
        )
        self.realtime_connects = Counter(
            "jumelage_realtime_connects",
            "Realtime connection attempts, by outcome (ok or the refusal's code).",
            ["outcome"],
            registry=self.registry,
        )
        self.realtime_events = Counter(
            "jumelage_realtime_events",
            "Realtime commands handled, by command name and outcome (ok or error code).",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.realtime_ack_seconds = Histogram(
            "jumelage_realtime_ack_seconds",
            "Time from receiving a realtime command to its acknowledgement.",
            ["event"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.realtime_feed_events = Counter(
            "jumelage_realtime_feed_events",
            "Room events this node's feed pump handled (each sent once to its local audience).",
            registry=self.registry,
        )
        self.realtime_deliveries = Counter(
            "jumelage_realtime_deliveries",
            "Room events queued to local sockets (one per recipient).",
            registry=self.registry,
        )

        self._transaction_children: dict[tuple[str, bool], Histogram] = {}
        """``db_transactions``' child per (name, ok): ``labels`` costs a few µs
        per call (it checks and joins the labels under a lock), and a chat
        message's store is observed once per message."""

    def observe_transaction(self, name: str, seconds: float, ok: bool) -> None:
        """``storage.TransactionObserver`` that records into the histogram."""
        child = self._transaction_children.get((name, ok))
        if child is None:
            child = self.db_transactions.labels(name, "ok" if ok else "error")
            self._transaction_children[(name, ok)] = child
        child.observe(seconds)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
