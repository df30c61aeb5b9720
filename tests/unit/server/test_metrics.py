"""The realtime figures, kept as plain numbers, read as Prometheus families at a scrape.

``RealtimeStats`` replaced prometheus_client's ``Counter`` and ``Histogram``
for the realtime layer (they cost a lock per value on every command); what
a scrape shows must be what those showed: the same names, labels, buckets
("less than or equal", cumulative), counts and sums.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.parser import text_string_to_metric_families

from server.metrics import LATENCY_BUCKETS_S, Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_commands_are_counted_by_event_and_outcome() -> None:
    metrics = Metrics()
    stats = metrics.realtime
    for outcome in ("ok", "ok", "forbidden"):
        stats.command("chat.send", outcome, 0.002)
    stats.command("unknown", "unknown_event", 0.0001)
    found = samples(metrics)
    events = "jumelage_realtime_events_total"
    assert found[(events, (("event", "chat.send"), ("outcome", "ok")))] == 2
    assert found[(events, (("event", "chat.send"), ("outcome", "forbidden")))] == 1
    assert found[(events, (("event", "unknown"), ("outcome", "unknown_event")))] == 1
    assert not any(name == events and ("outcome", "internal") in labels for name, labels in found)


@pytest.mark.parametrize(
    "seconds",
    [[0.0, 0.001, 0.0011, 0.0025, 0.7, 5.0, 5.1, 120.0], [0.003] * 5, []],
)
def test_acknowledgement_times_read_as_prometheus_own_histogram(seconds: list[float]) -> None:
    metrics = Metrics()
    reference = Histogram(
        "reference", "", ["event"], buckets=LATENCY_BUCKETS_S, registry=CollectorRegistry()
    )
    for value in seconds:
        metrics.realtime.command("room.join", "ok", value)
        reference.labels("room.join").observe(value)
    ours = {
        (name.removeprefix("jumelage_realtime_ack_seconds"), labels): value
        for (name, labels), value in samples(metrics).items()
        if name.startswith("jumelage_realtime_ack_seconds")
    }
    theirs = {
        (sample.name.removeprefix("reference"), tuple(sorted(sample.labels.items()))): value
        for family in reference.collect()
        for sample in family.samples
        for value in [sample.value]
        if sample.name.endswith(("_bucket", "_count", "_sum"))
    }
    if not seconds:
        assert ours == {}  # no command yet: no series (as a histogram with no child)
        return
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value), key


def test_feed_events_and_deliveries_start_at_zero_and_add_up() -> None:
    metrics = Metrics()
    assert samples(metrics)[("jumelage_realtime_deliveries_total", ())] == 0
    metrics.realtime.feed_events += 2
    metrics.realtime.deliveries += 31 + 30
    found = samples(metrics)
    assert found[("jumelage_realtime_feed_events_total", ())] == 2
    assert found[("jumelage_realtime_deliveries_total", ())] == 61


def test_two_apps_count_apart() -> None:
    first, second = Metrics(), Metrics()
    first.realtime.command("chat.send", "ok", 0.001)
    assert not any(name.startswith("jumelage_realtime_events") for name, _ in samples(second))


def test_the_engines_writes_are_read_at_each_scrape() -> None:
    metrics = Metrics()
    assert not any("writ" in name for name, _ in samples(metrics))
    counts = SimpleNamespace(writes=0, frames=0)
    metrics.realtime.watch_writes(counts)
    counts.writes, counts.frames = 4, 10
    found = samples(metrics)
    assert found[("jumelage_realtime_socket_writes_total", ())] == 4
    assert found[("jumelage_realtime_frames_written_total", ())] == 10
