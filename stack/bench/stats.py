"""The numbers' maths: percentiles, medians, ratios, and reading wrk's report."""

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY_LINE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile {pct} is outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def ratio(measured: float, baseline: float) -> float:
    if baseline <= 0:
        raise ValueError(f"ratio against a baseline of {baseline}")
    return measured / baseline


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors


class WrkOutputError(ValueError):
    pass


def parse_wrk(output: str) -> WrkResult:
    """Read `wrk --latency`'s report; raises WrkOutputError naming what is missing."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    latencies = {pct: float(value) * _UNITS_MS[unit] for pct, value, unit in _LATENCY_LINE.findall(output)}
    missing = [
        name
        for name, found in (("Requests/sec", rate), ("request count", total), ("50%", "50" in latencies))
        if not found
    ]
    if "99" not in latencies:
        missing.append("99%")
    if missing:
        raise WrkOutputError(f"wrk output lacks {', '.join(missing)} (was it run with --latency?):\n{output}")
    assert rate and total
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket.groups()) if socket else 0
    )
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        requests=int(total.group(1)),
        errors=errors,
    )
