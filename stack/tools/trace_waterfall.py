"""Render one trace from a span file (`make dev`'s .data/traces.jsonl) as a text waterfall.

    python3 stack/tools/trace_waterfall.py .data/traces.jsonl                # the last placed order
    python3 stack/tools/trace_waterfall.py .data/traces.jsonl --trace-id 0af7…

Each line is a span, indented under its parent: offset from the trace's start, duration, a bar on
a common time axis, service, kind and name (SQL spans show their statement's first words).
Standard library only, so it runs without Pants.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

Span = dict[str, Any]
DEFAULT_ROOT = ("orders", "POST /api/v1/orders")
BAR_WIDTH = 40


def load_spans(path: Path) -> list[Span]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def last_trace_with(spans: list[Span], service: str, name: str) -> str:
    """The id of the latest trace whose root is `service`'s span `name`."""
    roots = [s for s in spans if (s["service"], s["name"], s["parent_span_id"]) == (service, name, "")]
    if not roots:
        raise LookupError(f"no trace starts with {service}'s {name!r}: place an order while `make dev` runs")
    return str(max(roots, key=lambda s: s["start_unix_nano"])["trace_id"])


def in_tree_order(trace: list[Span]) -> list[tuple[Span, int]]:
    """A trace's spans parent first, siblings by start, each with its depth (a span whose parent
    is missing from `trace` counts as a root); the text waterfall and the portal's draw this."""
    ids = {s["span_id"] for s in trace}
    children: dict[str, list[Span]] = {}
    for span in trace:
        parent = span["parent_span_id"] if span["parent_span_id"] in ids else ""
        children.setdefault(parent, []).append(span)
    ordered: list[tuple[Span, int]] = []

    def walk(parent: str, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s["start_unix_nano"]):
            ordered.append((span, depth))
            walk(span["span_id"], depth + 1)

    walk("", 0)
    return ordered


def waterfall(spans: list[Span], trace_id: str) -> str:
    trace = [s for s in spans if s["trace_id"] == trace_id]
    if not trace:
        raise LookupError(f"no span of trace {trace_id}")
    start = min(s["start_unix_nano"] for s in trace)
    total = max(s["end_unix_nano"] for s in trace) - start or 1
    lines = [f"trace {trace_id}: {len(trace)} spans, {total / 1e6:.1f} ms", ""]
    for span, depth in in_tree_order(trace):
        offset, duration = (
            span["start_unix_nano"] - start,
            span["end_unix_nano"] - span["start_unix_nano"],
        )
        first = min(round(offset / total * BAR_WIDTH), BAR_WIDTH - 1)
        bar = " " * first + "█" * max(1, round(duration / total * BAR_WIDTH))
        error = "  ERROR" if span["status"]["code"] == "error" else ""
        lines.append(
            f"{offset / 1e6:7.1f} ms {duration / 1e6:7.1f} ms |{bar:<{BAR_WIDTH}}| "
            f"{'  ' * depth}{span['service']} {span['kind']}: {span_label(span)}{error}"
        )
    return "\n".join(line.rstrip() for line in lines)


def span_label(span: Span) -> str:
    """What a span did: its SQL statement's first words, a client call's URL, else its name."""
    statement = span["attributes"].get("db.statement")
    if statement:
        words = " ".join(str(statement).split())
        return words if len(words) <= 60 else words[:57] + "..."
    if span["kind"] == "client" and "http.url" in span["attributes"]:
        return f"{span['name']} {span['attributes']['http.url']}"
    return str(span["name"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spans", type=Path, help="a span file, one JSON object per line")
    parser.add_argument("--trace-id", help="default: the last trace of orders' POST /api/v1/orders")
    args = parser.parse_args(argv)
    try:
        spans = load_spans(args.spans)
        print(waterfall(spans, args.trace_id or last_trace_with(spans, *DEFAULT_ROOT)))
    except (OSError, LookupError) as error:
        print(f"trace_waterfall: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
