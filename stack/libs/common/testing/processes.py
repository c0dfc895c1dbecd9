"""Services as child processes on loopback, for e2e tests, the bench and the reliability checks.

A free port, a PEX started with its output in a log, polling until a URL answers 200, and the service
kit's command lines (`service_kit.keys`, `service_kit.auth`) run inside a module's PEX, which has the
`cryptography` the callers' resolves lack. Standard library only: `make bench` runs it on the system
python3.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path


class NotAnswering(AssertionError):
    """A service did not come up: it exited first, or did not answer 200 in time."""


class KitCommandFailed(RuntimeError):
    """A service_kit command line inside a PEX exited non-zero; the message has its stderr."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_pex(
    pex: Path,
    env: Mapping[str, str],
    log: Path,
    *,
    python: str = sys.executable,
    cwd: Path | None = None,
    append: bool = False,
) -> "subprocess.Popen[bytes]":
    """Run `pex` with exactly `env`, stdout and stderr into `log` (appended to with `append`, as a
    restarted service keeps one log)."""
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            [python, str(pex)], env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )


def wait_until_answers(url: str, *, alive: Callable[[], bool], timeout: float, interval: float = 0.1) -> None:
    """Poll `url` until it answers 200; `alive` says whether the service can still come up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise NotAnswering(f"{url}: the service stopped before it answered 200")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(interval)
    raise NotAnswering(f"{url} did not answer 200 within {timeout:g} s")


def run_kit(
    pex: Path, module: str, *args: str, pex_root: Path, python: str = sys.executable, timeout: float = 300
) -> str:
    """Run the service_kit command line `module` (e.g. service_kit.keys) inside a module's PEX; its stdout."""
    env = {"PATH": os.environ.get("PATH", ""), "PEX_ROOT": str(pex_root), "PEX_MODULE": module}
    done = subprocess.run([python, str(pex), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise KitCommandFailed(
            f"{module} (in {pex.name}) failed with exit {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout


def make_keys(
    pex: Path, keys_dir: Path, owners: Iterable[str], *, pex_root: Path, python: str = sys.executable
) -> Path:
    """An Ed25519 key per owner in `keys_dir` and `keys_dir/public/jwks.json` trusting them all, kept
    where they exist already."""
    run_kit(pex, "service_kit.keys", "--dir", str(keys_dir), *owners, pex_root=pex_root, python=python)
    return keys_dir


def mint_dev_tokens(
    pex: Path,
    key_file: Path,
    caller: str,
    audiences: Iterable[str],
    *,
    ttl_seconds: int,
    pex_root: Path,
    python: str = sys.executable,
) -> dict[str, str]:
    """One dev token (labelled, accepted only where PANTSTACK_ENVIRONMENT is local; it may outlive a
    15-minute service token) of `caller` per audience, signed with `key_file` by service_kit.auth in
    a single run of the PEX (a PEX start costs seconds)."""
    audiences = list(audiences)
    options = ["--caller", caller, "--key-file", str(key_file), "--dev", "--ttl", str(ttl_seconds)]
    options += [arg for audience in audiences for arg in ("--audience", audience)]
    printed = run_kit(pex, "service_kit.auth", *options, pex_root=pex_root, python=python)
    return dict(zip(audiences, printed.split(), strict=True))
