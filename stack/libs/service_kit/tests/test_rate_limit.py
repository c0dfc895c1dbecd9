"""Rate limits: a per-client token bucket per route; past the burst → 429 with Retry-After."""

from fastapi.testclient import TestClient

from service_kit.settings import RateLimitRule
from service_kit.tests.demo_app import demo_app, demo_settings


def test_a_burst_beyond_the_limit_is_429_with_retry_after() -> None:
    client = TestClient(demo_app(demo_settings(rate_limit=RateLimitRule(per_second=0.5, burst=3))))

    statuses = [client.get("/api/v1/items/a").status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get("/api/v1/items/a")
    assert limited.headers["Retry-After"] == "2"
    assert limited.json()["status"] == 429 and "Rate limit" in limited.json()["detail"]


def test_a_route_can_have_its_own_limit() -> None:
    settings = demo_settings(
        rate_limit=RateLimitRule(per_second=100, burst=100),
        rate_limit_routes={"GET /api/v1/items/{item_id}/slow": RateLimitRule(per_second=0.1, burst=1)},
    )
    client = TestClient(demo_app(settings))

    assert [client.get("/api/v1/items/a/slow?seconds=0").status_code for _ in range(2)] == [200, 429]
    assert all(client.get("/api/v1/items/a").status_code == 200 for _ in range(10))


def test_health_is_never_rate_limited_and_limits_can_be_switched_off() -> None:
    limited = TestClient(demo_app(demo_settings(rate_limit=RateLimitRule(per_second=0.1, burst=1))))
    unlimited = TestClient(
        demo_app(demo_settings(rate_limit=RateLimitRule(per_second=0.1, burst=1), rate_limit_enabled=False))
    )

    assert all(limited.get("/health").status_code == 200 for _ in range(5))
    assert all(unlimited.get("/api/v1/items/a").status_code == 200 for _ in range(5))
