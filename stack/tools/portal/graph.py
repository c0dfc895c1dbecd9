"""The module graph laid out by Graphviz `dot`: each module a box linking to its page, each
`uses` a facade edge from the caller to the module it calls, and each subscription a dashed event
edge from the producer to the subscriber, labelled with the event types."""

import os
import re
import shutil
import subprocess

from manifest import Manifest, event_edges, used_by
from portal.errors import PortalError

FACADE_EDGE = 'color="#1d4ed8", penwidth=1.4, arrowsize=0.8'
EVENT_EDGE = 'color="#b45309", fontcolor="#b45309", style=dashed, penwidth=1.2, arrowsize=0.8'
_XML_PROLOG = re.compile(r"\A(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*", re.DOTALL)


def dot_binary() -> str:
    """The `dot` on PATH; without it, an error that says how to install it."""
    found = shutil.which("dot")
    if found is None:
        raise PortalError(
            "Graphviz `dot` is not on PATH; the portal lays out the module graph with it. "
            "Install it: apt-get install graphviz (.ci/run does)."
        )
    return found


def neighbourhood(manifests: list[Manifest], name: str) -> list[Manifest]:
    """The module, the modules it uses, the modules that use it, and those it exchanges events with."""
    module = next(m for m in manifests if m.name == name)
    near = {name, *module.uses, *used_by(manifests)[name]}
    near |= {other for edge in event_edges(manifests) if name in edge[:2] for other in edge[:2]}
    return [m for m in manifests if m.name in near]


def dot_source(manifests: list[Manifest], link: str, focus: str | None = None) -> str:
    """Graphviz text; `link` is a URL pattern with {name}; `focus` is drawn highlighted."""
    shown = {m.name for m in manifests}
    lines = [
        "digraph modules {",
        '  graph [rankdir=TB, nodesep=0.5, ranksep=0.6, bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, '
        'fillcolor="#dbeafe", color="#334155", margin="0.2,0.08"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for m in manifests:
        fill = ', fillcolor="#fde68a"' if m.name == focus else ""
        owners = " ".join(m.owners)
        label = f'<<b>{_html(m.name)}</b><br/><font point-size="9">{_html(owners)}</font>>'
        lines.append(
            f'  "{m.name}" [label={label}, URL="{link.format(name=m.name)}", '
            f'tooltip="{_quoted(m.description)}"{fill}];'
        )
    for m in manifests:
        for used in m.uses:
            if used in shown:
                lines.append(
                    f'  "{m.name}" -> "{used}" [{FACADE_EDGE}, tooltip="{m.name} calls {used}\'s facade"];'
                )
    for producer, subscriber, types in event_edges(manifests):
        if producer in shown and subscriber in shown:
            label = ", ".join(types)
            lines.append(
                f'  "{producer}" -> "{subscriber}" [{EVENT_EDGE}, label="{label}", '
                f'tooltip="{subscriber} handles {producer}\'s {label}"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(source: str) -> str:
    """`dot -Tsvg` of `source`, without the XML prolog so that it can sit inline in a page."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    result = subprocess.run([dot_binary(), "-Tsvg"], input=source, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise PortalError(f"dot could not lay out the module graph: {result.stderr.strip()}")
    return _XML_PROLOG.sub("", result.stdout)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
