"""The callgrind section: reading callgrind's dumps, the default sampler's arithmetic, rendering."""

import pytest

from bench.instructions import (
    BARE,
    DEFAULT_SAMPLER,
    EVERY_TRACE,
    GET,
    POST,
    UNSAMPLED,
    UNTRACED,
    AppRun,
    Window,
    callgrind_total,
    default_at_ratio,
    pooled,
    render_instructions,
)

# A dump `callgrind_control --dump` wrote after `--zero` (valgrind 3.19), most of its costs cut.
DUMP = """\
# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 13394
cmd:  python3.11 cg_test.py
part: 1


desc: I1 cache:
desc: D1 cache:
desc: LL cache:

desc: Timerange: Basic block 0 - 11501642
desc: Trigger: dump

positions: line
events: Ir
summary: 0


ob=(5) /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
fl=(174) ./elf/./elf/dl-deps.c
fn=(3016) openaux
61 46
+7 23

totals: 49899822
"""


def test_a_dumps_total_is_its_totals_line_not_the_zeroed_summary() -> None:
    assert callgrind_total(DUMP) == 49_899_822
    assert callgrind_total("events: Ir\nsummary: 12\n") == 12


def test_a_file_that_is_no_callgrind_dump_says_so() -> None:
    with pytest.raises(ValueError, match="not a callgrind output file"):
        callgrind_total("==41250== Callgrind, a call-graph generating cache profiler\n")


def test_the_default_sampler_at_its_ratio_is_the_unsampled_cost_plus_a_hundredth_recorded() -> None:
    assert default_at_ratio(unsampled=1010, every=2000) == pytest.approx(1010 + 0.01 * (2000 - 1010))
    assert default_at_ratio(unsampled=1000, every=1000) == pytest.approx(1000)


def windows(per_request: list[float], requests: int = 100, spans: int = 0, traces: int = 0) -> list[Window]:
    return [Window(requests, int(value * requests), 30.0, spans, traces) for value in per_request]


def test_the_tables_judge_tracing_and_the_kit_against_the_bare_app() -> None:
    runs = {
        UNTRACED: AppRun({GET: windows([4e6, 4e6]), POST: windows([10e6, 10.1e6])}, idle_per_second=1e5),
        EVERY_TRACE: AppRun(
            {
                GET: windows([4.3e6, 4.3e6], spans=200, traces=100),
                POST: windows([12e6, 12e6], spans=800, traces=100),
            },
            idle_per_second=1e5,
        ),
        DEFAULT_SAMPLER: AppRun(
            {GET: windows([4.05e6, 4.05e6], spans=2, traces=1), POST: windows([10.1e6, 10.1e6])},
            idle_per_second=1e5,
        ),
        UNSAMPLED: AppRun(
            {GET: windows([4.01e6, 4.01e6]), POST: windows([10.1e6, 10.1e6])}, idle_per_second=1e5
        ),
        BARE: AppRun({GET: windows([2e6, 2e6]), POST: windows([9e6, 9e6])}, idle_per_second=5e4),
    }

    text = render_instructions(runs, requests=100, rounds=2, seeds=1)

    lines = text.splitlines()
    assert f"| `{GET}` | untraced | 4.00 M |  |  | 0 | ±0.00 % |" in lines
    assert f"| `{GET}` | {EVERY_TRACE} | 4.30 M | **+7.50 %** | ≤ 10 % met | 2.00 | ±0.00 % |" in lines
    assert (
        f"| `{POST}` | {EVERY_TRACE} | 12.00 M | **+19.40 %** | ≤ 10 % **missed** | 8.00 | ±0.00 % |" in lines
    )
    # The measured window (one export in it) is shown; the verdict is unsampled + 1 % recorded.
    assert (
        f"| `{GET}` | {DEFAULT_SAMPLER} | 4.05 M | **+1.25 %** | (kept 1.0 % of requests) | 0.02 | ±0.00 % |"
        in lines
    )
    assert f"| `{GET}` | {UNSAMPLED} | 4.01 M | **+0.25 %** |  | 0 | ±0.00 % |" in lines
    at_ratio = "… unsampled, plus 1 % at the every-trace cost"
    verdict = f"| `{GET}` | {at_ratio} | 4.01 M | **+0.32 %** | ≤ 2 % met |  |  |"
    assert verdict in lines
    assert f"| `{POST}` | untraced | 10.05 M |  |  | 0 | ±0.50 % |" in lines
    assert (
        f"| `{GET}` | 4.00 M / 2.00 M | **2.00x** | **0.50x** (0.500-0.500, 2 pairs) | ≥ 0.9x **missed** |"
        in lines
    )
    assert (
        f"| `{POST}` | 10.05 M / 9.00 M | **1.12x** | **0.90x** (0.891-0.900, 2 pairs) | ≥ 0.9x **missed** |"
        in lines
    )
    assert "bare 0.05 M" in text and "at most 0.00 %" in text


def test_a_windows_count_less_the_idle_servers_for_as_long_is_its_requests() -> None:
    # 400 instructions in 10 s, of which the server idles 100 (10/s): 3 per request.
    window = Window(requests=100, instructions=400, seconds=10, idle=100)
    assert window.per_request == 3.0
    runs = {
        name: AppRun({GET: [window], POST: [window]}, idle_per_second=10)
        for name in (UNTRACED, EVERY_TRACE, DEFAULT_SAMPLER, UNSAMPLED, BARE)
    }
    assert "at most 25.00 % of a window's count" in render_instructions(runs, requests=100, rounds=1, seeds=1)


def test_a_servers_runs_under_several_seeds_pool_their_windows_in_seed_order() -> None:
    first = AppRun({GET: windows([1e6]), POST: windows([2e6])}, idle_per_second=10)
    second = AppRun({GET: windows([1.1e6]), POST: windows([2.2e6])}, idle_per_second=30)
    third = AppRun({GET: windows([1.2e6]), POST: windows([2.1e6])}, idle_per_second=20)

    run = pooled([first, second, third])

    assert [window.per_request for window in run.windows[GET]] == [1e6, 1.1e6, 1.2e6]
    assert [window.per_request for window in run.windows[POST]] == [2e6, 2.2e6, 2.1e6]
    assert run.idle_per_second == 20
