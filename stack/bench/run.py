"""`make bench`: measure the stack and rewrite the generated sections of docs/benchmarks.md.

    make bench                                         # everything but make-test (~1 h on 2 cores)
    make bench BENCH_ARGS="--only service,facade --duration 5"
    make bench BENCH_ARGS="--only pants --modules 0,10"
    make bench BENCH_ARGS="--only hotpath --baseline ../before/dist"
    make bench BENCH_ARGS="--only instructions --callgrind-requests 100"
    PYTHONPATH=stack python3 -m bench.run --root . --help

Standard library only: it drives ./pants, wrk and the PEXes as subprocesses. A section that cannot
run says why in the document (and the run exits 1); the others are still measured.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import events, full_suite, hotpath, images, instructions, pants_scaling, report, services, tracing
from bench.processes import BenchError, python311

SECTIONS = (
    "service",
    "tracing",
    "instructions",
    "facade",
    "start",
    "events",
    "pants",
    "images",
    "make-test",
    "hotpath",
)
DEFAULT_SECTIONS = ("service", "tracing", "instructions", "facade", "start", "events", "pants", "images")
DOCUMENT = Path("docs/benchmarks.md")


def _sections(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SECTIONS)}"
        )
    return chosen


def _module_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--modules takes comma-separated counts, e.g. 0,10,50; got {text!r}"
        ) from None
    if not counts or any(count < 0 or count > 200 for count in counts):
        raise argparse.ArgumentTypeError(f"--modules counts must be 0..200; got {text!r}")
    return counts


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--root", type=Path, required=True, help="the repository root")
    parser.add_argument(
        "--only",
        type=_sections,
        default=list(DEFAULT_SECTIONS),
        help=f"comma-separated sections: {', '.join(SECTIONS)}\n"
        "(default: all but make-test, which takes ~40 min, and hotpath, which needs --baseline)",
    )
    parser.add_argument(
        "--duration", type=_positive(float), default=10, help="seconds per wrk run (default 10)"
    )
    parser.add_argument("--connections", type=_positive(int), default=8, help="wrk connections (default 8)")
    parser.add_argument("--rounds", type=_positive(int), default=3, help="kit/bare rounds (default 3)")
    parser.add_argument(
        "--callgrind-requests",
        type=_positive(int),
        default=instructions.DEFAULT_REQUESTS,
        help="instructions: requests per endpoint and round under callgrind "
        f"(default {instructions.DEFAULT_REQUESTS})",
    )
    parser.add_argument(
        "--callgrind-rounds",
        type=_positive(int),
        default=instructions.DEFAULT_ROUNDS,
        help=f"instructions: rounds per server start (default {instructions.DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--callgrind-seeds",
        type=_positive(int),
        default=instructions.DEFAULT_SEEDS,
        help="instructions: starts of each server, one per PYTHONHASHSEED from 1 "
        f"(default {instructions.DEFAULT_SEEDS})",
    )
    parser.add_argument(
        "--callgrind-keep",
        type=Path,
        help="instructions: keep each window's callgrind dump in this directory (callgrind_annotate)",
    )
    parser.add_argument(
        "--callgrind-orders",
        type=Path,
        help="instructions: measure this orders PEX (a baseline's build) instead of the tree's",
    )
    parser.add_argument(
        "--calls", type=_positive(int), default=1000, help="facade calls per way (default 1000)"
    )
    parser.add_argument(
        "--starts", type=_positive(int), default=5, help="cold starts, warm PEX_ROOT (default 5)"
    )
    parser.add_argument(
        "--empty-starts", type=_positive(int), default=3, help="cold starts, empty PEX_ROOT (default 3)"
    )
    parser.add_argument(
        "--modules",
        type=_module_counts,
        default=[0, 10, 50],
        help="extra modules to scaffold for the pants section (default 0,10,50; 0 = the repo as is)",
    )
    parser.add_argument(
        "--pants-timeout",
        type=_positive(float),
        default=1800,
        help="seconds any one ./pants command may take before it is stopped and reported so (default 1800)",
    )
    parser.add_argument(
        "--full-test-max-modules",
        type=_positive(int),
        default=1000,
        help="run the full `./pants test ::` (first + no-op) only at scales up to this many modules",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="hotpath: the dist/ directory of a checkout of the commit to compare against, with its\n"
        "orders PEX built (`./pants package modules/orders:orders` there)",
    )
    parser.add_argument(
        "--output", type=Path, default=DOCUMENT, help=f"relative to --root (default {DOCUMENT})"
    )
    return parser.parse_args(argv)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_description(root: Path) -> str:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)', _read("/etc/os-release"), re.MULTILINE)
    pants = re.search(r'^pants_version = "([^"]+)"', (root / "pants.toml").read_text(), re.MULTILINE)
    try:
        service_python = subprocess.run(
            [python311(), "--version"], capture_output=True, text=True
        ).stdout.strip()
    except BenchError:
        service_python = "no python3.11"
    return (
        f"{os.cpu_count()} x {cpu.group(1).strip() if cpu else platform.processor() or 'unknown CPU'}, "
        f"{int(memory.group(1)) / 2**20 if memory else float('nan'):.0f} GiB RAM, "
        f"{os_name.group(1) if os_name else platform.platform()}, "
        f"services on {service_python}, Pants {pants.group(1) if pants else '?'}"
    )


def stamp(root: Path) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_description(root)}; "
        f"load average {load:.1f} when the section started._"
    )


def run_section(name: str, args: argparse.Namespace, partial: Callable[[str], None]) -> str:
    """The section's Markdown; `partial` writes what a long section has measured so far."""
    root: Path = args.root
    if name == "service":
        return services.service_section(
            root, services.LoadSettings(args.duration, args.connections, args.rounds)
        )
    if name == "tracing":
        return tracing.tracing_section(
            root, services.LoadSettings(args.duration, args.connections, args.rounds)
        )
    if name == "instructions":
        return instructions.instructions_section(
            root,
            args.callgrind_requests,
            args.callgrind_rounds,
            args.callgrind_keep,
            args.callgrind_orders,
            args.callgrind_seeds,
        )
    if name == "facade":
        return services.facade_section(root, args.calls)
    if name == "start":
        return services.cold_start_section(root, args.starts, args.empty_starts)
    if name == "events":
        return events.events_section(root)
    if name == "pants":
        results: list[pants_scaling.ScaleResult] = []
        with tempfile.TemporaryDirectory(prefix="bench-pants-") as tmp:
            for count in args.modules:
                results.append(
                    pants_scaling.measure_scale(
                        root, Path(tmp), count, args.pants_timeout, args.full_test_max_modules
                    )
                )
                if len(results) < len(args.modules):
                    rendered = pants_scaling.render_pants(
                        results, args.pants_timeout, args.full_test_max_modules
                    )
                    partial(f"{rendered}\n\nStill running: {args.modules[len(results):]} extra modules.")
        return pants_scaling.render_pants(results, args.pants_timeout, args.full_test_max_modules)
    if name == "images":
        return images.images_section(root)
    if name == "hotpath":
        load = services.LoadSettings(args.duration, args.connections, args.rounds)
        return hotpath.hotpath_section(root, args.baseline, load, args.starts, args.empty_starts)
    return full_suite.make_test_section(root, args.pants_timeout)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.root = args.root.resolve()
    document_path = args.root / args.output
    failed = []
    for name in args.only:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        started = time.monotonic()
        header = stamp(args.root)

        def write(body: str, name: str = name, header: str = header) -> None:
            document = document_path.read_text() if document_path.exists() else "# Benchmarks\n"
            document_path.write_text(report.replace_section(document, name, f"{header}\n\n{body}"))

        try:
            body = run_section(name, args, write)
        except (BenchError, subprocess.CalledProcessError) as error:
            failed.append(name)
            body = f"Not measured in this run: {error}"
            print(f"bench: {name} failed: {error}", file=sys.stderr)
        # Written after every section, so an interrupted run keeps what it measured.
        write(body)
        print(f"bench: {name} done in {time.monotonic() - started:.0f} s → {args.output}", file=sys.stderr)
    if failed:
        print(f"bench: not measured: {', '.join(failed)} (see {args.output})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
