"""The module manifests, modules/<name>/module.toml: the one place that says what a module is.

A manifest declares a module's description, owners, type, whether it has a database, its image
version and `uses`: the modules whose facades it calls, declared by the consumer as in tach's
`depends_on`; optionally `public_routes`, the URL prefixes the internet-facing load balancer routes
to it (none when absent: the module is private to the modules that use it); optionally
`publishes`, the event types it publishes (the Event subclasses in backend/public/events.py), and
`subscribes`, the events of other modules it consumes, as "<producer>.<EventType>". Everything else
that lists modules is derived from these files by `make sync` (stack/tools/sync.py);
`stack/tools/boundaries.py` checks `uses`, `publishes` and `subscribes` against the code, both ways.

TOML because Python reads it with the standard library (tomllib), so every check runs before
any dependency is installed, and because pants.toml and pyproject.toml already are.
"""

import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "module.toml"
TYPES = ("http-api", "worker")
_OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?", re.ASCII)
_VERSION = re.compile(r"\d+\.\d+\.\d+", re.ASCII)
_ROUTE = re.compile(r"/api(/[A-Za-z0-9][A-Za-z0-9._-]*)+", re.ASCII)
# An event type is a Python class name in PascalCase: it is the Event subclass's name and part of its topic.
_EVENT_TYPE = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)
_SUBSCRIPTION = re.compile(r"[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*", re.ASCII)
# Keys a manifest may leave out; see Manifest for their defaults.
OPTIONAL_FIELDS = frozenset({"public_routes", "publishes", "subscribes", "coverage_floor"})
# The line coverage CI holds a module to unless its manifest sets `coverage_floor`.
DEFAULT_COVERAGE_FLOOR = 80
MAX_PUBLIC_ROUTES = 2
EXAMPLE = """description = "Payments: charges and refunds per order."
owners = ["@acme/payments"]
type = "http-api"
database = true
version = "0.1.0"
uses = ["orders"]"""


class ManifestError(Exception):
    """A manifest is missing or malformed; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class Manifest:
    name: str
    description: str
    owners: tuple[str, ...]
    type: str
    database: bool
    version: str
    uses: tuple[str, ...]
    # Optional key: URL prefixes the internet-facing load balancer routes to this module. None by
    # default: a module is reachable only from the modules that `use` it, inside the VPC.
    public_routes: tuple[str, ...] = ()
    # Optional keys: the event types this module publishes (its backend/public/events.py), and the
    # events it consumes as "<producer>.<EventType>". Neither needs `uses`: a subscriber imports only
    # the producer's event classes, never calls its facade.
    publishes: tuple[str, ...] = ()
    subscribes: tuple[str, ...] = ()
    # Optional key: the line coverage (percent) CI holds this module's code to; see coverage_floors.py.
    coverage_floor: int = DEFAULT_COVERAGE_FLOOR

    @property
    def path(self) -> Path:
        return Path("modules") / self.name / MANIFEST

    @property
    def event_sources(self) -> tuple[str, ...]:
        """The modules whose events this one subscribes to, sorted."""
        return tuple(sorted({subscription.split(".")[0] for subscription in self.subscribes}))


def is_owner_handle(text: str) -> bool:
    return bool(_OWNER.fullmatch(text))


def module_names(root: Path) -> list[str]:
    """Every module: a directory under modules/ with a BUILD file."""
    return sorted(build.parent.name for build in (root / "modules").glob("*/BUILD"))


def load_all(root: Path) -> list[Manifest]:
    """Every module's manifest, checked one by one and against each other (uses, cycles)."""
    names = module_names(root)
    manifests = [load(root, name) for name in names]
    for manifest in manifests:
        for used in manifest.uses:
            if used == manifest.name:
                raise ManifestError(f'{manifest.path}: `uses` lists the module itself; remove "{used}".')
            if used not in names:
                raise ManifestError(
                    f'{manifest.path}: `uses` names "{used}", which is not a module '
                    f"(modules: {', '.join(names)}); fix the name or remove it."
                )
    _check_subscriptions(manifests)
    cycle = _cycle({m.name: m.uses for m in manifests})
    if cycle:
        raise ManifestError(
            f"modules use each other in a cycle: {' -> '.join(cycle)}; a facade call chain must end. "
            "Move what both need into a third module, or have one side publish events instead."
        )
    return manifests


