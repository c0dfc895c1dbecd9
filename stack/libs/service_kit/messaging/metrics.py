"""Prometheus metrics of events: relayed, handled by outcome, and the dead letters waiting."""

from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge


def _relayed() -> Counter:
    return Counter("events_relayed_total", "Outbox rows the relay handed to the transport.", registry=None)


def _handled() -> Counter:
    return Counter(
        "events_handled_total",
        "Inbox events by outcome: done, retried (a failed attempt) or dead (moved to the dead letters).",
        ["topic", "outcome"],
        registry=None,
    )


def _dead_letters() -> Gauge:
    return Gauge(
        "events_dead_letters", "Events in the dead-letter store, waiting for a replay.", registry=None
    )


@dataclass
class EventMetrics:
    """One set per app (the kit gives each app its own registry): pass `collectors` as business_metrics."""

    relayed: Counter = field(default_factory=_relayed)
    handled: Counter = field(default_factory=_handled)
    dead_letters: Gauge = field(default_factory=_dead_letters)

    @property
    def collectors(self) -> tuple[Counter | Gauge, ...]:
        return (self.relayed, self.handled, self.dead_letters)
