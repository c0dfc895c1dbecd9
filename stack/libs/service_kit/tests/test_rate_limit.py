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


def limited_client(**settings: object) -> TestClient:
    rule = RateLimitRule(per_second=0.01, burst=2)
    return TestClient(demo_app(demo_settings(rate_limit=rule, **settings)), client=("10.0.0.5", 5000))


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() -> None:
    client = limited_client(trusted_proxies=["10.0.0.0/8"])

    alice = [client.get("/api/v1/items/a", headers={"X-Forwarded-For": "203.0.113.1"}) for _ in range(3)]
    bob = client.get("/api/v1/items/a", headers={"X-Forwarded-For": "203.0.113.2"})

    assert [r.status_code for r in alice] == [200, 200, 429]
    assert bob.status_code == 200


def test_the_client_is_the_right_most_untrusted_forwarded_address_so_a_forged_left_part_does_not_help() -> (
    None
):
    client = limited_client(trusted_proxies=["10.0.0.0/8"])

    forged = [
        client.get("/api/v1/items/a", headers={"X-Forwarded-For": f"198.51.100.{i}, 203.0.113.9, 10.0.0.7"})
        for i in range(3)
    ]

    assert [r.status_code for r in forged] == [200, 200, 429]


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    client = limited_client()

    spoofed = [client.get("/api/v1/items/a", headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(3)]

    assert [r.status_code for r in spoofed] == [200, 200, 429]


def test_requests_refused_401_are_rate_limited_too() -> None:
    client = limited_client()

    guesses = [client.post("/api/v1/items/x", headers={"Authorization": "Bearer guess"}) for _ in range(3)]

    assert [r.status_code for r in guesses] == [401, 401, 429]
