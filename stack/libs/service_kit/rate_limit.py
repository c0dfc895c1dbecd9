"""Per-client token-bucket rate limits, configurable per route; 429 with Retry-After.

Buckets live in this process: with N replicas each allows the full rate, so the effective limit
is N times higher. A shared store (e.g. Redis) is what changes for many replicas.
"""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import HTTPException, Request

from service_kit.settings import RateLimitRule

MAX_TRACKED_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A FastAPI dependency the kit puts on every module router."""

    def __init__(self, default: RateLimitRule, per_route: dict[str, RateLimitRule], enabled: bool) -> None:
        self.default = default
        self.per_route = per_route
        self.enabled = enabled
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    async def __call__(self, request: Request) -> None:
        if not self.enabled:
            return
        route = request.scope.get("route")
        route_key = f"{request.method} {getattr(route, 'path', request.url.path)}"
        rule = self.per_route.get(route_key, self.default)
        retry_after = self.take(route_key, _client_key(request), rule)
        if retry_after is not None:
            raise HTTPException(
                429,
                f"Rate limit of {rule.per_second:g}/s (burst {rule.burst}) exceeded for {route_key}; "
                f"retry in {retry_after}s.",
                headers={"Retry-After": str(retry_after)},
            )

    def take(self, route_key: str, client_key: str, rule: RateLimitRule) -> int | None:
        """Spend one token; None if allowed, else whole seconds until a token is available."""
        now = time.monotonic()
        key = (route_key, client_key)
        bucket = self._buckets.pop(key, None) or _Bucket(tokens=rule.burst, updated=now)
        bucket.tokens = min(rule.burst, bucket.tokens + (now - bucket.updated) * rule.per_second)
        bucket.updated = now
        self._buckets[key] = bucket  # most recently used last
        if len(self._buckets) > MAX_TRACKED_BUCKETS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / rule.per_second))


def _client_key(request: Request) -> str:
    caller = getattr(request.state, "caller", None)
    if caller:
        return f"caller:{caller}"
    return f"ip:{request.client.host if request.client else 'unknown'}"
