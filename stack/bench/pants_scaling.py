"""How Pants' wall time grows with the number of modules, measured in a scratch clone of the repo.

Modules are added with the repo's own scaffolder (its PEX, `new <name>` as `make new-module` runs it)
but without `make new-module`'s per-module lockfile generation and OpenAPI snapshot, which take
~30 s each: every generated module locks the same requirements as orders, so orders' lockfile is
copied, and the first module's snapshot is rendered once and renamed for the others.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.processes import BenchError, python311

TEMPLATE_LOCKFILE = "orders"
NAME_PREFIX = "load"
WARM_NOOP_TARGETS_S = {3: 2.0, 50 + 3: 6.0}
# The docker-tagged compose test builds every module's image; it measures Docker, not Pants.
TEST = ("--tag=-docker", "test")


def module_names(count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"{NAME_PREFIX}{index:0{width}d}" for index in range(1, count + 1)]


def copy_lockfile(root: Path, name: str) -> Path:
    """3rdparty/python/<name>.lock from orders' (identical requirements), its regenerate hint renamed."""
    source = (root / "3rdparty/python" / f"{TEMPLATE_LOCKFILE}.lock").read_text()
    target = root / "3rdparty/python" / f"{name}.lock"
    target.write_text(source.replace(f"--resolve={TEMPLATE_LOCKFILE}", f"--resolve={name}", 1))
    return target


def renamed_snapshot(snapshot: str, source: str, target: str) -> str:
    """The OpenAPI snapshot of module `source` as module `target` renders it (names in all cases)."""

    def title(name: str) -> str:
        return "".join(part.capitalize() for part in name.split("_"))

    for old, new in ((source.upper(), target.upper()), (title(source), title(target)), (source, target)):
        snapshot = re.sub(rf"(?<![A-Za-z0-9]){re.escape(old)}(?![0-9])", new, snapshot)
    return snapshot


def scaffold_modules(root: Path, names: Sequence[str], scaffold: Sequence[str]) -> None:
    """Generate each module with the `scaffold` command (`… new <name>`) and give it a lockfile.

    Like real modules, each declares and calls the facades of the two generated before it.
    """
    for index, name in enumerate(names):
        uses = ",".join(names[max(0, index - 2) : index])
        command = [
            *scaffold,
            "--root",
            str(root),
            "new",
            "--owners",
            "@bench/scale",
            "--uses",
            uses,
            "--",
            name,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"scaffolding {name} failed: {done.stderr.strip() or done.stdout.strip()}")
        copy_lockfile(root, name)


@dataclass(frozen=True)
class Timing:
    command: str
    seconds: float
    exit_code: int | None  # None: stopped at the time limit


def timed(root: Path, args: Sequence[str], limit: float, env: dict[str, str]) -> Timing:
    command = "./pants " + " ".join(args)
    print(f"bench [{root.name}]: {command}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        ["./pants", *args], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        _, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # Pants cancels its work on Ctrl-C
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        return Timing(command, time.perf_counter() - started, None)
    seconds = time.perf_counter() - started
    print(f"bench [{root.name}]: {command}: {seconds:.1f} s, exit {process.returncode}", file=sys.stderr)
    if process.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        print(f"bench: `{command}` exited {process.returncode}:\n{tail}", file=sys.stderr, flush=True)
    return Timing(command, seconds, process.returncode)


def stop_pantsd(root: Path) -> None:
    """Stop the pantsd this scratch copy started (its pid file), so copies don't pile up in memory."""
    for pid_file in root.glob(".pids/*/pantsd/pid"):
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def pants_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Pants' default 4 GiB pantsd limit restarts it mid-run with ~50 modules (every shared
    # target is parametrized over every module resolve).
    env["PANTS_PANTSD_MAX_MEMORY_USAGE"] = "12GiB"
    env.pop("PANTS_CONFIG_FILES", None)
    return env


def prepare_scratch(root: Path, scratch: Path, extra_modules: int, limit: float) -> None:
    """Clone the committed repo into `scratch`, add the modules, format them and commit."""
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(root), str(scratch)], check=True)
    if not extra_modules:
        return
    env = pants_env(scratch)
    build = timed(scratch, ["package", "stack/tools/scaffold:cli"], limit, env)
    if build.exit_code != 0:
        raise BenchError("could not build the scaffolder PEX (`./pants package stack/tools/scaffold:cli`)")
    cli = scratch / "dist/stack.tools.scaffold/cli.pex"
    names = module_names(extra_modules)
    scaffold_modules(scratch, names, [python311(), str(cli)])
    first = names[0]
    snapshot = timed(
        scratch,
        [
            "run",
            f"modules/{first}:{first}",
            "--",
            "--write-openapi",
            str(scratch / f"modules/{first}/openapi.json"),
        ],
        limit,
        env,
    )
    if snapshot.exit_code != 0:
        raise BenchError(f"could not render {first}'s OpenAPI snapshot in {scratch}")
    text = (scratch / f"modules/{first}/openapi.json").read_text()
    for name in names[1:]:
        (scratch / f"modules/{name}/openapi.json").write_text(renamed_snapshot(text, first, name))
    timed(scratch, ["fmt", "fix", "modules::"], limit, env)
    subprocess.run(["git", "add", "-A"], cwd=scratch, check=True)
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "commit",
            "-qm",
            "bench modules",
        ],
        cwd=scratch,
        check=True,
    )


