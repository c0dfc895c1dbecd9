"""./pants: refuses a wrong interpreter clearly, never runs a half-built cache, reuses a complete one,
outlasts a pantsd that starts slower than the client waits, and with stderr piped passes stdin and
signals through to the client."""

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

LAUNCHER = Path("pants").resolve()
SETTINGS = dict(re.findall(r'^readonly (\w+)="([^"]*)"', LAUNCHER.read_text(), flags=re.MULTILINE))


def launcher_env(cache: Path, *, python: str, path: str | None = None) -> dict[str, str]:
    env = {"PATH": path or os.environ["PATH"], "HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    if python:
        env["PANTS_PYTHON"] = python
    return env


def run_launcher(
    cache: Path, *, python: str, path: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """./pants --version with stdout and stderr piped (as in CI or make in a pipe)."""
    return subprocess.run(
        ["bash", str(LAUNCHER), "--version"],
        env=launcher_env(cache, python=python, path=path),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_install(cache: Path, *, complete: bool, pants: str = 'echo "FAKE-PANTS $*"') -> None:
    """A cached venv whose `pants` runs `pants` (by default printing FAKE-PANTS); complete means
    stamped and with the pex tool."""
    venv = cache / "pantstack" / f"pants-{SETTINGS['PANTS_VERSION']}"
    (venv / "bin").mkdir(parents=True)
    for name, body in {"pants": pants, "python": "exit 0"}.items():
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


# What the Pants 2.17 client prints when pantsd has not written its pid file within 60 s.
PANTSD_TIMEOUT = (
    "pants.pantsd.process_manager.ProcessManager.Timeout: "
    "exceeded timeout of 60 seconds while waiting for pantsd to start"
)


def fake_install_whose_first_run_times_out(cache: Path) -> Path:
    """An installed Pants whose first run fails on the client's pantsd start timeout; returns the
    file that counts its runs."""
    attempts = cache / "attempts"
    first_times_out = (
        f'echo run >> "{attempts}"\n'
        f'if [ "$(wc -l < "{attempts}")" -eq 1 ]; then echo "{PANTSD_TIMEOUT}" >&2; exit 1; fi\n'
        'echo "FAKE-PANTS $*"'
    )
    fake_install(cache, complete=True, pants=first_times_out)
    return attempts


def test_a_pantsd_slower_than_the_client_waits_gets_a_second_run(tmp_path: Path) -> None:
    attempts = fake_install_whose_first_run_times_out(tmp_path)

    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FAKE-PANTS --version"
    assert attempts.read_text().count("run") == 2
    assert "pantsd took longer than the Pants client's 60 s to start" in result.stderr


def test_any_other_failure_runs_once_and_keeps_its_exit_code(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    fake_install(tmp_path, complete=True, pants=f'echo run >> "{attempts}"\necho "lint failed" >&2\nexit 3')

    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode == 3
    assert "lint failed" in result.stderr
    assert attempts.read_text().count("run") == 1


def fake_native_client(cache: Path, body: str) -> Path:
    """The native client where the Pants wheel puts it, without the execute bit, as pip installs it."""
    venv = cache / "pantstack" / f"pants-{SETTINGS['PANTS_VERSION']}"
    client = venv / "lib/python3.9/site-packages/pants/bin/native_client"
    client.parent.mkdir(parents=True)
    client.write_text(f"#!/bin/sh\n{body}\n")
    client.chmod(0o644)
    return client


def test_the_native_client_runs_the_command_with_the_python_client_as_its_fallback(tmp_path: Path) -> None:
    fake_install(tmp_path, complete=True)
    client = fake_native_client(tmp_path, 'echo "FAKE-NATIVE $* fallback=$_PANTS_SERVER_EXE"')

    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode == 0, result.stderr
    venv = tmp_path / "pantstack" / f"pants-{SETTINGS['PANTS_VERSION']}"
    assert result.stdout.strip() == f"FAKE-NATIVE --version fallback={venv}/bin/pants"
    assert os.access(client, os.X_OK)


def test_a_pantsd_slower_than_the_client_waits_gets_a_second_run_through_the_native_client(
    tmp_path: Path,
) -> None:
    attempts = fake_install_whose_first_run_times_out(tmp_path)
    # Without a pantsd to talk to, the native client execs the Python client, which starts one.
    fake_native_client(tmp_path, 'exec "$_PANTS_SERVER_EXE" "$@"')

    result = run_launcher(tmp_path, python="/bin/false")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FAKE-PANTS --version"
    assert attempts.read_text().count("run") == 2


def test_stdin_reaches_the_client_when_stderr_is_piped(tmp_path: Path) -> None:
    fake_install(tmp_path, complete=True, pants="cat")

    result = run_launcher(tmp_path, python="/bin/false", stdin="typed at the prompt\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "typed at the prompt\n"


def test_a_term_to_the_launcher_ends_its_client_too_when_stderr_is_piped(tmp_path: Path) -> None:
    client_pid, got = tmp_path / "client.pid", tmp_path / "got"
    fake_install(
        tmp_path,
        complete=True,
        pants=(
            f'echo $$ > "{client_pid}"\n'
            f"trap 'echo TERM >> \"{got}\"; exit 143' TERM\n"
            "while :; do sleep 0.1; done"
        ),
    )
    launcher = subprocess.Popen(
        ["bash", str(LAUNCHER), "--version"],
        env=launcher_env(tmp_path, python="/bin/false"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not (client_pid.exists() and client_pid.read_text().strip()):
            assert time.monotonic() < deadline, "the fake client never started"
            time.sleep(0.05)

        launcher.send_signal(signal.SIGTERM)

        assert launcher.wait(timeout=30) == 143
        assert got.read_text() == "TERM\n"
        pid = int(client_pid.read_text())
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in Path(f"/proc/{pid}/status").read_text()
    finally:
        launcher.kill()
        if client_pid.exists() and client_pid.read_text().strip():
            with contextlib.suppress(ProcessLookupError):  # an orphan would hold the pipes open
                os.kill(int(client_pid.read_text()), signal.SIGKILL)
        launcher.communicate(timeout=30)
