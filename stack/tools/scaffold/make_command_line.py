"""What the user typed for a variable on make's command line, which make itself trims.

`make check-module M=' orders'` hands recipes M=orders: make strips leading blanks from a
command-line value. The name rule wants the exact text, so under make (MAKELEVEL is set) the
scaffolder reads the invoking make's own arguments from /proc. Where /proc doesn't exist (macOS),
the value make passed on is all there is.
"""

import os
from pathlib import Path

_MAKES = {"make", "gmake"}


def as_typed(variable: str, passed: str) -> str:
    """The raw `variable=...` argument of the nearest make above us, else `passed`."""
    if "MAKELEVEL" not in os.environ:
        return passed
    pid = os.getppid()
    for _ in range(8):  # make -> sh -c recipe -> python; a few more for wrappers
        argv = _argv(pid)
        if argv and Path(argv[0]).name in _MAKES:
            typed = [arg.split("=", 1)[1] for arg in argv[1:] if arg.startswith(f"{variable}=")]
            # make lets the last assignment win; one whose trimmed text isn't `passed` was
            # overridden elsewhere (environment, makefile), so it isn't what reached us.
            if typed and typed[-1].lstrip() == passed.lstrip():
                return typed[-1]
            return passed
        pid = _parent(pid)
        if pid <= 1:
            break
    return passed


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # The command name (2nd field) may hold spaces and parentheses: split after the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])
