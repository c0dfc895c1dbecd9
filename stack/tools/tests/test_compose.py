"""docker-compose.yml generation: one service per module wired to its database and the facades its
manifest declares (staleness is sync's check: test_sync.py)."""

from pathlib import Path

import pytest

from compose import fixed_secrets, main, render


def write(root: Path, relative: str, text: str = "") -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text)


def module(root: Path, name: str, *, database: bool, uses: str = "") -> None:
    write(root, f"modules/{name}/BUILD", f'pantstack_module("{name}")\n')
    write(
        root,
        f"modules/{name}/module.toml",
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\n'
        f'database = {str(database).lower()}\nversion = "0.1.0"\nuses = [{uses}]\n',
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    module(tmp_path, "billing", database=True, uses='"catalog"')
    module(tmp_path, "catalog", database=True)
    module(tmp_path, "notes", database=False)
    return tmp_path


def test_each_module_gets_its_database_the_facades_it_uses_and_a_loopback_port(repo: Path) -> None:
    compose_file = render(repo)

    billing = compose_file.split("\n  billing:\n", 1)[1].split("\n  catalog:\n", 1)[0]
    assert "image: pantstack/billing:billing-${PANTSTACK_IMAGE_VERSION:-latest}" in billing
    assert (
        "BILLING_DATABASE_URL: postgresql+asyncpg://billing:${PANTSTACK_BILLING_DB_PASSWORD:?"
        "PANTSTACK_BILLING_DB_PASSWORD is unset; make up generates it into its keys directory (.data/keys)}"
        "@postgres:5432/billing"
    ) in billing
    assert "CATALOG_URL: http://catalog:8000" in billing and "NOTES_URL" not in billing
    assert "catalog:\n        condition: service_healthy" in billing
    assert '- "127.0.0.1:${BILLING_PUBLISHED_PORT:-8001}:8000"' in billing
    assert "init: true" in billing

    notes = compose_file.split("\n  notes:\n", 1)[1].split("\nvolumes:", 1)[0]
    assert "DATABASE_URL" not in notes and "depends_on" not in notes
    assert '- "127.0.0.1:${NOTES_PUBLISHED_PORT:-8003}:8000"' in notes

    assert "CREATE DATABASE billing OWNER billing" in compose_file
    assert "CREATE DATABASE catalog OWNER catalog" in compose_file
    assert "notes OWNER" not in compose_file


def test_without_any_database_there_is_no_postgres(tmp_path: Path) -> None:
    module(tmp_path, "notes", database=False)

    compose_file = render(tmp_path)

    assert "postgres" not in compose_file and "\nvolumes:" not in compose_file  # no top-level volume
    assert "  notes:\n" in compose_file


def test_each_module_gets_only_its_own_signing_key_and_no_fallback_secret(repo: Path) -> None:
    compose_file = render(repo)

    billing = compose_file.split("\n  billing:\n", 1)[1].split("\n  catalog:\n", 1)[0]
    assert "BILLING_SIGNING_KEY: ${BILLING_SIGNING_KEY:-}\n" in billing
    assert "CATALOG_SIGNING_KEY" not in billing and "NOTES_SIGNING_KEY" not in billing
    assert "SERVICE_JWKS_FILE: /run/pantstack/keys/jwks.json" in billing
    assert "- ${PANTSTACK_KEYS_DIR:-./.data/keys}/public:/run/pantstack/keys:ro" in billing
    # No shared secret, and no variable a key could come from defaults to a value.
    assert "SERVICE_AUTH_SECRET" not in compose_file and "SECRET" not in compose_file
    for line in compose_file.splitlines():
        if "SIGNING_KEY" in line:
            assert line.endswith(":-}"), line


def test_no_password_has_a_fixed_value_and_each_is_required_by_name(repo: Path) -> None:
    compose_file = render(repo)

    assert fixed_secrets(compose_file) == []
    assert "-local" not in compose_file and "PASSWORD:-" not in compose_file
    for variable in ("POSTGRES_PASSWORD", "PANTSTACK_BILLING_DB_PASSWORD", "PANTSTACK_CATALOG_DB_PASSWORD"):
        assert f"${{{variable}:?{variable} is unset; make up generates it" in compose_file
    databases = compose_file.split("\n  databases:\n", 1)[1].split("\n  traces:\n", 1)[0]
    # Each role's password comes from its variable through psql's \\getenv, never a command line.
    assert "\\getenv billing_password PANTSTACK_BILLING_DB_PASSWORD" in databases
    assert "SELECT format('ALTER ROLE billing PASSWORD %L', :'billing_password')\\gexec" in databases
    assert "PANTSTACK_NOTES_DB_PASSWORD" not in compose_file  # no database, no password


@pytest.mark.parametrize(
    "line",
    [
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pantstack-local}",
        "      API_TOKEN: ${API_TOKEN-abc}",
        "      SESSION_SECRET: ${APP_SECRET_KEY:=changeme}",
        "      ORDERS_DATABASE_URL: postgresql+asyncpg://orders:orders-local@postgres:5432/orders",
        "      BROKER: redis://:hunter2@redis:6379/0",
    ],
)
def test_the_check_names_each_fixed_secret(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"services:\n  app:\n    environment:\n{line}\n"
    assert fixed_secrets(text) == [f"line 4: {line.strip()}"]

    (tmp_path / "docker-compose.override.yml").write_text(text)
    assert main(["--check-secrets", str(tmp_path / "docker-compose.override.yml")]) == 1
    assert "line 4" in capsys.readouterr().err


@pytest.mark.parametrize(
    "line",
    [
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is unset}",
        "      ORDERS_SIGNING_KEY: ${ORDERS_SIGNING_KEY:-}",
        "      URL: postgresql+asyncpg://orders:${ORDERS_DB_PASSWORD:?set it}@postgres:5432/orders",
        "      IMAGE: ${PANTSTACK_POSTGRES_IMAGE:-postgres:15-bookworm}",
        "      INVENTORY_URL: http://inventory:8000",
    ],
)
def test_the_check_passes_required_and_non_secret_values(line: str) -> None:
    assert fixed_secrets(f"services:\n  app:\n    environment:\n{line}\n") == []


def test_render_refuses_to_write_a_fixed_secret(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import compose

    monkeypatch.setattr(compose, "required", lambda variable: f"${{{variable}:-fallback}}")
    with pytest.raises(ValueError, match="fixed secret"):
        render(repo)


def test_every_service_sends_its_spans_to_the_traces_receiver(repo: Path) -> None:
    compose_file = render(repo)

    traces = compose_file.split("\n  traces:\n", 1)[1].split("\n  billing:\n", 1)[0]
    assert "image: ${PANTSTACK_PYTHON_IMAGE:-python:3.11-slim}" in traces
    assert (
        "- ${PANTSTACK_OTLP_RECEIVER:-./dist/stack.tools/otlp_receiver.pex}:/opt/otlp_receiver.pex:ro"
        in traces
    )
    assert "- ${PANTSTACK_TRACES_DIR:-./.data/up/traces}:/traces" in traces
    assert "ports:" not in traces  # the compose network's only
    for name in ("billing", "catalog", "notes"):
        block = compose_file.split(f"\n  {name}:\n", 1)[1]
        assert "OTEL_EXPORTER_OTLP_ENDPOINT: http://traces:4318" in block.split("\n    volumes:", 1)[0]
