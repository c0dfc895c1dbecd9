"""/metrics: Prometheus text with requests by route template and status, latency, in-flight, business."""

from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from service_kit.metrics import LATENCY, LATENCY_HELP, REQUESTS, REQUESTS_HELP, HttpMetrics
from service_kit.tests.demo_app import KEYS, demo_app


def samples(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_requests_are_counted_by_route_template_method_and_status() -> None:
    client = TestClient(demo_app())
    for item in ("a", "b", "c"):
        client.get(f"/api/v1/items/{item}")
    client.get("/no/such/path")

    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples(client)["http_requests_total"]
    }

    assert counts[("GET", "/api/v1/items/{item_id}", "200")] == 3
    assert counts[("GET", "<unmatched>", "404")] == 1
    assert not any(route == "/api/v1/items/a" for _, route, _ in counts)


def test_latency_histogram_and_in_flight_gauge_are_exposed() -> None:
    client = TestClient(demo_app())
    client.get("/api/v1/items/a")

    found = samples(client)

    buckets = [
        v
        for labels, v in found["http_request_duration_seconds_count"]
        if labels["route"] == "/api/v1/items/{item_id}"
    ]
    assert buckets == [1.0]
    assert found["http_requests_in_flight"] == [({}, 1.0)]  # the scrape itself, being served


def test_module_business_counters_are_exposed() -> None:
    client = TestClient(demo_app())
    before = samples(client)["demo_items_created_total"][0][1]
    token = KEYS.token("tests", "demo")

    client.post("/api/v1/items/new", headers={"Authorization": f"Bearer {token}"})

    assert samples(client)["demo_items_created_total"][0][1] == before + 1


def test_the_http_series_are_what_a_prometheus_client_counter_and_histogram_expose() -> None:
    observed = [
        ("GET", "/api/v1/items/{item_id}", 200, 0.0004),
        ("GET", "/api/v1/items/{item_id}", 200, 0.005),  # on a bucket's bound: counted in it
        ("GET", "/api/v1/items/{item_id}", 404, 0.3),
        ("POST", "/api/v1/items/new", 201, 12.0),  # past the last finite bound
    ]
    kit = HttpMetrics()
    reference = CollectorRegistry()
    counter = Counter(REQUESTS, REQUESTS_HELP, ["method", "route", "status"], registry=reference)
    histogram = Histogram(LATENCY, LATENCY_HELP, ["method", "route"], registry=reference)
    for method, route, status, seconds in observed:
        kit.observe(method, route, status, seconds)
        counter.labels(method, route, str(status)).inc()
        histogram.labels(method, route).observe(seconds)

    def series(registry: CollectorRegistry) -> list[tuple[str, str, str, str, float | None]]:
        return sorted(
            # Created timestamps differ by when each was made; that there is one is what counts.
            (
                family.name,
                family.type,
                sample.name,
                str(sorted(sample.labels.items())),
                None if "_created" in sample.name else sample.value,
            )
            for family in text_string_to_metric_families(generate_latest(registry).decode())
            for sample in family.samples
            if not family.name.startswith("http_requests_in_flight")
        )

    assert series(kit.registry) == series(reference)
    assert any(name.endswith("_created") for _, _, name, _, _ in series(kit.registry))