@dataclass(frozen=True)
class ScaleResult:
    modules: int
    timings: dict[str, Timing | None]  # None: not run (an earlier step did not finish)


STEPS = ("dependencies", "lint", "test_first", "test_noop", "test_affected")


def measure_scale(
    root: Path, workdir: Path, extra_modules: int, limit: float, full_test_max_modules: int
) -> ScaleResult:
    """Time each step in a fresh clone; the full `test ::` runs only up to `full_test_max_modules`
    (its first run executes every new module's tests: ~1 min per module on 2 cores)."""
    scratch = workdir / f"repo-plus-{extra_modules}"
    modules = 3 + extra_modules
    try:
        prepare_scratch(root, scratch, extra_modules, limit)
        stop_pantsd(scratch)  # every timing below starts from the same (cold pantsd) state
        env = pants_env(scratch)
        timings: dict[str, Timing | None] = dict.fromkeys(STEPS)
        timings["dependencies"] = timed(scratch, ["dependencies", "::"], limit, env)
        timings["lint"] = timed(scratch, ["lint", "::"], limit, env)
        if modules <= full_test_max_modules:
            first = timings["test_first"] = timed(scratch, [*TEST, "::"], limit, env)
            if first.exit_code is not None:
                timings["test_noop"] = timed(scratch, [*TEST, "::"], limit, env)
        touched = scratch / "modules/orders/backend/service/orders.py"
        # A change no earlier scale made, so the affected tests really run instead of hitting the cache.
        touched.write_text(touched.read_text() + f"\n# bench: a change to one module ({modules} modules)\n")
        timings["test_affected"] = timed(
            scratch, ["--changed-since=HEAD", "--changed-dependents=transitive", *TEST], limit, env
        )
        return ScaleResult(modules, timings)
    finally:
        stop_pantsd(scratch)
        shutil.rmtree(scratch, ignore_errors=True)


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "not run"
    if timing.exit_code is None:
        return f"> {timing.seconds:.0f} s (stopped)"
    failed = "" if timing.exit_code == 0 else f" (exit {timing.exit_code})"
    return f"{timing.seconds:.1f} s{failed}"


def render_pants(results: Sequence[ScaleResult], limit: float, full_test_max_modules: int = 1000) -> str:
    labels = {
        "dependencies": "`./pants dependencies ::` (cold pantsd)",
        "lint": "`./pants lint ::`",
        "test_first": "`./pants --tag=-docker test ::`, first run (new modules' tests run, others cached)",
        "test_noop": "`./pants --tag=-docker test ::`, warm no-op (second run)",
        "test_affected": "`./pants --changed-since=HEAD --changed-dependents=transitive --tag=-docker test`, "
        "one orders file changed",
    }
    header = ["command", *[f"{result.modules} modules" for result in results]]
    rows = [[label, *[_cell(result.timings[step]) for result in results]] for step, label in labels.items()]
    verdicts = []
    for result in results:
        target = WARM_NOOP_TARGETS_S.get(result.modules)
        noop = result.timings["test_noop"]
        if target is not None:
            if noop is None or noop.exit_code is None:
                outcome = "not measured"
            else:
                outcome = report.verdict(noop.exit_code == 0 and noop.seconds < target)
            verdicts.append(f"warm no-op at {result.modules} modules: target < {target:g} s, {outcome}")
    return (
        f"Each column is a fresh clone of the committed repo (shared Pants caches in ~/.cache/pants), "
        f"each command limited to {limit:.0f} s; pantsd is stopped after scaffolding, so "
        "`dependencies` includes starting it and parsing every BUILD file.\n\n"
        + (
            f"The full `test ::` (first and no-op) ran only up to {full_test_max_modules} modules "
            '(`--full-test-max-modules`); "not run" beyond that.\n\n'
            if any(result.modules > full_test_max_modules for result in results)
            else ""
        )
        + report.table(header, rows)
        + ("\n\n" + "; ".join(verdicts) + "." if verdicts else "")
    )
