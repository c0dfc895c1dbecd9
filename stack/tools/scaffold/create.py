"""new-module: an all-or-nothing change to the repo (update-module: update.py, remove-module: removal.py)."""

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sync
from atomic_file import replace_text
from boundaries import facade_exports
from manifest import ManifestError, is_owner_handle, load, module_names
from scaffold import provenance, registry, template_versions
from scaffold.check import locked_requirements, lockfile_metadata, requirement_lines
from scaffold.confinement import registration_file
from scaffold.errors import ScaffoldError
from scaffold.names import existing_module, validate_module_name

TEMPLATES = Path(__file__).parent / "templates"
# A worker is the http-api module (with its database, which holds the job queue) plus the overlay
# in templates/worker.
TYPES = ("http-api", "worker")
# events: the module publishes an example event (ItemCreated) through its outbox; it needs database.
FEATURES = ("database", "events")
EXAMPLE_EVENT = "ItemCreated"
# <producer>.<EventType>, as in a manifest's `subscribes`.
_SUBSCRIPTION = re.compile(r"([a-z][a-z0-9_]*)\.([A-Z][A-Za-z0-9]*)", re.ASCII)
# Files that exist only with, or only without, FEATURES=database.
_DATABASE_ONLY = tuple(
    f"backend/repository/{part}" for part in ("migrations/", "tables.py", "repository.py", "unit_of_work.py")
)
_MEMORY_ONLY = ("backend/repository/memory.py",)
_VERSIONS = "backend/repository/migrations/versions"
_EVENT_MIGRATIONS = {f"{_VERSIONS}/event_{table}.py": table for table in ("outbox", "inbox")}


def parse_features(features: str, module_type: str = "http-api") -> set[str]:
    chosen = {f.strip() for f in features.split(",") if f.strip()}
    unknown = chosen - set(FEATURES)
    if unknown:
        raise ScaffoldError(f"unknown FEATURES {sorted(unknown)}; available: {', '.join(FEATURES)}.")
    if "events" in chosen and not _has_database(chosen, module_type):
        raise ScaffoldError(
            "FEATURES=events needs database (the outbox is a table written with the state change): "
            "use FEATURES=database,events."
        )
    return chosen


def parse_subscribes(
    root: Path, subscribes: str, features: set[str], module_type: str = "http-api"
) -> tuple[str, ...]:
    """SUBSCRIBES=<producer>.<EventType>[,...]: events other modules publish (their manifests'
    `publishes`) that the new module handles, each once, through its inbox."""
    chosen = tuple(sorted({s for s in subscribes.split(",") if s})) if subscribes else ()
    for subscription in chosen:
        shape = _SUBSCRIPTION.fullmatch(subscription)
        if not shape:
            raise ScaffoldError(
                f"SUBSCRIBES: {subscription[:80]!r} is not <module>.<EventType> "
                "(e.g. SUBSCRIBES=orders.OrderConfirmed)."
            )
        producer, event_type = shape.groups()
        try:
            existing_module(root, producer)
            published = load(root, producer).publishes
        except ScaffoldError as error:
            raise ScaffoldError(f"SUBSCRIBES: {error}") from None
        except ManifestError as error:
            raise ScaffoldError(f"SUBSCRIBES: {error}") from None
        if event_type not in published:
            raise ScaffoldError(
                f"SUBSCRIBES: {producer} does not publish {event_type} (modules/{producer}/module.toml "
                f"publishes: {', '.join(published) or 'nothing'})."
            )
    if chosen and not _has_database(features, module_type):
        raise ScaffoldError(
            "SUBSCRIBES needs database (the inbox is a table written with the handler's effect): "
            "add FEATURES=database."
        )
    return chosen


def _has_database(features: set[str], module_type: str) -> bool:
    return "database" in features or module_type == "worker"


