"""Prometheus metrics: requests and latency per payload type, processes, assign waiters,
replays."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """One registry per app, so several apps in one test process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "colonies_rpc_requests",
            "RPC requests by payload type and reply status.",
            ["payloadtype", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "colonies_rpc_latency_seconds",
            "RPC handling time by payload type.",
            ["payloadtype"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120),
        )
        self.processes = Gauge(
            "colonies_processes", "Processes by state.", ["state"], registry=self.registry
        )
        self.assign_waiters = Gauge(
            "colonies_assign_waiters",
            "Assign requests parked waiting for work on this server.",
            registry=self.registry,
        )
        self.assign_wakeups = Gauge(
            "colonies_assign_wakeups",
            "Parked assign requests woken on this server since it started (about one per new "
            "process; more when waiters do not match it).",
            registry=self.registry,
        )
        self.replays = Counter(
            "colonies_replay_detected",
            "Signed requests found replayed, stale, from the future or without nonce and "
            "signing time (reason), refused (require mode) or accepted (warn mode) (action).",
            ["reason", "action"],
            registry=self.registry,
        )

        self.audit_dropped = Counter(
            "colonies_audit_dropped",
            "Audit entries not written: buffer full (database slow or down), or refused "
            "requests of role-less callers beyond COLONIES_AUDIT_ANONYMOUS_RATE.",
            ["reason"],
            registry=self.registry,
        )

    def observe(self, payload_type: str, status: int, seconds: float) -> None:
        self.requests.labels(payload_type, str(status)).inc()
        self.latency.labels(payload_type).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
