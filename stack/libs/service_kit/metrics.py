"""Prometheus metrics: HTTP requests by route template and status, latency, in-flight requests."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.registry import Collector


class HttpMetrics:
    """One registry per app, so several apps (e.g. in tests) never clash."""

    def __init__(self, business_metrics: tuple[Collector, ...] = ()) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to serve a request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        # Counted in a plain int that the gauge reads when scraped (prometheus-client's
        # set_function): the middleware's two updates a request are additions, not two gauge
        # calls, each taking the gauge's lock. Only the event loop's thread changes it.
        self.requests_in_flight = 0
        self.in_flight = Gauge(
            "http_requests_in_flight", "Requests being served now.", registry=self.registry
        )
        self.in_flight.set_function(lambda: self.requests_in_flight)
        # Module-defined counters (orders created, ...) are exposed beside the HTTP ones.
        for collector in business_metrics:
            self.registry.register(collector)
        # The labelled children by (method, route, status): `labels()` checks and stringifies its
        # values and takes the metric's lock on every call. As many entries as the metrics have series.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
