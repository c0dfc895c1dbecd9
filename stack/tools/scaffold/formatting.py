"""The formatting `make fmt` applies (black, then ruff's fixes), in process, with the repo's settings.

`make update-module` merges re-rendered templates into a module whose files were formatted after
generation; the old and new template output must be formatted the same way first, or every
reformatted line would look like a local edit. The versions are the tools resolve's, which Pants'
`fmt fix` also runs (pants.toml [black] and [ruff]).
"""

import subprocess
import tomllib
from pathlib import Path


def format_file(root: Path, relative: str, text: str) -> str:
    """`text` as `make fmt` would leave modules/…/`relative`; non-Python files unchanged."""
    if not relative.endswith(".py"):
        return text
    # From the tools resolve; the stdlib-only commands (check, remove, adopt) never format.
    from black import format_str
    from black.const import DEFAULT_LINE_LENGTH
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    settings = tomllib.loads((root / "pyproject.toml").read_text()).get("tool", {}).get("black", {})
    mode = Mode(
        line_length=settings.get("line-length", DEFAULT_LINE_LENGTH),
        target_versions={TargetVersion[v.upper()] for v in settings.get("target-version", [])},
    )
    try:
        text = format_str(text, mode=mode)
    except InvalidInput:
        return text  # not Python after all (a half-merged file); ruff would fail on it too
    fixed = subprocess.run(
        [find_ruff_bin(), "check", "--fix", "--exit-zero", "--quiet", "--stdin-filename", relative, "-"],
        cwd=root,
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return format_str(fixed, mode=mode)
