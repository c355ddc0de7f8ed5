"""``GET /metrics``: this process's own instruments and the service-wide census."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from minerun.metrics import PROCESS
from minerun.store.database import Database


class CensusCollector(Collector):
    """Service-wide gauges, read from the database at each scrape."""

    def __init__(self, database: Database, lease_seconds: float) -> None:
        self.database = database
        self.lease_seconds = lease_seconds

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        # A worker seen within one lease period is alive, as for the estimates.
        census = self.database.census.take(now, now - timedelta(seconds=self.lease_seconds))
        operations = GaugeMetricFamily(
            "minerun_operations", "Operations by kind and status.", labels=["kind", "status"]
        )
        claims = GaugeMetricFamily(
            "minerun_operation_claims",
            "Attempts started (first runs, automatic retries, takeovers), by kind.",
            labels=["kind"],
        )
        retries = GaugeMetricFamily(
            "minerun_manual_retries", "Operations created by a retry request.", labels=["kind"]
        )
        claimed: dict[str, float] = {}
        retried: dict[str, float] = {}
        for line in census.kinds:
            operations.add_metric([line.kind, line.status], line.operations)
            claimed[line.kind] = claimed.get(line.kind, 0) + line.claims
            retried[line.kind] = retried.get(line.kind, 0) + line.manual_retries
        for kind, value in claimed.items():
            claims.add_metric([kind], value)
        for kind, value in retried.items():
            retries.add_metric([kind], value)
        depth = GaugeMetricFamily(
            "minerun_queue_depth", "Operations due and waiting for a slot.", labels=["priority"]
        )
        oldest = GaugeMetricFamily(
            "minerun_queue_oldest_seconds",
            "How long the longest-waiting due operation has waited.",
            labels=["priority"],
        )
        for queued in census.queue:
            depth.add_metric([queued.priority], queued.depth)
            oldest.add_metric([queued.priority], queued.oldest_seconds)
        notifications = GaugeMetricFamily(
            "minerun_notifications",
            "Notifications in the outbox, by channel and delivery status.",
            labels=["channel", "status"],
        )
        for counted in census.notifications:
            notifications.add_metric([counted.channel, counted.status], counted.notifications)
        workers = GaugeMetricFamily("minerun_workers", "Workers alive.", value=census.workers)
        slots = GaugeMetricFamily("minerun_worker_slots", "Slots of live workers.", census.slots)
        yield from (operations, claims, retries, depth, oldest, notifications, workers, slots)


def exposition(database: Database, lease_seconds: float) -> bytes:
    """The text a Prometheus scrape of this process reads."""
    census = CollectorRegistry()
    census.register(CensusCollector(database, lease_seconds))
    return generate_latest(PROCESS) + generate_latest(census)
