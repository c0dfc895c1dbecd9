"""Running the PEXes under test: building them, starting them on free ports, service tokens, wrk."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import WrkResult, parse_wrk
from common.testing import processes as shared

# Re-exported: the checks and benchmarks import it from here.
from common.testing.processes import free_port as free_port

WRK_MISSING = "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`"


class BenchError(RuntimeError):
    """A benchmark could not run; the message says what to do."""


def pex_path(root: Path, target: str) -> Path:
    """Where `./pants package` writes a pex_binary: `dir/sub:name` → dist/dir.sub/name.pex."""
    directory, _, name = target.partition(":")
    return root / "dist" / directory.replace("/", ".") / f"{name or Path(directory).name}.pex"


def package(root: Path, targets: list[str]) -> dict[str, Path]:
    """Build the PEXes (a no-op when Pants has them cached) and return their paths."""
    print(f"bench: ./pants package {' '.join(targets)}", file=sys.stderr, flush=True)
    built = subprocess.run([str(root / "pants"), "package", *targets], cwd=root)
    if built.returncode != 0:
        raise BenchError(f"`./pants package {' '.join(targets)}` failed (exit {built.returncode})")
    return {target: pex_path(root, target) for target in targets}


def python311() -> str:
    """The interpreter the PEXes need (CPython 3.11)."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if not found:
        raise BenchError("the PEXes need CPython 3.11: install python3.11 or put it on PATH")
    return found


# The benchmarks call the services as this identity; the probes play orders (bare) and shipping.
BENCH_CALLER = "bench"
KEY_OWNERS = ("inventory", "orders", "shipping", BENCH_CALLER)
PEX_ROOT = Path.home() / ".cache" / "pantstack-bench-pex"


def ensure_keys(pex: Path, keys_dir: Path) -> Path:
    """Ed25519 keys for KEY_OWNERS and the JWKS trusting them (kept if present), made by
    service_kit.keys inside a module's PEX, since bench.run itself is standard library only."""
    try:
        return shared.make_keys(pex, keys_dir, KEY_OWNERS, pex_root=PEX_ROOT, python=python311())
    except shared.KitCommandFailed as error:
        raise BenchError(str(error)) from None


def identity_env(keys_dir: Path, service: str) -> dict[str, str]:
    """What a process signing as `service` and trusting every key in `keys_dir` needs."""
    return {
        f"{service.upper()}_SIGNING_KEY": (keys_dir / f"{service}.pem").read_text(),
        "SERVICE_JWKS_FILE": str(keys_dir / "public" / "jwks.json"),
    }


def mint_token(pex: Path, keys_dir: Path, *, audience: str, ttl_seconds: int = 3600) -> str:
    """A dev token (labelled, local only: benchmarks outlast 15-minute service tokens) of the bench's
    identity, minted by service_kit.auth inside a module's PEX."""
    key_file = keys_dir / f"{BENCH_CALLER}.pem"
    try:
        tokens = shared.mint_dev_tokens(
            pex,
            key_file,
            BENCH_CALLER,
            [audience],
            ttl_seconds=ttl_seconds,
            pex_root=PEX_ROOT,
            python=python311(),
        )
    except shared.KitCommandFailed as error:
        raise BenchError(str(error)) from None
    return tokens[audience]


def run_kit(pex: Path, module: str, *args: str) -> str:
    """Run a service_kit command line inside a module's PEX; its stdout."""
    try:
        return shared.run_kit(pex, module, *args, pex_root=PEX_ROOT, python=python311())
    except shared.KitCommandFailed as error:
        raise BenchError(str(error)) from None


def http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 10
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@dataclass
class Process:
    name: str
    url: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float = field(default_factory=time.perf_counter)

    def wait_until(self, path: str, timeout: float = 120, interval: float = 0.05) -> float:
        """Poll until `path` answers 200; seconds since the process was started."""
        try:
            shared.wait_until_answers(
                self.url + path, alive=lambda: self.popen.poll() is None, timeout=timeout, interval=interval
            )
        except shared.NotAnswering as error:
            raise BenchError(
                f"{self.name}: {error} (exit status {self.popen.poll()}); its log: {self.log}"
            ) from None
        return time.perf_counter() - self.started

    def cpu_seconds(self, *, with_children: bool = False) -> float:
        """User + system CPU time of the process so far, all threads (Linux /proc); with_children
        adds the children it has waited for (e.g. the PEX's first-run venv setup)."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rpartition(")")[2].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
        if with_children:
            ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, pex: Path, env: dict[str, str], log: Path) -> Process:
    if not pex.exists():
        raise BenchError(f"no {pex}; build it with `./pants package modules:: stack/bench/probes::`")
    port = free_port()
    full_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), **env}
    full_env["PORT"] = str(port)
    started = time.perf_counter()
    popen = shared.start_pex(pex, full_env, log, python=python311())
    return Process(name, f"http://127.0.0.1:{port}", popen, log, started)


def require_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise BenchError(WRK_MISSING)
    return found


def wrk(
    url: str, *, duration: float, connections: int, script: Path | None = None, token: str | None = None
) -> WrkResult:
    command = [require_wrk(), "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"wrk failed (exit {done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


def post_script(path: Path, body: dict[str, Any], token: str) -> Path:
    """A wrk Lua script sending this JSON body as a POST with a bearer token."""
    text = json.dumps(body, separators=(",", ":"))
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [[{text}]]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    return path
