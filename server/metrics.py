"""Prometheus metrics of one server process, exposed at ``/metrics``.

Each app gets its own registry (no process-wide globals), so tests can build
several apps side by side. Labels carry route patterns, codes and names of
transactions: never ids of users or rooms, which would make the series grow
without bound, and never personal data.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

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
        self.realtime = RealtimeStats()
        """Commands, their acknowledgement times, feed events and deliveries."""
        self.registry.register(self.realtime)

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


FEED_EVENTS_HELP = "Room events this node's feed pump handled (each sent once to its audience)."
DELIVERIES_HELP = "Room events queued to local sockets (one per recipient)."
WRITES_HELP = "Direct writes of frames to sockets (a socket's frames of one loop turn together)."
FRAMES_HELP = "WebSocket frames those direct writes carried."


class CommandStats:
    """One realtime command's figures: outcomes, and its acknowledgement times."""

    __slots__ = ("buckets", "outcomes", "total_s")

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        """Commands answered, by outcome (ok or the error code)."""
        self.buckets = [0] * (len(LATENCY_BUCKETS_S) + 1)
        """Acknowledgements per bucket of ``LATENCY_BUCKETS_S`` (not cumulative),
        the last one past every bound (``+Inf``)."""
        self.total_s = 0.0
        """The sum of their times."""


class WriteCounts(Protocol):
    """Where the realtime engine counts its direct writes (``engine.FrameBatch``)."""

    writes: int
    frames: int


class RealtimeStats:
    """The realtime layer's counters, kept as plain numbers and read at each scrape.

    Every command and every room event counts here (tens of thousands a
    second under load). prometheus_client's ``Counter.inc`` and
    ``Histogram.observe`` take a lock per value and check the metric on every
    call, several µs per command with a histogram; here a command costs two
    dict lookups and three additions, all on the event loop's thread, and
    ``collect`` (a prometheus_client collector, registered in the app's
    registry) turns them into the same families at each scrape:
    ``jumelage_realtime_events_total`` by event and outcome,
    ``jumelage_realtime_ack_seconds`` by event, ``jumelage_realtime_feed_events_total``
    and ``jumelage_realtime_deliveries_total``. Scrapes run on the same loop,
    so they read whole figures.
    """

    def __init__(self) -> None:
        self.commands: dict[str, CommandStats] = {}
        """By command name (registered names and ``unknown``: a bounded set)."""
        self.feed_events = 0
        """Room events this node's feed pump handled (each sent once to its local audience)."""
        self.deliveries = 0
        """Room events queued to local sockets (one per recipient)."""
        self.writes: WriteCounts | None = None
        """The engine's direct writes, read at each scrape (``watch_writes``)."""

    def watch_writes(self, counts: WriteCounts) -> None:
        """Export the engine's counts of direct writes and the frames they carried.

        Frames per write is how much of the fan-out the kernel's ``send``
        (the largest cost per delivery) is spared by grouping a socket's
        frames of one turn of the event loop.
        """
        self.writes = counts

    def command(self, event: str, outcome: str, seconds: float) -> None:
        """Count one command answered with ``outcome`` after ``seconds``."""
        stats = self.commands.get(event)
        if stats is None:
            stats = self.commands[event] = CommandStats()
        outcomes = stats.outcomes
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        # Prometheus buckets are "less than or equal": the first bound >= seconds.
        stats.buckets[bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        stats.total_s += seconds

    def describe(self) -> list[Metric]:
        """The families' names, for the registry's duplicate check (no samples)."""
        return list(self._families(with_samples=False))

    def collect(self) -> Iterator[Metric]:
        """The families with their current values (prometheus_client's collector API)."""
        return self._families(with_samples=True)

    def _families(self, *, with_samples: bool) -> Iterator[Metric]:
        events = CounterMetricFamily(
            "jumelage_realtime_events",
            "Realtime commands handled, by command name and outcome (ok or error code).",
            labels=["event", "outcome"],
        )
        acks = HistogramMetricFamily(
            "jumelage_realtime_ack_seconds",
            "Time from receiving a realtime command to its acknowledgement.",
            labels=["event"],
        )
        if with_samples:
            bounds = [*map(floatToGoString, LATENCY_BUCKETS_S), "+Inf"]
            for name, stats in self.commands.items():
                for outcome, count in stats.outcomes.items():
                    events.add_metric([name, outcome], count)
                cumulative, running = [], 0
                for bound, count in zip(bounds, stats.buckets, strict=True):
                    running += count
                    cumulative.append((bound, running))
                acks.add_metric([name], cumulative, stats.total_s)
        yield events
        yield acks
        totals = [
            ("jumelage_realtime_feed_events", FEED_EVENTS_HELP, self.feed_events),
            ("jumelage_realtime_deliveries", DELIVERIES_HELP, self.deliveries),
        ]
        if self.writes is not None:
            totals += [
                ("jumelage_realtime_socket_writes", WRITES_HELP, self.writes.writes),
                ("jumelage_realtime_frames_written", FRAMES_HELP, self.writes.frames),
            ]
        for name, documentation, value in totals:
            yield CounterMetricFamily(name, documentation, value=value if with_samples else None)