def parse_uses(root: Path, uses: str) -> tuple[str, ...]:
    """USES=a,b: existing modules whose facades the new module will call."""
    chosen = tuple(sorted({u for u in uses.split(",") if u})) if uses else ()
    for used in chosen:
        try:
            existing_module(root, used)
        except ScaffoldError as error:
            raise ScaffoldError(f"USES: {error}") from None
    return chosen


def parse_owners(owners: str) -> tuple[str, ...]:
    """OWNERS=@org/team[,@user]: who reviews the module (CODEOWNERS is derived from them)."""
    chosen = tuple(o for o in owners.split(",") if o) if owners else ()
    if not chosen:
        raise ScaffoldError(
            "OWNERS= is empty: name the team that owns the module, e.g. OWNERS=@acme/payments."
        )
    for owner in chosen:
        if not is_owner_handle(owner):
            raise ScaffoldError(
                f"OWNERS: {owner!r} is not a handle like @user or @org/team (e.g. OWNERS=@acme/payments)."
            )
    return chosen


def parse_description(description: str, name: str) -> str:
    text = description or f"The {name} service."
    if "\n" in text or len(text) > 200 or not text.strip():
        raise ScaffoldError("DESCRIPTION= must be one line of at most 200 characters.")
    return text


def new_module(
    root: Path,
    name: str,
    module_type: str,
    features: set[str],
    *,
    owners: tuple[str, ...] = ("@pantstack/platform",),
    uses: tuple[str, ...] = (),
    description: str = "",
    subscribes: tuple[str, ...] = (),
    show: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Render the module into a temp dir, then move it in, register it and run `make sync`; on any
    failure (or Ctrl-C) every change is undone. Returns the paths written: with its lockfile when
    one was copied (reuse_lockfile; `show` says from where), else new_module.sh resolves it."""
    validate_module_name(name, root)
    if module_type not in TYPES:
        raise ScaffoldError(f"unknown TYPE '{module_type}'; available: {', '.join(TYPES)}.")
    features = parse_features(",".join(sorted(features)), module_type)
    subscribes = parse_subscribes(root, ",".join(subscribes), features, module_type)
    context = module_context(
        root,
        name,
        module_type=module_type,
        database=_has_database(features, module_type),
        publishes=(EXAMPLE_EVENT,) if "events" in features else (),
        subscribes=subscribes,
        uses=uses,
        owners=owners,
        description=parse_description(description, name),
        listener_priority=_next_listener_priority(root),
    )
    refuse_if_out_of_sync(root)
    derived = list(sync.outputs(root))
    originals = {path: _text_or_none(registration_file(root, path)) for path in derived}
    module_dir = root / "modules" / name
    requirements = root / registry.requirements_file(name)
    for taken in (registry.requirements_file(name), registry.lockfile(name)):
        if (root / taken).exists() or (root / taken).is_symlink():
            raise ScaffoldError(
                f"{taken} already exists but modules/{name} does not; remove or rename it first."
            )
    if (root / "modules").resolve() != root.resolve() / "modules":
        raise ScaffoldError(
            "modules/ is a symlink; the scaffolder writes modules only inside this repository."
        )
    staging = Path(tempfile.mkdtemp(prefix=f".new-module-{name}-", dir=root / "modules"))
    try:
        rendered = render_module(module_type, context)
        for relative, text in rendered.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text(text)
        requirements_text = _render_text(TEMPLATES / "requirements.txt.jinja", context)
        provenance.save(
            staging,
            {
                "type": module_type,
                "context": context,
                "template_commit": template_versions.current_version(root),
                "files": {
                    relative: {"rendered": provenance.digest(text)} for relative, text in rendered.items()
                },
                "outputs": {str(registry.requirements_file(name)): provenance.digest(requirements_text)},
            },
        )
        staging.rename(module_dir)
        requirements.write_text(requirements_text)
        lockfile_source = reuse_lockfile(root, name, requirements_text)
        if lockfile_source is not None:
            show(
                f"{registry.lockfile(name)}: a copy of {registry.lockfile(lockfile_source)}, locked from "
                f"the same requirements (no resolve; `make locks M={name}` resolves afresh)"
            )
        # Everything derived from the manifests (docker-compose.yml, the Pants registry, resolves,
        # CODEOWNERS, ruff's first-party list) is rendered once the module's manifest is in place.
        sync.write(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(module_dir, ignore_errors=True)
        requirements.unlink(missing_ok=True)
        (root / registry.lockfile(name)).unlink(missing_ok=True)
        for path, original in originals.items():
            if original is None:
                (root / path).unlink(missing_ok=True)
            else:
                replace_text(root / path, original)
        raise
    written = [module_dir, requirements, *(root / p for p in derived)]
    return written if lockfile_source is None else [*written, root / registry.lockfile(name)]


# Pants' lockfile header names the resolve only in the command that regenerates it.
_REGENERATE = "//    pants generate-lockfiles --resolve={}\n"


def reuse_lockfile(root: Path, name: str, requirements_text: str) -> str | None:
    """Write the new module's lockfile as a copy of an existing module's whose header says it was
    generated from exactly the same requirements: a resolve from PyPI takes over a minute here, and
    these requirements resolve to that lockfile's pins (the body of a Pants lockfile depends only on
    the requirements and the header's other settings, which all module resolves share; Pants checks
    the header against the resolve's requirements each time it uses the lockfile, as it would a
    resolved one). Only an equal set counts: a lockfile of a superset would also pin packages the
    module does not require. Returns the resolve copied, or None when the module must be resolved
    (`./pants generate-lockfiles`; new_module.sh does that then)."""
    wanted = requirement_lines(requirements_text)
    if not wanted or _per_resolve_settings(root):
        return None
    for source in module_names(root):
        lockfile = root / registry.lockfile(source)
        if source == name or not lockfile.is_file():
            continue
        text = lockfile.read_text()
        header = _REGENERATE.format(source)
        metadata = lockfile_metadata(text)
        if locked_requirements(text) != wanted or text.count(header) != 1 or not metadata:
            continue
        (root / registry.lockfile(name)).write_text(text.replace(header, _REGENERATE.format(name)))
        return source
    return None


def _per_resolve_settings(root: Path) -> bool:
    """Whether pants.toml sets any [python].resolves_to_* option (interpreter constraints,
    constraints, only/no binary per resolve): then two module resolves may lock differently from
    the same requirements, and none is copied."""
    import tomllib

    config = root / "pants.toml"
    if not config.is_file():
        return False
    python = tomllib.loads(config.read_text()).get("python", {})
    return any(key.startswith("resolves_to_") for key in python)


def module_context(
    root: Path,
    name: str,
    *,
    module_type: str,
    database: bool,
    uses: tuple[str, ...],
    owners: tuple[str, ...],
    description: str,
    listener_priority: int,
    publishes: tuple[str, ...] = (),
    subscribes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The answers a module is rendered from (kept in .scaffold.json, re-used by update-module)."""
    return {
        "name": name,
        "Name": "".join(part.capitalize() for part in name.split("_")),
        "NAME": name.upper(),
        "database": database,
        "listener_priority": listener_priority,
        "uses": [{"name": used, "client": _facade_client(root, used)} for used in uses],
        "events": bool(publishes),
        "subscribes": [_subscription(s) for s in subscribes],
        "manifest": {
            "description": json.dumps(description),
            "owners": ", ".join(json.dumps(o) for o in owners),
            "type": module_type,
            "database": "true" if database else "false",
            "uses": ", ".join(json.dumps(u) for u in uses),
            "publishes": ", ".join(json.dumps(p) for p in publishes),
            "subscribes": ", ".join(json.dumps(s) for s in subscribes),
        },
    }


