"""docker-compose.yml, rendered from the module manifests: every module's image plus PostgreSQL, the
events broker (manifest.EVENTS_BROKER) when some module publishes, and an OTLP receiver keeping every
service's spans in a file on the host, which the live portal of `make up` draws.

`make sync` (stack/tools/sync.py) writes it, so it cannot drift from the modules, and `make test`
fails when it is stale. Local changes belong in docker-compose.override.yml, which docker-compose
reads on top of this file.

No secret has a fixed value: every password is a variable that `make up` (stack/docker/env.sh)
generates once into the keys directory, and the file stops compose with a message naming the
missing one (`${VAR:?...}`). `fixed_secrets` finds a fixed secret; `render` refuses to write one, and
`python3 stack/tools/compose.py --check-secrets FILE...` checks any compose file (an override too).
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from manifest import EVENTS_BROKER, EVENTS_BROKER_URL, dependency_urls, event_modules, load_all

COMPOSE_FILE = Path("docker-compose.yml")
# `make dev` uses the same ports, in the same order, so a URL works with either.
FIRST_PORT = 8001
# Where `make up` keeps the keys (python -m service_kit.keys): each service's private key reaches
# it as <MODULE>_SIGNING_KEY, exported by make up; only the public/ directory (the JWKS) is mounted.
# No default key: without one a service stops at start, naming the variable.
DEFAULT_KEYS_DIR = "./.data/keys"
JWKS_MOUNT = "/run/pantstack/keys"
DEFAULT_POSTGRES_IMAGE = "postgres:15-bookworm"
# The broker: the upstream image unless `make base-image` built pantstack/redis:7 from Debian's
# redis-server (make up then picks it). Its password is EVENTS_BROKER_PASSWORD, which make up generates
# into the keys directory; without one the broker refuses to start rather than run open.
DEFAULT_BROKER_IMAGE = "redis:7-bookworm"
BROKER_PORT = 6379
# Spans: every service exports them (OTLP/HTTP) to this receiver, stack/tools/otlp_receiver.py's PEX
# on the Python base image, which appends them to <traces dir>/traces.jsonl on the host, where make
# up's live portal reads them. Its port stays inside the compose network (never published).
TRACES_SERVICE = "traces"
TRACES_PORT = 4318
DEFAULT_PYTHON_IMAGE = "python:3.11-slim"
DEFAULT_OTLP_RECEIVER = "./dist/stack.tools/otlp_receiver.pex"
DEFAULT_TRACES_DIR = "./.data/up/traces"  # where make up points it (stack/docker/env.sh)
POSTGRES_PASSWORD = "POSTGRES_PASSWORD"
EVENTS_BROKER_PASSWORD = "EVENTS_BROKER_PASSWORD"
# What a missing secret's message says (no ": " nor " #" in it, which YAML would read as syntax).
SECRET_HINT = "make up generates it into its keys directory (.data/keys)"

# A secret-named variable with a default (`${DB_PASSWORD:-x}`, `${API_TOKEN-x}`, `:=` alike), or a URL
# with a literal password in it (`scheme://user:secret@host`): either puts a fixed secret in the file.
_SECRET_DEFAULT = re.compile(r"\$\{[A-Za-z0-9_]*(?:PASSWORD|SECRET|TOKEN)[A-Za-z0-9_]*:?[-=][^}]")
_URL_PASSWORD = re.compile(r"://[^/\s:@]*:(?P<password>\$\{[^}]*\}|[^@\s/${}]+)@")


def database_password_variable(module: str) -> str:
    """The variable of `module`'s PostgreSQL role password (make up keeps it in the keys directory)."""
    return f"PANTSTACK_{module.upper().replace('-', '_')}_DB_PASSWORD"


def required(variable: str) -> str:
    """`${VARIABLE:?...}`: compose refuses to run with it unset or empty, saying where it comes from."""
    return f"${{{variable}:?{variable} is unset; {SECRET_HINT}}}"


