"""stack/docker/env.sh names one compose project per checkout, so two clones never share containers
or volumes, and points a user whose data is in the old per-directory project at it."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

ENV_SCRIPT = Path("stack/docker/env.sh")


def checkout(parent: Path) -> Path:
    """A checkout named `pantstack` with one module, as env.sh reads it."""
    root = parent / "pantstack"
    (root / "stack/docker").mkdir(parents=True)
    shutil.copy(ENV_SCRIPT, root / ENV_SCRIPT)
    (root / "modules/orders").mkdir(parents=True)
    (root / "modules/orders/module.toml").write_text('type = "http-api"\n')
    return root


def fake_tools(bin_dir: Path, volumes: list[str]) -> None:
    """docker-compose v1, and a docker that knows only `volumes` (and no `docker compose`)."""
    bin_dir.mkdir(exist_ok=True)
    scripts = {
        "docker-compose": "exit 0",
        "docker": (
            'if [ "$1 $2" = "volume inspect" ]; then\n'
            f'  for known in {" ".join(volumes)}; do [ "$3" = "$known" ] && exit 0; done\n'
            "fi\nexit 1"
        ),
    }
    for name, body in scripts.items():
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)


def project(root: Path, bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", 'make_target=up; source stack/docker/env.sh && echo "$COMPOSE_PROJECT_NAME"'],
        cwd=root,
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "PWD": str(root),
            "HOME": str(root),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )


def test_two_checkouts_with_one_name_get_their_own_projects(tmp_path: Path) -> None:
    fake_tools(tmp_path / "bin", volumes=[])
    first = project(checkout(tmp_path / "a"), tmp_path / "bin").stdout.strip()
    second = project(checkout(tmp_path / "b"), tmp_path / "bin").stdout.strip()

    assert first != second
    assert first.startswith("pantstack-") and second.startswith("pantstack-")
    assert project(checkout(tmp_path / "c"), tmp_path / "bin", COMPOSE_PROJECT_NAME="mine").stdout == "mine\n"


def test_data_under_the_directory_name_alone_is_pointed_at(tmp_path: Path) -> None:
    fake_tools(tmp_path / "bin", volumes=["pantstack_postgres-data"])

    done = project(checkout(tmp_path / "a"), tmp_path / "bin")

    assert "COMPOSE_PROJECT_NAME=pantstack make up" in done.stderr
    assert done.stdout.strip().startswith("pantstack-")
