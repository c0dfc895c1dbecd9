"""Per-client token-bucket rate limits, configurable per route; 429 with Retry-After.

The client is the token's subject when the request carries a valid one; otherwise its address:
the peer's, or, when the peer is a trusted proxy (`trusted_proxies` CIDRs), the right-most
address in X-Forwarded-For that is not a trusted proxy (the left part is whatever the client
wrote, so it never counts). Requests refused 401 are limited too, by address.

Buckets live in this process: with N replicas each allows the full rate, so the effective limit
is N times higher. A shared store (e.g. Redis) is what changes for many replicas.
"""

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import HTTPException, Request

from service_kit.settings import RateLimitRule

MAX_TRACKED_BUCKETS = 10_000
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A FastAPI dependency the kit puts on every module router."""

    def __init__(
        self,
        default: RateLimitRule,
        per_route: dict[str, RateLimitRule],
        enabled: bool,
        trusted_proxies: Sequence[Network] = (),
    ) -> None:
        self.default = default
        self.per_route = per_route
        self.enabled = enabled
        self.trusted_proxies = tuple(trusted_proxies)
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    async def __call__(self, request: Request) -> None:
        if not self.enabled:
            return
        route = request.scope.get("route")
        route_key = f"{request.method} {getattr(route, 'path', request.url.path)}"
        rule = self.per_route.get(route_key, self.default)
        retry_after = self.take(route_key, self.client_key(request), rule)
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

    def client_key(self, request: Request) -> str:
        caller = getattr(request.state, "caller", None)
        if caller:
            return f"caller:{caller}"
        return f"ip:{self.client_address(request)}"

    def client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self._trusted(peer):
            return peer  # X-Forwarded-For from anyone but our proxies is just a claim
        forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)
