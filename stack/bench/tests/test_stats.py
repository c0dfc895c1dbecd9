"""wrk's report parsed, and the percentile and ratio maths."""

import pytest

from bench.stats import WrkOutputError, median, parse_wrk, percentile, ratio

WRK_GET = """\
Running 10s test @ http://127.0.0.1:41234/api/v1/orders/1b2c
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    28.41ms    6.10ms  97.23ms   88.12%
    Req/Sec   282.55     31.20   340.00     71.00%
  Latency Distribution
     50%   27.13ms
     75%   29.80ms
     90%   33.51ms
     99%    1.02s
  2817 requests in 10.01s, 1.13MB read
Requests/sec:    281.43
Transfer/sec:    115.61KB
"""

WRK_POST_WITH_ERRORS = """\
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.00ms
     99%    4.50ms
  1200 requests in 2.00s, 1.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:    600.00
"""


def test_wrk_report_is_read_in_milliseconds() -> None:
    result = parse_wrk(WRK_GET)
    assert result.requests_per_second == 281.43
    assert result.p50_ms == pytest.approx(27.13)
    assert result.p99_ms == pytest.approx(1020.0)
    assert (result.requests, result.errors) == (2817, 0)


def test_wrk_microseconds_and_errors_are_counted() -> None:
    result = parse_wrk(WRK_POST_WITH_ERRORS)
    assert result.p50_ms == pytest.approx(0.812)
    assert result.errors == 5 + 3


def test_wrk_output_without_latency_distribution_says_so() -> None:
    with pytest.raises(WrkOutputError, match=r"lacks 50%, 99% \(was it run with --latency\?\)"):
        parse_wrk("  100 requests in 1.00s, 1KB read\nRequests/sec:    100.00\n")


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0
    assert percentile([5.0, 1.0], 0) == 1.0


@pytest.mark.parametrize(("values", "pct"), [([], 50), ([1.0], 101)])
def test_percentile_refuses_nonsense(values: list[float], pct: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, pct)


def test_median_and_ratio() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert ratio(277, 366) == pytest.approx(0.757, abs=1e-3)
    with pytest.raises(ValueError, match="baseline of 0"):
        ratio(1, 0)
