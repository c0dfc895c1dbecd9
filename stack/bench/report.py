"""docs/benchmarks.md: Markdown tables, and the generated sections between markers.

Each section lives between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`; a run rewrites only
the sections it measured, so hand-written text and sections not re-run stay as they are.
"""

import re
from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[object]], align_right_from: int = 1) -> str:
    """A Markdown table; columns from `align_right_from` on are right-aligned (numbers)."""
    rule = ["---:" if i >= align_right_from else "---" for i in range(len(header))]
    lines = [header, rule, *[[str(cell) for cell in row] for row in rows]]
    for row in lines:
        if len(row) != len(header):
            raise ValueError(f"row {row} has {len(row)} cells, the header {len(header)}")
    return "\n".join("| " + " | ".join(row) + " |" for row in lines)


def ms(value: float) -> str:
    return f"{value:.2f} ms"


def seconds(value: float) -> str:
    return f"{value:.1f} s"


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def replace_section(document: str, name: str, body: str) -> str:
    """`document` with section `name`'s body replaced; a section not there yet is appended."""
    begin, end = _markers(name)
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: block, document, count=1)
    return document.rstrip("\n") + "\n\n" + block + "\n"


def seconds_fine(value: float) -> str:
    return f"{value:.2f} s"
