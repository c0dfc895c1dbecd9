"""Rendering: tables, the generated sections of docs/benchmarks.md, each section's table."""

import pytest

from bench import report
from bench.hotpath import Rounds, render_hotpath
from bench.pants_scaling import ScaleResult, Timing, render_pants, select, targets_table
from bench.services import (
    LoadRun,
    LoadSettings,
    render_cold_start,
    render_facade,
    render_service,
    server_durations,
)
from bench.stats import WrkResult


def test_table_aligns_numbers_right_and_checks_row_widths() -> None:
    assert report.table(["a", "n"], [["x", 1]]) == "| a | n |\n| --- | ---: |\n| x | 1 |"
    with pytest.raises(ValueError, match="2 cells, the header 3"):
        report.table(["a", "b", "c"], [["x", "y"]])


def test_replace_section_keeps_everything_outside_its_markers() -> None:
    document = "# B\n\nhand-measured\n\n<!-- bench:service -->\nold\n<!-- /bench:service -->\n\ntail\n"
    updated = report.replace_section(document, "service", "new $1 \\1")
    assert (
        updated
        == "# B\n\nhand-measured\n\n<!-- bench:service -->\nnew $1 \\1\n<!-- /bench:service -->\n\ntail\n"
    )
    assert report.replace_section(updated, "service", "new $1 \\1") == updated


def test_a_section_not_in_the_document_yet_is_appended() -> None:
    assert report.replace_section("# B\n", "images", "sizes") == (
        "# B\n\n<!-- bench:images -->\nsizes\n<!-- /bench:images -->\n"
    )


def run(rps: float, cpu_ms: float = 4.0) -> LoadRun:
    return LoadRun(WrkResult(rps, p50_ms=20.0, p99_ms=60.0, requests=int(rps * 10), errors=0), cpu_ms)


def test_service_table_reports_the_ratio_of_medians_and_the_target() -> None:
    results = {
        ("GET /api/v1/orders/{id}", "kit"): [run(270), run(280), run(900)],
        ("GET /api/v1/orders/{id}", "bare"): [run(360), run(370), run(1000)],
        ("POST /api/v1/orders", "kit"): [run(90, 5.0), run(95, 5.0), run(100, 5.0)],
        ("POST /api/v1/orders", "bare"): [run(100), run(100), run(100)],
    }
    text = render_service(results, LoadSettings(duration=10, connections=8, rounds=3))
    get_row, post_row = text.splitlines()[-2:]
    assert "| 280 / 370 | **0.76x** (0.75-0.90) | **missed** | 4.00 / 4.00 | **1.00x** | met |" in get_row
    assert "| 95 / 100 | **0.95x** (0.90-1.00) | met | 5.00 / 4.00 | **0.80x** | **missed** |" in post_row


def test_facade_table_judges_pooled_p50_and_shows_server_time() -> None:
    latencies = {way: [1.0] * 99 + [5.0] for way in ("pooled", "fresh_connection", "fresh_client", "raw_get")}
    latencies["health_floor"] = [0.5] * 100
    text = render_facade(latencies, server_ms=[0.8] * 10, calls=100)
    assert "| `order_exists`, one pooled OrdersClient | 1.00 ms | 1.04 ms | met |" in text
    assert "inside orders" in text
    assert "| pooled `order_exists` ÷ raw pooled GET, p50, same run | **1.00x** |  | ≤ 1.1x met |" in text


def test_server_durations_come_from_the_kits_access_log() -> None:
    log = (
        '{"route": "/api/v1/orders/{order_id}", "duration_ms": 1.5}\n'
        '{"route": "/health", "duration_ms": 0.2}\nnot json\n'
        '{"route": "/api/v1/orders/{order_id}", "duration_ms": 2.5}\n'
    )
    assert server_durations(log, "/api/v1/orders/{order_id}") == [1.5, 2.5]


def test_cold_start_table_uses_medians() -> None:
    text = render_cold_start([(0.9, 0.7), (0.8, 0.6), (1.0, 0.8)], [(4.0, 3.0), (4.5, 3.5), (5.0, 4.0)])
    assert "| warm PEX_ROOT (venv already unpacked) | 3 | 0.90 s | 0.80 s - 1.00 s | met | 0.70 s |" in text
    assert "| empty PEX_ROOT (first run) | 3 | 4.50 s | 4.00 s - 5.00 s | **missed** | 3.50 s |" in text