def with_defaults(context: dict[str, Any], module_type: str) -> dict[str, Any]:
    """`context` with the answers added since it was recorded (a module recorded before events had
    none), and the migration revisions its features take, in order after the module's own."""
    context = {**context, "manifest": {"publishes": "", "subscribes": "", **context["manifest"]}}
    context.setdefault("events", False)
    context.setdefault("subscribes", [])
    # 0001 is the items table (with the kit's idempotency keys), a worker's 0002 its jobs.
    taken = 2 if module_type == "worker" else 1
    revisions = {}
    for feature, wanted in (("outbox", context["events"]), ("inbox", bool(context["subscribes"]))):
        if wanted:
            revisions[feature] = (f"{taken + 1:04d}", f"{taken:04d}")
            taken += 1
    context["revisions"] = revisions
    return context


def _subscription(subscription: str) -> dict[str, str]:
    producer, event_type = subscription.split(".")
    handler = re.sub(r"(?<!^)(?=[A-Z])", "_", event_type).lower()
    return {"producer": producer, "event": event_type, "handler": f"on_{handler}"}


def _facade_client(root: Path, module: str) -> str:
    """The client class a module's facade exports (check-module requires one)."""
    clients = [
        name
        for name in facade_exports(root, module)
        if name.endswith("Client") and not name.startswith("Fake")
    ]
    if not clients:
        raise ScaffoldError(
            f"USES: the {module} facade exports no *Client (modules/{module}/backend/public/__init__.py)."
        )
    return clients[0]


