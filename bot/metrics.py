"""Prometheus metrics (operate): how the bot is doing, never what it holds. Labels are kinds and outcomes
from short fixed lists: no case, no person, no text, no team in any of them.

Served at /metrics only when MELDCODE_METRICS_TOKEN is set, and only to a scraper that sends it as a bearer
token (Prometheus: `authorization: {credentials: …}`). With several gunicorn workers the counters of all of
them are summed (prometheus-client's multiprocess mode, set up by `meldcode serve` before any import).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hmac
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "meldcode_requests", "Requests answered, by kind (Slack payload type) and outcome", ["kind", "outcome"]
)
ACK_SECONDS = Histogram(
    "meldcode_ack_seconds",
    "Seconds from a request's arrival to its answer (Slack gives up after 3)",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
)
REMINDERS = Counter("meldcode_reminders", "Reminders by what became of them in a sender pass", ["state"])
DATABASE_ERRORS = Counter(
    "meldcode_database_errors", "Events the database could not serve, by kind", ["kind"]
)  # busy | unavailable | error


# The kind of the request this thread is answering, set by the Slack app's middleware for the server to count.
current_kind: contextvars.ContextVar[str] = contextvars.ContextVar("meldcode_request_kind", default="other")


def kind_of(body: object) -> str:
    """A Slack request's kind, from its payload type (never anything of its content)."""
    if not isinstance(body, dict):
        return "other"
    if body.get("command"):
        return "command"
    return {
        "block_actions": "action",
        "view_submission": "view",
        "view_closed": "view",
        "event_callback": "event",
        "shortcut": "shortcut",
        "message_action": "shortcut",
        "block_suggestion": "options",
    }.get(str(body.get("type")), "other")


def outcome_of(status: str) -> str:
    code = int(status.split(" ", 1)[0]) if status[:3].isdigit() else 500
    if code < 400:
        return "ok"
    if code in (401, 403, 404, 410):
        return "refused"
    return "bad_request" if code < 500 else "error"


class StateCollector(Collector):
    """What is read at scrape time: the outbox backlog and its oldest message's age, the audit witness's age."""

    def __init__(self, outbox: Callable[[], tuple[int, dt.datetime | None]], witness_file: Path | None):
        self.outbox, self.witness_file = outbox, witness_file

    def collect(self) -> Iterable[GaugeMetricFamily]:
        now = dt.datetime.now(dt.UTC)
        try:
            backlog, oldest = self.outbox()
        except Exception:  # the database is down: the request counters and /healthz say so
            backlog, oldest = -1, None
        yield GaugeMetricFamily("meldcode_outbox_backlog", "DMs written but not yet delivered (-1: unknown)", backlog)
        yield GaugeMetricFamily(
            "meldcode_outbox_oldest_seconds",
            "Age of the oldest DM not yet delivered (0: none)",
            (now - oldest).total_seconds() if oldest else 0.0,
        )
        if self.witness_file is not None:
            try:
                age = time.time() - self.witness_file.stat().st_mtime
            except OSError:
                age = -1.0
            yield GaugeMetricFamily(
                "meldcode_audit_witness_age_seconds", "Seconds since the audit witness file was last written", age
            )


def exposition(collector: StateCollector, *, multiprocess: bool) -> tuple[bytes, str]:
    """The metrics of every worker (multiprocess mode) or of this process, and the state read now."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    if multiprocess:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry)
        registry.register(collector)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    registry.register(collector)
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST


def authorised(header: str | None, token: str) -> bool:
    given = (header or "").removeprefix("Bearer ").strip()
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())
