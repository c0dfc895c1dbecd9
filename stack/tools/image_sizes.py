"""Prints each module image's size as a Markdown table: the base image, the third-party layer and
the module's own code layer (the two COPY layers of stack/docker/Dockerfile). Images from `make images`.

    python3 stack/tools/image_sizes.py [--version latest]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def sizes(image: str) -> tuple[int, int, int, int]:
    """(total, base, third-party layer, own-code layer) in bytes."""
    history = [
        json.loads(line)
        for line in docker(
            "history", "--human=false", "--no-trunc", "--format", "{{json .}}", image
        ).splitlines()
    ]
    copies = [
        int(layer["Size"])
        for layer in history
        if "COPY dir:" in layer["CreatedBy"] or "COPY /opt/app" in layer["CreatedBy"]
    ]
    if len(copies) != 2:
        raise SystemExit(
            f"image_sizes: {image} lacks the Dockerfile's two COPY layers; rebuild it with `make images`"
        )
    srcs, deps = copies  # newest first
    total = int(docker("image", "inspect", "-f", "{{.Size}}", image).strip())
    return total, total - deps - srcs, deps, srcs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--version", default="latest", help="image tag suffix: <module>-<version> (default latest)"
    )
    args = parser.parse_args(argv)
    modules = sorted(build.parent.name for build in (ROOT / "modules").glob("*/BUILD"))
    print("| image | total | base | third-party layer | module code layer |")
    print("|---|---|---|---|---|")
    for module in modules:
        image = f"pantstack/{module}:{module}-{args.version}"
        try:
            total, base, deps, srcs = sizes(image)
        except subprocess.CalledProcessError:
            print(f"image_sizes: no image {image}; build it with `make images`", file=sys.stderr)
            return 1
        print(
            f"| `{image}` | {megabytes(total)} | {megabytes(base)} | {megabytes(deps)} | {megabytes(srcs)} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