def load(root: Path, name: str) -> Manifest:
    path = Path("modules") / name / MANIFEST
    if not (root / path).is_file():
        raise ManifestError(f"{path} is missing; every module declares itself there, e.g.:\n{EXAMPLE}")
    try:
        data = tomllib.loads((root / path).read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path} is not valid TOML: {error}.") from None
    fields = {"description", "owners", "type", "database", "version", "uses"}
    unknown, missing = sorted(data.keys() - fields - OPTIONAL_FIELDS), sorted(fields - data.keys())
    if unknown or missing:
        problem = f"unknown key(s) {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}"
        raise ManifestError(
            f"{path}: {problem}; a manifest has exactly {', '.join(sorted(fields))}"
            f" (and optionally {', '.join(sorted(OPTIONAL_FIELDS))})."
        )

    def wrong(key: str, expected: str) -> ManifestError:
        return ManifestError(f"{path}: `{key}` must be {expected}, not {data[key]!r}.")

    description = data["description"]
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        raise wrong("description", "one non-empty line")
    owners = data["owners"]
    if not isinstance(owners, list) or not owners or not all(isinstance(o, str) for o in owners):
        raise wrong("owners", 'a non-empty list of team handles, e.g. ["@acme/payments"]')
    for owner in owners:
        if not is_owner_handle(owner):
            raise ManifestError(f"{path}: owner {owner!r} is not a handle like @user or @org/team.")
    if data["type"] not in TYPES:
        raise wrong("type", " or ".join(f'"{t}"' for t in TYPES))
    if not isinstance(data["database"], bool):
        raise wrong("database", "true or false")
    if not isinstance(data["version"], str) or not _VERSION.fullmatch(data["version"]):
        raise wrong("version", 'a version like "1.2.0"')
    uses = data["uses"]
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise wrong("uses", 'a list of module names, e.g. ["inventory"]')
    if uses != sorted(set(uses)):
        raise ManifestError(f"{path}: `uses` must be sorted, without repeats: {sorted(set(uses))}.")
    return Manifest(
        name,
        description,
        tuple(owners),
        data["type"],
        data["database"],
        data["version"],
        tuple(uses),
        _public_routes(path, data.get("public_routes", [])),
        _names(
            path, "publishes", data.get("publishes", []), _EVENT_TYPE, 'e.g. publishes = ["OrderConfirmed"]'
        ),
        _names(
            path,
            "subscribes",
            data.get("subscribes", []),
            _SUBSCRIPTION,
            'e.g. subscribes = ["orders.OrderConfirmed"]',
        ),
        coverage_floor=_coverage_floor(path, data.get("coverage_floor", DEFAULT_COVERAGE_FLOOR)),
    )


def _names(path: Path, key: str, values: object, pattern: re.Pattern[str], example: str) -> tuple[str, ...]:
    """`publishes` or `subscribes`: a sorted list of distinct names, each matching `pattern`."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ManifestError(f"{path}: `{key}` must be a list of strings, {example}, not {values!r}.")
    for value in values:
        if not pattern.fullmatch(value):
            shape = "an event class name in PascalCase" if key == "publishes" else '"<module>.<EventType>"'
            raise ManifestError(f"{path}: `{key}` entry {value!r} is not {shape}, {example}.")
    if values != sorted(set(values)):
        raise ManifestError(f"{path}: `{key}` must be sorted, without repeats: {sorted(set(values))}.")
    return tuple(values)


def _check_subscriptions(manifests: list[Manifest]) -> None:
    """Each subscription names another module that publishes that event type."""
    published = {m.name: set(m.publishes) for m in manifests}
    for manifest in manifests:
        for subscription in manifest.subscribes:
            producer, event_type = subscription.split(".")
            if producer == manifest.name:
                raise ManifestError(
                    f'{manifest.path}: `subscribes` lists "{subscription}", an event of the module itself; '
                    "a module handles its own state changes in its service layer, so remove it."
                )
            if producer not in published:
                raise ManifestError(
                    f'{manifest.path}: `subscribes` names "{subscription}", but "{producer}" is not a module '
                    f"(modules: {', '.join(sorted(published))}); fix the name or remove it."
                )
            if event_type not in published[producer]:
                offered = ", ".join(sorted(published[producer])) or "none"
                raise ManifestError(
                    f'{manifest.path}: `subscribes` names "{subscription}", but '
                    f"modules/{producer}/module.toml does not publish {event_type} "
                    f"(it publishes: {offered}); "
                    f'fix the name, or add "{event_type}" to publishes there.'
                )


def event_edges(manifests: list[Manifest]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(producer, subscriber, event types) per pair where one subscribes to the other's events, sorted."""
    edges = []
    for subscriber in manifests:
        for producer in subscriber.event_sources:
            types = tuple(s.split(".")[1] for s in subscriber.subscribes if s.split(".")[0] == producer)
            edges.append((producer, subscriber.name, types))
    return sorted(edges)


def subscribers(manifests: list[Manifest]) -> dict[str, tuple[str, ...]]:
    """For each module, the modules that subscribe to any of its events."""
    return {m.name: tuple(sorted(c.name for c in manifests if m.name in c.event_sources)) for m in manifests}