def refuse_if_out_of_sync(root: Path) -> None:
    """The scaffolder's changes are exact only from a synced tree: refuse otherwise."""
    try:
        outdated = sync.stale(root)
    except ManifestError as error:
        raise ScaffoldError(f"a module manifest is invalid, fix it first: {error}") from None
    if outdated:
        raise ScaffoldError(
            f"{', '.join(map(str, outdated))} no longer match the manifests; "
            "run `make sync` (and commit) first."
        )


def _text_or_none(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def render_module(module_type: str, context: dict[str, Any], templates: Path = TEMPLATES) -> dict[str, str]:
    """Every file of a module of this type, as relative path -> text (worker = http-api + overlay)."""
    context = with_defaults(context, module_type)
    rendered = _render(templates / "http-api", context)
    if module_type == "worker":
        rendered |= _render(templates / "worker", context)
    return rendered


def _render(template_dir: Path, context: dict[str, Any]) -> dict[str, str]:
    rendered = {}
    for template in sorted(template_dir.rglob("*.jinja")):
        relative = template.relative_to(template_dir).as_posix().removesuffix(".jinja")
        # Stored as build-file: Pants would read a template named BUILD.* as a BUILD file.
        relative = re.sub(r"(^|/)build-file$", r"\1BUILD", relative)
        # The event tables' migrations take the next free revisions (with_defaults), so their files
        # are named by the revision: versions/event_outbox.py -> versions/v0002_create_event_outbox.py.
        table = _EVENT_MIGRATIONS.get(relative)
        if table is not None:
            if table not in context["revisions"]:
                continue
            revision = context["revisions"][table][0]
            relative = f"{_VERSIONS}/v{revision}_create_event_{table}.py"
        if (context["database"] and relative.startswith(_MEMORY_ONLY)) or (
            not context["database"] and relative.startswith(_DATABASE_ONLY)
        ):
            continue
        text = _render_text(template, context)
        # A template whose content is all conditional (subscriptions.py without SUBSCRIBES) may render to
        # nothing: then the module has no such file. Templates of empty files (__init__.py) stay.
        if text.strip() or not template.read_text().strip():
            rendered[relative] = text
    return rendered


def _render_text(template: Path, context: dict[str, Any]) -> str:
    import jinja2  # only `new` renders; check and remove run on the stdlib alone

    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(template.read_text()).render(**context)


def _next_listener_priority(root: Path) -> int:
    used = [
        int(match)
        for stack_file in (root / "modules").glob("*/infrastructure/Pulumi.*.yaml")
        for match in re.findall(r":listenerPriority: (\d+)", stack_file.read_text())
    ]
    return max(used, default=99) + 1
