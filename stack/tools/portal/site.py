"""`make portal`: a static site of every module into dist/portal/, readable from file:// (the data
sits in the pages, the scripts and styles beside them: no server, no CDN).

    index.html              every module: description, owners, type, version, uses / used by, database
    modules/<name>.html     its facts, neighbourhood graph, HTTP API (Swagger UI), contract history, README
    module-graph.svg        every module laid out by Graphviz dot
    catalog/                Backstage catalog-info.yaml per module and a Location for them all

At 100 modules: 101 `dot` runs, one `git log` per module and a `git show` per commit that changed
a contract; nothing grows with modules x modules but the neighbourhood lookups, which are in memory.
"""

import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from manifest import Manifest, ManifestError, load_all, used_by
from portal import backstage, graph
from portal.errors import PortalError
from portal.history import ContractChange, contract_history, is_git_checkout

TEMPLATES = Path(__file__).parent / "templates"
# Written into the output directory, so that a rebuild only ever deletes a portal it wrote.
MARKER = ".pantstack-portal"
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Swagger UI as the modules serve it at /api/docs (fastapi-offline's copy), for the same rendering.
SWAGGER_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str


@dataclass(frozen=True)
class ModulePage:
    manifest: Manifest
    used_by: tuple[str, ...]
    readme_html: str | None
    contract: dict[str, Any] | None
    operations: tuple[Operation, ...]
    # None outside a git checkout (a source archive): there is no history to read.
    history: list[ContractChange] | None
    neighbourhood_svg: str


def operations(contract: dict[str, Any]) -> tuple[Operation, ...]:
    return tuple(
        Operation(method.upper(), path, operation.get("summary", ""))
        for path, item in contract.get("paths", {}).items()
        for method, operation in item.items()
        if method in _HTTP_METHODS
    )


def render_markdown(text: str) -> str:
    """CommonMark with GitHub's tables; raw HTML in a README is shown as text, never run."""
    html: str = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(text)
    return html


def swagger_ui_directory() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        raise PortalError("fastapi-offline is not installed; run the portal through ./pants (make portal).")
    return Path(spec.origin).parent / "static"


def module_pages(root: Path, manifests: list[Manifest]) -> list[ModulePage]:
    users, in_git = used_by(manifests), is_git_checkout(root)
    pages = []
    for manifest in manifests:
        directory = root / "modules" / manifest.name
        readme = directory / "README.md"
        snapshot = Path("modules") / manifest.name / "openapi.json"
        contract = _read_contract(root / snapshot)
        near = graph.neighbourhood(manifests, manifest.name)
        pages.append(
            ModulePage(
                manifest,
                users[manifest.name],
                render_markdown(readme.read_text()) if readme.is_file() else None,
                contract,
                operations(contract) if contract is not None else (),
                contract_history(root, snapshot) if in_git and contract is not None else None,
                graph.render_svg(graph.dot_source(near, link="{name}.html", focus=manifest.name)),
            )
        )
    return pages


def build(root: Path, out: Path) -> list[Path]:
    """Write the portal into `out` (replacing a portal built there before); returns the pages."""
    try:
        manifests = load_all(root)
    except ManifestError as error:
        raise PortalError(str(error)) from None
    graph.dot_binary()  # fail before anything is written when dot is missing
    pages = module_pages(root, manifests)
    _clear(out)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    full_graph = graph.render_svg(graph.dot_source(manifests, link="modules/{name}.html"))
    written = [
        _write(
            out / "index.html",
            env.get_template("index.html").render(pages=pages, graph_svg=full_graph, base=""),
        )
    ]
    (out / "module-graph.svg").write_text(full_graph)
    for page in pages:
        html = env.get_template("module.html").render(page=page, base="../")
        written.append(_write(out / "modules" / f"{page.manifest.name}.html", html))
    assets = out / "assets"
    assets.mkdir()
    for name in ("portal.css", "live.js"):
        shutil.copyfile(TEMPLATES / name, assets / name)
    for name in SWAGGER_ASSETS:
        shutil.copyfile(swagger_ui_directory() / name, assets / name)
    _write_catalog(out / "catalog", pages)
    return written


def _write_catalog(directory: Path, pages: list[ModulePage]) -> None:
    provides_api = {p.manifest.name for p in pages if p.contract is not None}
    for page in pages:
        documents = backstage.entities(page.manifest, page.contract, provides_api)
        _write(directory / page.manifest.name / "catalog-info.yaml", backstage.dump(documents))
    _write(
        directory / "catalog-info.yaml",
        backstage.dump([backstage.location([p.manifest.name for p in pages])]),
    )


def _read_contract(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    fix = "rewrite it with make contract-accept"
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise PortalError(f"{path} is not valid JSON ({error}); {fix}.") from None
    if not isinstance(document, dict):
        raise PortalError(f"{path} holds a JSON {type(document).__name__}, not an OpenAPI document; {fix}.")
    return document


def _clear(out: Path) -> None:
    if out.exists():
        if not (out / MARKER).is_file() and any(out.iterdir()):
            raise PortalError(
                f"{out} exists and is not a portal this command wrote (no {MARKER} in it); "
                "choose an empty or new directory, or remove it yourself."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Written by `make portal`; the next build replaces this directory.\n")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
