"""docker-compose.yml's events broker: present only when some module publishes; the modules that
publish or subscribe get EVENTS_BROKER_URL; data in a volume with every write fsynced; no password,
no broker (never an open one, never a fixed one)."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from compose import BROKER_PORT, render, required
from manifest import EVENTS_BROKER


def module(root: Path, name: str, extra: str = "", database: bool = True) -> None:
    (root / f"modules/{name}").mkdir(parents=True, exist_ok=True)
    (root / f"modules/{name}/BUILD").write_text(f'pantstack_module("{name}")\n')
    (root / f"modules/{name}/module.toml").write_text(
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\n'
        f'database = {str(database).lower()}\nversion = "0.1.0"\nuses = []\n{extra}'
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    module(tmp_path, "orders", 'publishes = ["OrderConfirmed"]\n')
    module(tmp_path, "shipping", 'subscribes = ["orders.OrderConfirmed"]\n')
    module(tmp_path, "notes", database=False)
    return tmp_path


def _block(compose_file: str, name: str) -> str:
    """One service's lines: from `  <name>:` to the next service or top-level key."""
    lines = compose_file.split("\n")
    start = lines.index(f"  {name}:")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith("   ")), len(lines)
    )
    return "\n".join(lines[start:end])


def test_without_a_publisher_there_is_no_broker(tmp_path: Path) -> None:
    module(tmp_path, "notes")

    compose_file = render(tmp_path)
    assert EVENTS_BROKER not in compose_file and "EVENTS_BROKER" not in compose_file


def test_publishers_and_subscribers_reach_the_broker_and_others_do_not(repo: Path) -> None:
    compose_file = render(repo)

    url = f"EVENTS_BROKER_URL: redis://:{required('EVENTS_BROKER_PASSWORD')}@{EVENTS_BROKER}:{BROKER_PORT}/0"
    for name in ("orders", "shipping"):
        block = _block(compose_file, name)
        assert url in block
        assert f"      {EVENTS_BROKER}:\n        condition: service_healthy" in block
    assert "EVENTS_BROKER" not in _block(compose_file, "notes")


def test_the_broker_keeps_its_data_in_a_volume_fsyncs_every_write_and_publishes_no_port(repo: Path) -> None:
    compose_file = render(repo)
    broker = _block(compose_file, EVENTS_BROKER)

    assert f"      - {EVENTS_BROKER}-data:/data" in broker
    assert "--appendonly yes --appendfsync always" in broker
    assert "ports:" not in broker
    assert "image: ${PANTSTACK_BROKER_IMAGE:-redis:7-bookworm}" in broker
    assert compose_file.endswith(f"volumes:\n  postgres-data:\n  {EVENTS_BROKER}-data:\n")
    # No fallback: compose refuses to run without the password, and the broker to start with it empty.
    assert (
        "EVENTS_BROKER_PASSWORD: ${EVENTS_BROKER_PASSWORD:?EVENTS_BROKER_PASSWORD is unset;"
        " make up generates it into its keys directory (.data/keys)}\n"
    ) in broker
    assert "EVENTS_BROKER_PASSWORD is empty" in broker


def broker_script(compose_file: str, data: Path, port: int) -> str:
    """The broker's start script as its container runs it ($$ is compose's escape for $)."""
    block = _block(compose_file, EVENTS_BROKER)
    script = block.split("      - |\n", 1)[1].split("\n    volumes:", 1)[0]
    lines = [line.removeprefix("        ") for line in script.splitlines()]
    return (
        "\n".join(lines)
        .replace("$$", "$")
        .replace("/tmp/broker.conf", str(data / "broker.conf"))
        .replace("--dir /data", f"--dir {data}")
        .replace(f"--port {BROKER_PORT}", f"--port {port}")
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server (Debian's package) is not installed"
)
def test_the_start_script_refuses_an_empty_password_and_serves_only_with_it(
    repo: Path, tmp_path: Path
) -> None:
    data, port = tmp_path / "broker", free_port()
    data.mkdir()
    script = broker_script(render(repo), data, port)

    refused = subprocess.run(
        ["sh", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "EVENTS_BROKER_PASSWORD is empty" in refused.stderr

    env = {"PATH": "/usr/bin:/bin", "EVENTS_BROKER_PASSWORD": "s3cret-for-this-test"}
    broker = subprocess.Popen(
        ["sh", "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        cli = ["redis-cli", "-p", str(port)]
        for _ in range(100):
            if subprocess.run([*cli, "ping"], capture_output=True, text=True).stdout.strip():
                break
            time.sleep(0.05)
        anonymous = subprocess.run([*cli, "ping"], capture_output=True, text=True)
        assert "NOAUTH" in anonymous.stdout + anonymous.stderr
        authed = {"REDISCLI_AUTH": "s3cret-for-this-test", "PATH": "/usr/bin:/bin"}
        fsync = subprocess.run(
            [*cli, "config", "get", "appendfsync"], env=authed, capture_output=True, text=True
        )
        assert fsync.stdout.split() == ["appendfsync", "always"]
        assert (data / "broker.conf").stat().st_mode & 0o077 == 0
    finally:
        broker.terminate()
        broker.wait(timeout=10)