def _coverage_floor(path: Path, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ManifestError(
            f"{path}: `coverage_floor` must be a whole percentage from 0 to 100, not {value!r}."
        )
    return value


def _public_routes(path: Path, routes: object) -> tuple[str, ...]:
    """`public_routes`: sorted, distinct prefixes like "/api/v1/orders" (each also routes what lies below)."""
    example = 'e.g. public_routes = ["/api/v1/orders"]'
    if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
        raise ManifestError(
            f"{path}: `public_routes` must be a list of URL prefixes, {example}, not {routes!r}."
        )
    for route in routes:
        if not _ROUTE.fullmatch(route):
            raise ManifestError(
                f"{path}: public route {route!r} must be a path prefix under /api/ without a trailing slash "
                f"or wildcard, {example}; what lies below it is public too."
            )
    if routes != sorted(set(routes)):
        raise ManifestError(
            f"{path}: `public_routes` must be sorted, without repeats: {sorted(set(routes))}."
        )
    # Each prefix is two path patterns on one listener rule, and a rule holds five at most.
    if len(routes) > MAX_PUBLIC_ROUTES:
        raise ManifestError(
            f"{path}: at most {MAX_PUBLIC_ROUTES} public routes (a load balancer rule's limit), "
            f"not {len(routes)}; route a shared prefix instead."
        )
    return tuple(routes)


def used_by(manifests: list[Manifest]) -> dict[str, tuple[str, ...]]:
    """For each module, the modules that declare it in `uses` (its facade's consumers)."""
    return {m.name: tuple(sorted(c.name for c in manifests if m.name in c.uses)) for m in manifests}


def _cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """One cycle of `graph` as a path that ends where it starts, or [] if it is acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


# The broker that carries events between modules wherever a real one runs (`make up`, CI, AWS): Redis
# Streams, Debian's redis-server locally, ElastiCache for Redis in AWS. Services read its URL (with the
# password) from EVENTS_BROKER_URL; nothing else names the broker.
EVENTS_BROKER = "redis"
EVENTS_BROKER_URL = "EVENTS_BROKER_URL"


def event_modules(manifests: list[Manifest]) -> list[Manifest]:
    """The modules that publish or subscribe: they, and only they, get EVENTS_BROKER_URL."""
    return [m for m in manifests if m.publishes or m.subscribes]


def url_variable(module: str) -> str:
    """The setting a facade client reads for `module`'s base URL: INVENTORY_URL for inventory."""
    return f"{module.upper().replace('-', '_')}_URL"


def dependency_urls(manifests: list[Manifest], address: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """For each module, `<DEP>_URL` → URL of each module in its `uses`, and nothing else.

    The one place the URLs come from: compose.py, `make dev` (dev.sh) and the Pulumi programs differ
    only in `address`, where a module listens in that setting (http://inventory:8000 under compose,
    a loopback port under `make dev`, its private DNS name in AWS).
    """
    return {m.name: {url_variable(used): address(used) for used in m.uses} for m in manifests}


def check_deployable(manifests: list[Manifest], deployable: set[str]) -> None:
    """Refuse a module with a stack that uses a module without one: its <DEP>_URL would lead nowhere."""
    for manifest in manifests:
        if manifest.name not in deployable:
            continue
        for used in manifest.uses:
            if used not in deployable:
                raise ManifestError(
                    f"{manifest.path} uses '{used}', which has no stack "
                    f"(modules/{used}/infrastructure/Pulumi.yaml): {manifest.name}'s {url_variable(used)} "
                    f"would point at nothing. Give {used} its infrastructure, or remove it from `uses`."
                )


def deploy_order(manifests: list[Manifest]) -> list[str]:
    """Every module, each after the modules it uses (producers before consumers), ties by name."""
    remaining = {m.name: set(m.uses) for m in manifests}
    order: list[str] = []
    while remaining:
        # load_all refuses cycles, so some module always has all its producers placed.
        ready = sorted(name for name, uses in remaining.items() if uses <= set(order))
        order += ready
        for name in ready:
            del remaining[name]
    return order


def _main(argv: list[str]) -> int:
    """`manifest.py dev-urls <module> <base port>`: the module's facade URLs under `make dev`;
    `manifest.py publishes <module>`: the event types it publishes, one a line (make contract-accept)."""
    root = Path(__file__).resolve().parents[2]
    if len(argv) == 2 and argv[0] == "publishes":
        try:
            manifest = load(root, argv[1])
        except ManifestError as error:
            print(f"manifest: {error}", file=sys.stderr)
            return 1
        for event_type in manifest.publishes:
            print(event_type)
        return 0
    if len(argv) != 3 or argv[0] != "dev-urls" or not argv[2].isdigit():
        print("usage: manifest.py dev-urls <module> <base port> | publishes <module>", file=sys.stderr)
        return 2
    try:
        manifests = load_all(root)
    except ManifestError as error:
        print(f"make dev: {error}", file=sys.stderr)
        return 1
    ports = {m.name: int(argv[2]) + index for index, m in enumerate(manifests)}
    urls = dependency_urls(manifests, lambda used: f"http://127.0.0.1:{ports[used]}")
    for variable, url in urls.get(argv[1], {}).items():
        print(f"{variable}={url}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