def fixed_secrets(text: str) -> list[str]:
    """Each line of a compose file that gives a secret a fixed value, as `line N: <line>`."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        literal_url_password = any(not m["password"].startswith("${") for m in _URL_PASSWORD.finditer(line))
        if _SECRET_DEFAULT.search(line) or literal_url_password:
            found.append(f"line {number}: {line.strip()}")
    return found


@dataclass(frozen=True)
class Module:
    name: str
    port: int
    database: bool
    uses: tuple[str, ...]  # modules whose facade it calls (module.toml's `uses`)
    events: bool = False  # publishes or subscribes: it gets EVENTS_BROKER_URL

    @property
    def env_prefix(self) -> str:
        return self.name.upper()


def modules_of(root: Path) -> list[Module]:
    """Every module, from the manifests: its port in sorted order, database and declared uses."""
    manifests = load_all(root)
    with_events = {m.name for m in event_modules(manifests)}
    return [
        Module(m.name, FIRST_PORT + index, m.database, m.uses, m.name in with_events)
        for index, m in enumerate(manifests)
    ]


def render(root: Path) -> str:
    modules = modules_of(root)
    with_database = [m for m in modules if m.database]
    broker = any(m.publishes for m in load_all(root))
    # Each service reaches the facades it uses by compose service name, on the container port.
    urls = dependency_urls(load_all(root), lambda used: f"http://{used}:8000")
    lines = [
        "# Generated by `make sync` from modules/*/module.toml; do not edit. make test checks it.",
        "# Local changes: docker-compose.override.yml.",
        "#",
        "# Every module's image (`make images`) and PostgreSQL with one database per module. Ports are",
        "# published on 127.0.0.1 only, the same as `make dev`. Use `make up` / `make logs` / `make down`.",
        "# Passwords have no default: make up generates them (stack/docker/env.sh).",
        "services:",
    ]
    if with_database:
        lines += _postgres(with_database)
    if broker:
        lines += _broker()
    lines += _traces()
    for module in modules:
        lines += _service(module, urls[module.name], broker)
    volumes = (["  postgres-data:"] if with_database else []) + (
        [f"  {EVENTS_BROKER}-data:"] if broker else []
    )
    if volumes:
        lines += ["", "volumes:", *volumes]
    text = "\n".join(lines) + "\n"
    if found := fixed_secrets(text):
        raise ValueError(f"compose.py would write a fixed secret into {COMPOSE_FILE}: {'; '.join(found)}")
    return text


def _broker() -> list[str]:
    # The password reaches redis-server in a config file only it can read, never on a command line
    # (ps shows those); redis-cli reads it from REDISCLI_AUTH. `appendfsync always`: a write the broker
    # acknowledged is on disk, so a killed broker loses no event it accepted.
    return [
        f"  {EVENTS_BROKER}:",
        f"    image: ${{PANTSTACK_BROKER_IMAGE:-{DEFAULT_BROKER_IMAGE}}}",
        "    user: redis",
        "    environment:",
        f"      {EVENTS_BROKER_PASSWORD}: {required(EVENTS_BROKER_PASSWORD)}",
        "    entrypoint:",
        "      - sh",
        "      - -c",
        "      - |",
        '        [ -n "$$EVENTS_BROKER_PASSWORD" ] || { echo "EVENTS_BROKER_PASSWORD is empty:'
        ' start the stack with make up, which generates it" >&2; exit 1; }',
        "        umask 077",
        "        printf 'requirepass %s\\n' \"$$EVENTS_BROKER_PASSWORD\" > /tmp/broker.conf",
        f"        exec redis-server /tmp/broker.conf --port {BROKER_PORT} --dir /data"
        " --appendonly yes --appendfsync always",
        "    volumes:",
        f"      - {EVENTS_BROKER}-data:/data",
        "    healthcheck:",
        '      test: ["CMD-SHELL",'
        ' "REDISCLI_AUTH=\\"$$EVENTS_BROKER_PASSWORD\\" redis-cli ping | grep -q PONG"]',
        "      interval: 2s",
        "      timeout: 5s",
        "      retries: 30",
    ]


def _postgres(modules: list[Module]) -> list[str]:
    # CREATE DATABASE can't run in a transaction or DO block, hence psql's \gexec. A role or database
    # that exists is kept, so a new module gets its database on the next `up` without touching the
    # others' data; each role's password is (re)set from its variable on every run, read with psql's
    # \getenv so it never stands on a command line.
    sql = []
    for m in modules:
        variable = f"{m.name.replace('-', '_')}_password"
        sql += [
            f"\\getenv {variable} {database_password_variable(m.name)}",
            f"SELECT 'CREATE ROLE {m.name} LOGIN' "
            f"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{m.name}')\\gexec",
            f"SELECT format('ALTER ROLE {m.name} PASSWORD %L', :'{variable}')\\gexec",
            f"SELECT 'CREATE DATABASE {m.name} OWNER {m.name}' "
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{m.name}')\\gexec",
        ]
    return [
        "  postgres:",
        f"    image: ${{PANTSTACK_POSTGRES_IMAGE:-{DEFAULT_POSTGRES_IMAGE}}}",
        "    environment:",
        f"      {POSTGRES_PASSWORD}: {required(POSTGRES_PASSWORD)}",
        "    volumes:",
        "      - postgres-data:/var/lib/postgresql/data",
        "    stop_signal: SIGINT",
        "    healthcheck:",
        '      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres"]',
        "      interval: 2s",
        "      timeout: 5s",
        "      retries: 30",
        "  databases:",
        "    # One-shot: creates each module's role and database if missing, sets its password, exits 0.",
        f"    image: ${{PANTSTACK_POSTGRES_IMAGE:-{DEFAULT_POSTGRES_IMAGE}}}",
        "    depends_on:",
        "      postgres:",
        "        condition: service_healthy",
        "    environment:",
        f"      PGPASSWORD: {required(POSTGRES_PASSWORD)}",
        *(
            f"      {database_password_variable(m.name)}: {required(database_password_variable(m.name))}"
            for m in modules
        ),
        "    entrypoint:",
        "      - sh",
        "      - -c",
        "      - |",
        "        psql -v ON_ERROR_STOP=1 -h postgres -U postgres <<'SQL'",
        *(f"        {statement}" for statement in sql),
        "        SQL",
        '    restart: "no"',
    ]


def _traces() -> list[str]:
    # It runs as the user make up names (PANTSTACK_TRACES_USER), so the span file on the host is theirs.
    return [
        f"  {TRACES_SERVICE}:",
        f"    image: ${{PANTSTACK_PYTHON_IMAGE:-{DEFAULT_PYTHON_IMAGE}}}",
        "    init: true",
        '    user: "${PANTSTACK_TRACES_USER:-10001:10001}"',
        "    environment:",
        "      PEX_ROOT: /tmp/pex",
        "    entrypoint:",
        *(
            f'      - "{arg}"'  # quoted: a bare port number would be a YAML integer, which compose refuses
            for arg in ("python3", "/opt/otlp_receiver.pex", "--host", "0.0.0.0", "--port", TRACES_PORT)
        ),
        '      - "--output"',
        '      - "/traces/traces.jsonl"',
        "    volumes:",
        f"      - ${{PANTSTACK_OTLP_RECEIVER:-{DEFAULT_OTLP_RECEIVER}}}:/opt/otlp_receiver.pex:ro",
        f"      - ${{PANTSTACK_TRACES_DIR:-{DEFAULT_TRACES_DIR}}}:/traces",
    ]


def _service(m: Module, urls: dict[str, str], broker: bool) -> list[str]:
    lines = [
        f"  {m.name}:",
        f"    image: pantstack/{m.name}:{m.name}-${{PANTSTACK_IMAGE_VERSION:-latest}}",
        "    init: true",
    ]
    with_broker = broker and m.events
    depends = (["databases"] if m.database else []) + ([EVENTS_BROKER] if with_broker else []) + list(m.uses)
    if depends:
        lines.append("    depends_on:")
        for dependency in depends:
            condition = "service_completed_successfully" if dependency == "databases" else "service_healthy"
            lines += [f"      {dependency}:", f"        condition: {condition}"]
    lines += [
        "    environment:",
        f"      {m.env_prefix}_SIGNING_KEY: ${{{m.env_prefix}_SIGNING_KEY:-}}",
        f"      SERVICE_JWKS_FILE: {JWKS_MOUNT}/jwks.json",
    ]
    if m.database:
        password = required(database_password_variable(m.name))
        lines.append(
            f"      {m.env_prefix}_DATABASE_URL: postgresql+asyncpg://{m.name}:{password}@postgres:5432/{m.name}"
        )
    lines += [f"      {variable}: {url}" for variable, url in urls.items()]
    if with_broker:
        password = required(EVENTS_BROKER_PASSWORD)
        lines.append(f"      {EVENTS_BROKER_URL}: redis://:{password}@{EVENTS_BROKER}:{BROKER_PORT}/0")
    # A local stack keeps every trace (OTEL_TRACES_SAMPLER overrides), as make dev does.
    lines += [
        f"      OTEL_EXPORTER_OTLP_ENDPOINT: http://{TRACES_SERVICE}:{TRACES_PORT}",
        "      OTEL_TRACES_SAMPLER: ${OTEL_TRACES_SAMPLER:-parentbased_always_on}",
        "    volumes:",
        f"      - ${{PANTSTACK_KEYS_DIR:-{DEFAULT_KEYS_DIR}}}/public:{JWKS_MOUNT}:ro",
        "    ports:",
        f'      - "127.0.0.1:${{{m.env_prefix}_PUBLISHED_PORT:-{m.port}}}:8000"',
        "    healthcheck:",
        "      interval: 2s",
        "    stop_grace_period: 30s",
    ]
    return lines


def main(argv: list[str]) -> int:
    """`compose.py --check-secrets FILE...`: exit 1, naming each line that fixes a secret's value."""
    if len(argv) < 2 or argv[0] != "--check-secrets":
        print(
            "usage: python3 stack/tools/compose.py --check-secrets docker-compose.yml [more files]",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in argv[1:]:
        for found in fixed_secrets(Path(name).read_text()):
            print(
                f"{name}: {found}: a fixed secret; write ${{VAR:?message}} and have make up generate it"
                " (stack/docker/env.sh)",
                file=sys.stderr,
            )
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
