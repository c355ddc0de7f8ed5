"""What this process counts as it works, in Prometheus form.

These are the figures only the process that does the work can see: HTTP requests of an API
process, claims, lease renewals and phase durations of a worker, delivery attempts of a
deliverer. Figures about the whole service (operations by status, queue depth) are read from
the database when scraped (:mod:`minerun.store.census`), so every API process answers the same.
A process exposes its own instruments: an API process at ``/metrics``, a ``minerun worker`` at
its health port; ``minerun serve`` runs all three roles, so its ``/metrics`` has them all.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PROCESS: Final = CollectorRegistry()

_SECONDS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)

HTTP_REQUESTS: Final = Counter(
    "minerun_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
    registry=PROCESS,
)
HTTP_SECONDS: Final = Histogram(
    "minerun_http_request_seconds",
    "Time from a request's arrival to the end of its answer, by route template.",
    ["route"],
    buckets=_SECONDS,
    registry=PROCESS,
)
EVENT_STREAMS: Final = Gauge(
    "minerun_event_streams",
    "Server-sent event streams open on this process.",
    registry=PROCESS,
)

CLAIMS: Final = Counter(
    "minerun_claims", "Operations claimed by this worker, by kind.", ["kind"], registry=PROCESS
)
PICKUP_SECONDS: Final = Histogram(
    "minerun_pickup_latency_seconds",
    "Time from the moment an operation could run (created, or its retry became due) to its claim.",
    ["kind"],
    buckets=_SECONDS,
    registry=PROCESS,
)
PHASE_SECONDS: Final = Histogram(
    "minerun_phase_duration_seconds",
    "Duration of the phases of operations that ended on this worker, by kind and phase.",
    ["kind", "phase"],
    buckets=_SECONDS,
    registry=PROCESS,
)
LEASE_RENEWALS: Final = Counter(
    "minerun_lease_renewals", "Leases renewed by this worker's heartbeats.", registry=PROCESS
)
LEASES_LOST: Final = Counter(
    "minerun_leases_lost",
    "Leases this worker found gone while it ran the operation (cancelled, timed out, taken).",
    registry=PROCESS,
)
TAKEOVERS: Final = Counter(
    "minerun_takeovers",
    "Operations whose lease expired on a stopped worker and that this worker put back to run.",
    registry=PROCESS,
)
TIMEOUTS: Final = Counter(
    "minerun_operation_timeouts",
    "Operations this worker stopped because their timeout passed.",
    registry=PROCESS,
)

DELIVERIES: Final = Counter(
    "minerun_deliveries",
    "Notification delivery attempts, by channel and outcome.",
    ["channel", "outcome"],
    registry=PROCESS,
)
DELIVERY_SECONDS: Final = Histogram(
    "minerun_delivery_seconds",
    "Duration of one delivery attempt, by channel.",
    ["channel"],
    buckets=_SECONDS,
    registry=PROCESS,
)
