"""Image sizes per module, from stack/tools/image_sizes.py, when a Docker engine and the images exist."""

import shutil
import subprocess
import sys
from pathlib import Path


def images_section(root: Path) -> str:
    if not shutil.which("docker"):
        return "Skipped: no `docker` CLI on this machine (install Docker, then `make base-image images`)."
    engine = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    )
    if engine.returncode != 0:
        return f"Skipped: no Docker engine answers (`docker version`: {engine.stderr.strip()[:200]})."
    sizes = subprocess.run(
        [sys.executable, str(root / "stack/tools/image_sizes.py")], capture_output=True, text=True, cwd=root
    )
    if sizes.returncode != 0:
        return f"Skipped: {sizes.stderr.strip() or 'image_sizes.py failed'} (run `make images` first)."
    base = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", "pantstack/python-base:bookworm"],
        capture_output=True,
        text=True,
    )
    base_note = (
        "on the base `make base-image` builds (`pantstack/python-base:bookworm`, Debian's python3)"
        if base.returncode == 0
        else "on the Dockerfile's default base"
    )
    return (
        f"Docker engine {engine.stdout.strip()}; images from `make images` {base_note}, measured with "
        "`python3 stack/tools/image_sizes.py`. The module layers are the Dockerfile's two COPY layers: "
        "a code-only change ships only the last one.\n\n" + sizes.stdout.strip()
    )
