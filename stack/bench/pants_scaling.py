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
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from bench.pantsd_memory import PantsdMemory
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
    stdout: str = field(default="", repr=False)  # kept only when asked for


def timed(
    root: Path, args: Sequence[str], limit: float, env: dict[str, str], *, keep_output: bool = False
) -> Timing:
    command = "./pants " + " ".join(args)
    print(f"bench [{root.name}]: {command}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        ["./pants", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=limit)
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
    return Timing(command, seconds, process.returncode, stdout or "")


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


SYSTEM_GROUPS = ("stack/system", "stack/reliability")
CHANGED_OWNER = "orders"  # one of the example modules: the system tests run its PEX
CHANGED_FILES = {
    "internal": "modules/orders/backend/service/orders.py",
    "facade": "modules/orders/backend/public/client.py",
}
AFFECTED = ("--changed-since=HEAD", "--changed-dependents=transitive", "--tag=-docker")


def group_of(address: str) -> str:
    """Whose test a target address is: a module's name, `stack/system`, or its first two path parts."""
    path = address.split(":", 1)[0].split("@", 1)[0]
    parts = path.split("/")
    if parts[0] == "modules" and len(parts) > 1:
        return parts[1]
    return "/".join(parts[:2])


def attribute(address: str, modules: frozenset[str]) -> str | None:
    """The module a target exists for: its folder's, else the one module it names (a resolve,
    a docker target); None for shared targets."""
    if address.startswith("modules/"):
        return group_of(address)
    named = modules.intersection(re.findall(r"[A-Za-z0-9_]+", address))
    return next(iter(named)) if len(named) == 1 else None


def module_target_count(addresses: Iterable[str], name: str, modules: frozenset[str]) -> int:
    """How many of `list ::`'s targets exist for module `name` (its own, its lockfile's
    requirements, its copy of every shared library, its facade in each consumer's resolve)."""
    return sum(1 for address in addresses if attribute(address, modules) == name)


def consumers(root: Path, owner: str) -> list[str]:
    """Modules whose manifest declares `owner` in `uses`."""
    found = []
    for manifest in sorted(root.glob("modules/*/module.toml")):
        if owner in tomllib.loads(manifest.read_text()).get("uses", []):
            found.append(manifest.parent.name)
    return found


@dataclass(frozen=True)
class Selection:
    """The test targets an affected-only run selected, grouped by owner, against the rule."""

    counts: dict[str, int]
    required: tuple[str, ...]  # groups that must have tests selected
    allowed: tuple[str, ...]  # groups that may

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unexpected(self) -> list[str]:
        return sorted(group for group in self.counts if group not in self.allowed)

    @property
    def missing(self) -> list[str]:
        return [group for group in self.required if not self.counts.get(group)]

    @property
    def follows_rule(self) -> bool:
        return not self.unexpected and not self.missing

    def describe(self) -> str:
        parts = [f"{group} {count}" for group, count in sorted(self.counts.items())]
        problems = [f"unexpected: {', '.join(self.unexpected)}"] if self.unexpected else []
        problems += [f"none from: {', '.join(self.missing)}"] if self.missing else []
        return ", ".join(parts) + (f" ({'; '.join(problems)})" if problems else "")


def select(addresses: Iterable[str], required: Sequence[str], allowed: Sequence[str]) -> Selection:
    counts: dict[str, int] = {}
    for address in addresses:
        if address.strip():
            group = group_of(address.strip())
            counts[group] = counts.get(group, 0) + 1
    return Selection(counts, tuple(required), tuple(allowed))


def selection_rule(root: Path, change: str, owner: str) -> tuple[list[str], list[str]]:
    """(required, allowed) groups: an internal change selects the owner's tests and the system tests
    that run its PEX; a facade change also its declared consumers' tests."""
    runs_pex = [
        group for group in SYSTEM_GROUPS if f"modules/{owner}:{owner}" in (root / group / "BUILD").read_text()
    ]
    users = consumers(root, owner) if change == "facade" else []
    required = [owner, *users, *runs_pex]
    return required, required


@dataclass(frozen=True)
class ScaleResult:
    modules: int
    timings: dict[str, Timing | None]  # None: not run (an earlier step did not finish)
    target_count: int | None = None
    one_module: tuple[str, int] | None = None  # a generated module in the middle, its target count
    pantsd_peak_gib: float | None = None
    pantsd_pids: int = 0
    selections: dict[str, Selection] = field(default_factory=dict)


STEPS = (
    "dependencies",
    "dependencies_warm",
    "list",
    "lint",
    "test_first",
    "test_noop",
    "list_internal",
    "test_internal",
    "list_facade",
    "test_facade",
)


def _affected(
    scratch: Path,
    env: dict[str, str],
    limit: float,
    change: str,
    modules: int,
    timings: dict[str, Timing | None],
) -> Selection | None:
    """Change one file (a change no earlier scale made, so tests really run), list the test targets
    the affected-only run selects, run it, and undo the change."""
    touched = scratch / CHANGED_FILES[change]
    original = touched.read_text()
    touched.write_text(original + f"\n# bench: a {change} change ({modules} modules)\n")
    try:
        listed = timings[f"list_{change}"] = timed(
            scratch, [*AFFECTED, "--filter-target-type=python_test", "list"], limit, env, keep_output=True
        )
        timings[f"test_{change}"] = timed(scratch, [*AFFECTED, "test"], limit, env)
    finally:
        touched.write_text(original)
    if listed.exit_code != 0:
        return None
    required, allowed = selection_rule(scratch, change, CHANGED_OWNER)
    return select(listed.stdout.splitlines(), required, allowed)


def measure_scale(
    root: Path, workdir: Path, extra_modules: int, limit: float, full_test_max_modules: int
) -> ScaleResult:
    """Time each step in a fresh clone; the full `test ::` runs only up to `full_test_max_modules`
    (its first run executes every new module's tests: ~1 min per module on 2 cores)."""
    scratch = workdir / f"repo-plus-{extra_modules}"
    modules = 3 + extra_modules
    memory = PantsdMemory(scratch)
    try:
        prepare_scratch(root, scratch, extra_modules, limit)
        stop_pantsd(scratch)  # every timing below starts from the same (cold pantsd) state
        time.sleep(5)  # let it exit before the memory watch starts
        memory.start()
        env = pants_env(scratch)
        timings: dict[str, Timing | None] = dict.fromkeys(STEPS)
        timings["dependencies"] = timed(scratch, ["dependencies", "::"], limit, env)
        timings["dependencies_warm"] = timed(scratch, ["dependencies", "::"], limit, env)
        listed = timings["list"] = timed(scratch, ["list", "::"], limit, env, keep_output=True)
        addresses = listed.stdout.splitlines() if listed.exit_code == 0 else []
        names = module_names(extra_modules)
        one_module = None
        if addresses and names:
            middle = names[len(names) // 2]
            every = frozenset(path.parent.name for path in scratch.glob("modules/*/module.toml"))
            one_module = (middle, module_target_count(addresses, middle, every))
        timings["lint"] = timed(scratch, ["lint", "::"], limit, env)
        if modules <= full_test_max_modules:
            first = timings["test_first"] = timed(scratch, [*TEST, "::"], limit, env)
            if first.exit_code is not None:
                timings["test_noop"] = timed(scratch, [*TEST, "::"], limit, env)
        selections = {}
        for change in CHANGED_FILES:
            chosen = _affected(scratch, env, limit, change, modules, timings)
            if chosen is not None:
                selections[change] = chosen
        memory.stop()
        return ScaleResult(
            modules,
            timings,
            len(addresses) or None,
            one_module,
            memory.peak_gib,
            len(memory.peaks_kib),
            selections,
        )
    finally:
        memory.stop()
        stop_pantsd(scratch)
        shutil.rmtree(scratch, ignore_errors=True)


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "not run"
    if timing.exit_code is None:
        return f"> {timing.seconds:.0f} s (stopped)"
    failed = "" if timing.exit_code == 0 else f" (exit {timing.exit_code})"
    return f"{timing.seconds:.1f} s{failed}"


def _seconds(timing: Timing | None) -> float | None:
    """A finished, successful command's wall time; None otherwise."""
    return timing.seconds if timing is not None and timing.exit_code == 0 else None


def _judged(measured: bool, met: bool) -> str:
    return report.verdict(met) if measured else "not measured"


def _under(timing: Timing | None, limit: float) -> str:
    seconds = _seconds(timing)
    return _judged(seconds is not None, seconds is not None and seconds < limit)


def _selection_row(measure: str, target: str, chosen: Selection | None) -> list[str]:
    if chosen is None:
        return [measure, target, "not measured", "not measured"]
    return [
        measure,
        target,
        f"{chosen.total} test targets: {chosen.describe()}",
        report.verdict(chosen.follows_rule),
    ]


def _linearity_row(top: ScaleResult, lower: ScaleResult | None) -> list[str]:
    if not (top.target_count and top.one_module and lower and lower.target_count):
        return ["target count", "grows linearly", "not measured", "not measured"]
    added = top.modules - lower.modules
    step = top.target_count - lower.target_count
    expected = added * top.one_module[1]
    return [
        f"target count, step {lower.modules} → {top.modules} modules",
        f"{added} x one module's targets ± 10 %",
        f"{step} vs {added} x {top.one_module[1]} ({top.one_module[0]}) = {expected} "
        f"({step / expected - 1:+.1%})",
        report.verdict(abs(step / expected - 1) <= 0.10),
    ]


def targets_table(results: Sequence[ScaleResult]) -> str:
    """The issue's targets, judged at the largest scale measured (results sorted by scale)."""
    top, smallest = results[-1], results[0]
    peak = top.pantsd_peak_gib
    run = _seconds(top.timings.get("test_internal"))
    base = _seconds(smallest.timings.get("test_internal")) if smallest is not top else None
    ratio = run / base if run is not None and base else None
    lowers = [r for r in results[:-1] if r.target_count]
    rows = [
        [
            "pantsd peak RSS",
            "< 3 GB",
            f"{peak * 2**30 / 1e9:.2f} GB ({peak:.2f} GiB)" if peak is not None else "not measured",
            _judged(peak is not None, peak is not None and peak * 2**30 < 3e9),
        ],
        [
            "warm `dependencies ::`",
            "< 5 s",
            _cell(top.timings.get("dependencies_warm")),
            _under(top.timings.get("dependencies_warm"), 5),
        ],
        [
            "cold `dependencies ::`",
            "< 90 s",
            _cell(top.timings.get("dependencies")),
            _under(top.timings.get("dependencies"), 90),
        ],
        _selection_row(
            "affected-only, internal change: selection",
            "owner's tests + system tests running its PEX, no other module's",
            top.selections.get("internal"),
        ),
        [
            "affected-only, internal change: time",
            f"≤ 1.3 x the {smallest.modules}-module run",
            f"{_cell(top.timings.get('test_internal'))} vs {_cell(smallest.timings.get('test_internal'))}"
            + (f" ({ratio:.2f}x)" if ratio is not None else ""),
            _judged(ratio is not None, ratio is not None and ratio <= 1.3),
        ],
        _selection_row(
            "affected-only, facade change: selection",
            "owner's tests + declared consumers' (+ system tests running the owner's PEX)",
            top.selections.get("facade"),
        ),
        _linearity_row(top, lowers[-1] if lowers else None),
    ]
    return report.table(
        ["measure", "target", f"at {top.modules} modules", "verdict"], rows, align_right_from=4
    )


def render_pants(results: Sequence[ScaleResult], limit: float, full_test_max_modules: int = 1000) -> str:
    results = sorted(results, key=lambda result: result.modules)
    labels = {
        "dependencies": "`./pants dependencies ::` (cold pantsd)",
        "dependencies_warm": "`./pants dependencies ::` (warm, second run)",
        "list": "`./pants list ::`",
        "lint": "`./pants lint ::`",
        "test_first": "`./pants --tag=-docker test ::`, first run (new modules' tests run, others cached)",
        "test_noop": "`./pants --tag=-docker test ::`, warm no-op (second run)",
        "list_internal": "affected-only `list` of python_test targets, internal orders file changed",
        "test_internal": "affected-only `test`, internal orders file changed",
        "list_facade": "affected-only `list` of python_test targets, orders facade file changed",
        "test_facade": "affected-only `test`, orders facade file changed",
    }
    header = ["measure", *[f"{result.modules} modules" for result in results]]
    rows = [
        [label, *[_cell(result.timings.get(step)) for result in results]] for step, label in labels.items()
    ]

    def peak(result: ScaleResult) -> str:
        if result.pantsd_peak_gib is None:
            return "not measured"
        restarts = f", {result.pantsd_pids} pantsd processes" if result.pantsd_pids > 1 else ""
        return f"{result.pantsd_peak_gib:.2f} GiB{restarts}"

    def selected(result: ScaleResult, change: str) -> str:
        chosen = result.selections.get(change)
        return f"{chosen.total}: {chosen.describe()}" if chosen else "not measured"

    rows += [
        ["targets (lines of `./pants list ::`)", *[str(r.target_count or "not measured") for r in results]],
        [
            "targets of one generated module (middle one)",
            *[f"{r.one_module[1]} ({r.one_module[0]})" if r.one_module else "-" for r in results],
        ],
        ["pantsd peak RSS (VmHWM, all steps)", *[peak(r) for r in results]],
        ["test targets selected, internal change", *[selected(r, "internal") for r in results]],
        ["test targets selected, facade change", *[selected(r, "facade") for r in results]],
    ]
    verdicts = []
    for result in results:
        target = WARM_NOOP_TARGETS_S.get(result.modules)
        noop = result.timings.get("test_noop")
        if target is not None:
            if noop is None or noop.exit_code is None:
                outcome = "not measured"
            elif noop.exit_code != 0:
                # A failing test is not cached, so the second run reruns it: not a no-op.
                outcome = f"not measured (the run failed, exit {noop.exit_code})"
            else:
                outcome = report.verdict(noop.seconds < target)
            verdicts.append(f"warm no-op at {result.modules} modules: target < {target:g} s, {outcome}")
    return (
        f"Each column is a fresh clone of the committed repo (shared Pants caches in ~/.cache/pants), "
        f"each command limited to {limit:.0f} s, pantsd's memory limit raised to "
        f"{pants_env(Path('.'))['PANTS_PANTSD_MAX_MEMORY_USAGE']} so its real peak shows; pantsd is "
        "stopped after scaffolding, so the first `dependencies` includes starting it and parsing every "
        "BUILD file, and every later command reuses it. Affected-only runs are "
        f"`{' '.join(AFFECTED)}`, each after a one-line change to `{CHANGED_FILES['internal']}` "
        f"(internal) or `{CHANGED_FILES['facade']}` (facade), undone after.\n\n"
        + (
            f"The full `test ::` (first and no-op) ran only up to {full_test_max_modules} modules "
            '(`--full-test-max-modules`); "not run" beyond that.\n\n'
            if any(result.modules > full_test_max_modules for result in results)
            else ""
        )
        + report.table(header, rows)
        + ("\n\n" + "; ".join(verdicts) + "." if verdicts else "")
        + "\n\nTargets of the issue at the largest scale:\n\n"
        + targets_table(results)
    )
