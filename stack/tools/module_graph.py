"""`make graph`: the module-level dependency graph, from Pants' real target graph.

Reads `./pants peek` JSON (every target and its resolved dependencies), folds targets into
modules (modules/<name>) and shared libraries (stack/libs/<name>, stack/infra), and writes
Mermaid text and an SVG picture. Fails, printing the cycle, if modules depend on each other
in a cycle.

    ./pants peek modules:: stack/libs:: > dist/peek.json
    python3 stack/tools/module_graph.py dist/peek.json docs
"""

import json
import sys
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

Edge = tuple[str, str]


def node_of(address: str) -> str | None:
    """`module:<name>` or `lib:<name>` for an address, None for third-party and everything else."""
    parts = address.split(":")[0].split("@")[0].split("/")
    if parts[0] == "modules" and len(parts) > 1:
        return f"module:{parts[1]}"
    if parts[:2] == ["stack", "libs"] and len(parts) > 2:
        return f"lib:{parts[2]}"
    if parts[:2] == ["stack", "infra"]:
        return "lib:infra"
    return None


def fold(targets: list[dict[str, object]]) -> dict[Edge, str]:
    """Module/library edges, labelled `facade` (through backend/public or schemas) or `uses`."""
    edges: dict[Edge, str] = {}
    for target in targets:
        source = node_of(str(target["address"]))
        if source is None:
            continue
        for dependency in target.get("dependencies", []):  # type: ignore[attr-defined]
            destination = node_of(str(dependency))
            if destination is None or destination == source:
                continue
            through_facade = "/backend/public/" in dependency or "/backend/schemas/" in dependency
            edges[(source, destination)] = "facade" if through_facade else "uses"
    return edges


def find_cycle(edges: dict[Edge, str]) -> list[str] | None:
    graph: dict[str, list[str]] = defaultdict(list)
    for source, destination in sorted(edges):
        if source.startswith("module:") and destination.startswith("module:"):
            graph[source].append(destination)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for successor in graph[node]:
            cycle = visit(successor)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def mermaid(edges: dict[Edge, str]) -> str:
    lines = ["graph TD"]
    nodes = sorted({n for edge in edges for n in edge})
    ids = {node: node.replace(":", "_") for node in nodes}
    for node in nodes:
        kind, name = node.split(":")
        lines.append(f"    {ids[node]}[{name}]" if kind == "module" else f"    {ids[node]}([{name}])")
    for (source, destination), label in sorted(edges.items()):
        arrow = "-->|facade|" if label == "facade" else "-.->"
        lines.append(f"    {ids[source]} {arrow} {ids[destination]}")
    return "\n".join(lines) + "\n"


def svg(edges: dict[Edge, str]) -> str:
    """Layered drawing: each node one row below everything that depends on it."""
    nodes = sorted({n for edge in edges for n in edge})
    depth = dict.fromkeys(nodes, 0)
    for _ in nodes:  # longest-path layering; the graph is acyclic when we get here
        for source, destination in edges:
            depth[destination] = max(depth[destination], depth[source] + 1)
    rows: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        rows[depth[node]].append(node)
    width, row_height, box_w, box_h = 180, 110, 140, 40
    position = {}
    for row, members in rows.items():
        for column, node in enumerate(members):
            position[node] = (20 + column * width + box_w / 2, 30 + row * row_height)
    total_w = 40 + max(len(m) for m in rows.values()) * width
    total_h = 60 + len(rows) * row_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        'font-family="sans-serif" font-size="13">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    for (source, destination), label in sorted(edges.items()):
        (x1, y1), (x2, y2) = position[source], position[destination]
        dash = "" if label == "facade" else ' stroke-dasharray="5,4"'
        out.append(
            f'<line x1="{x1}" y1="{y1 + box_h / 2}" x2="{x2}" y2="{y2 - box_h / 2}" stroke="#444"{dash} '
            'marker-end="url(#arrow)"/>'
        )
    for node, (x, y) in position.items():
        kind, name = node.split(":")
        fill = "#dbeafe" if kind == "module" else "#f3f4f6"
        out.append(
            f'<rect x="{x - box_w / 2}" y="{y - box_h / 2}" width="{box_w}" height="{box_h}" rx="8" '
            f'fill="{fill}" stroke="#333"/>'
        )
        out.append(f'<text x="{x}" y="{y + 5}" text-anchor="middle">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: module_graph.py PEEK_JSON OUTPUT_DIR", file=sys.stderr)
        return 2
    edges = fold(json.loads(Path(argv[0]).read_text()))
    cycle = find_cycle(edges)
    if cycle:
        names = " -> ".join(node.split(":")[1] for node in cycle)
        print(
            f"module dependency cycle: {names}; break it (e.g. move shared code to stack/libs)",
            file=sys.stderr,
        )
        return 1
    out_dir = Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "module-graph.mmd").write_text(mermaid(edges))
    (out_dir / "module-graph.svg").write_text(svg(edges))
    print(mermaid(edges), end="")
    print(f"wrote {out_dir / 'module-graph.mmd'} and {out_dir / 'module-graph.svg'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