def test_pants_table_marks_stopped_and_skipped_steps() -> None:
    done = ScaleResult(
        3,
        {
            "dependencies": Timing("d", 10.0, 0),
            "lint": Timing("l", 30.0, 0),
            "test_first": Timing("t", 100.0, 0),
            "test_noop": Timing("t", 1.5, 0),
            "test_internal": Timing("t", 20.0, 1),
        },
    )
    stopped = ScaleResult(
        53,
        {
            "dependencies": Timing("d", 150.0, 0),
            "lint": Timing("l", 600.0, None),
            "test_first": Timing("t", 600.0, None),
            "test_noop": None,
            "test_internal": None,
        },
    )
    text = render_pants([done, stopped], limit=600)
    assert "| 3 modules | 53 modules |" in text
    assert "| 30.0 s | > 600 s (stopped) |" in text
    assert "| 20.0 s (exit 1) | not run |" in text
    assert (
        "warm no-op at 3 modules: target < 2 s, met; warm no-op at 53 modules: target < 6 s, not measured."
        in text
    )


def test_pants_targets_are_judged_at_the_largest_scale() -> None:
    def scale(modules: int, seconds: float, targets: int, peak_gib: float) -> ScaleResult:
        steps = ("dependencies", "dependencies_warm", "test_internal")
        timings: dict[str, Timing | None] = {step: Timing(step, seconds, 0) for step in steps}
        rule = ["orders", "stack/system"]
        chosen = select(["modules/orders/t.py:tests", "stack/system/t.py:tests"], rule, rule)
        return ScaleResult(modules, timings, targets, ("load51", 100), peak_gib, 1, {"internal": chosen})

    text = targets_table([scale(3, 4.0, 1000, 1.0), scale(53, 4.0, 6000, 2.0), scale(103, 5.0, 11000, 2.9)])

    assert "| pantsd peak RSS | < 3 GB | 3.11 GB (2.90 GiB) | **missed** |" in text
    assert "| warm `dependencies ::` | < 5 s | 5.0 s | **missed** |" in text
    assert "| cold `dependencies ::` | < 90 s | 5.0 s | met |" in text
    assert "5.0 s vs 4.0 s (1.25x) | met |" in text
    assert "| 2 test targets: orders 1, stack/system 1 | met |" in text
    assert "| 5000 vs 50 x 100 (load51) = 5000 (+0.0%) | met |" in text
    assert "| affected-only, facade change: selection | " in text and text.count("not measured") == 2


def test_a_failing_second_test_run_is_not_judged_as_a_no_op() -> None:
    failed = ScaleResult(3, {"test_noop": Timing("t", 59.8, 1)})
    assert "warm no-op at 3 modules: target < 2 s, not measured (the run failed, exit 1)." in render_pants(
        [failed], limit=600
    )


def test_hotpath_table_gives_after_over_before_with_its_per_round_range() -> None:
    loads = {
        "GET /api/v1/orders/{id}": {"cpu": Rounds(before=[4.0, 4.0, 5.0], after=[2.0, 1.5, 3.0])},
        "POST /api/v1/orders": {"cpu": Rounds(before=[8.0, 8.0, 8.0], after=[6.0, 6.0, 6.0])},
    }
    starts = {"warm PEX_ROOT, database at head (a restart)": Rounds(before=[1.2, 1.0], after=[0.7, 0.4])}
    text = render_hotpath(loads, starts, LoadSettings(duration=10, connections=8, rounds=3))
    assert (
        "| `GET /api/v1/orders/{id}`, CPU ms per request | 4.00 | 2.00 | **0.50x** (0.38-0.60) | 3 "
        "| ≤ 0.5x met |" in text
    )
    assert (
        "| `POST /api/v1/orders`, CPU ms per request | 8.00 | 6.00 | **0.75x** (0.75-0.75) | 3 |  |" in text
    )
    assert (
        "database at head (a restart), CPU s | 1.10 | 0.55 | **0.50x** (0.40-0.58) | 2 | ≤ 0.5x met |" in text
    )
