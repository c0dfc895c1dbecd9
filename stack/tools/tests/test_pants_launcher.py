"""./pants: refuses a wrong interpreter clearly, never runs a half-built cache, reuses a complete one."""

import os
import re
import subprocess
from pathlib import Path

LAUNCHER = Path("pants").resolve()
SETTINGS = dict(re.findall(r'^readonly (\w+)="([^"]*)"', LAUNCHER.read_text(), flags=re.MULTILINE))


def run_launcher(cache: Path, *, python: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path or os.environ["PATH"], "HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    if python:
        env["PANTS_PYTHON"] = python
    return subprocess.run(
        ["bash", str(LAUNCHER), "--version"], env=env, capture_output=True, text=True, timeout=60
    )


def fake_install(cache: Path, *, complete: bool) -> None:
    """A cached venv whose `pants` prints FAKE-PANTS; complete means stamped and with the pex tool."""
    venv = cache / "pantstack" / f"pants-{SETTINGS['PANTS_VERSION']}"
    (venv / "bin").mkdir(parents=True)
    for name, body in {"pants": 'echo "FAKE-PANTS $*"', "python": "exit 0"}.items():
        script = venv / "bin" / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
    if complete:
        pex = cache / "pantstack" / f"pex-{SETTINGS['PEX_VERSION']}" / "pex"
        pex.parent.mkdir(parents=True)
        pex.write_bytes(b"\0" * int(SETTINGS["PEX_SIZE"]))
        stamp = (
            f"pants={SETTINGS['PANTS_VERSION']} pex={SETTINGS['PEX_VERSION']} sha256={SETTINGS['PEX_SHA256']}"
        )
        (venv / ".pantstack-complete").write_text(stamp + "\n")


def test_a_python_that_is_not_3_9_is_refused_with_what_to_do(tmp_path: Path) -> None:
    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode != 0
    assert "PANTS_PYTHON=/bin/false is not a working CPython 3.9" in result.stderr


def test_without_any_python_3_9_it_says_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "env", "cat", "wc", "tr", "mkdir", "rm", "dirname"):
        (bin_dir / tool).symlink_to(
            subprocess.check_output(["bash", "-c", f"command -v {tool}"], text=True).strip()
        )

    result = run_launcher(tmp_path, python="", path=str(bin_dir))

    assert result.returncode != 0
    assert "no CPython 3.9 found" in result.stderr
    assert "PANTS_PYTHON" in result.stderr


def test_a_half_built_cache_is_rebuilt_not_used(tmp_path: Path) -> None:
    fake_install(tmp_path, complete=False)

    # The rebuild starts by looking for Python; /bin/false makes it stop there, before any download.
    result = run_launcher(tmp_path, python="/bin/false")

    assert "FAKE-PANTS" not in result.stdout
    assert result.returncode != 0


def test_a_complete_cache_is_used_without_reinstalling(tmp_path: Path) -> None:
    fake_install(tmp_path, complete=True)

    # Reinstalling would need a working Python; there is none, so success means no reinstall.
    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FAKE-PANTS --version"
