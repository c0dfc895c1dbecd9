"""docker-compose.yml generation: one service per module wired to its database and the facades its
manifest declares (staleness is sync's check: test_sync.py)."""

from pathlib import Path

import pytest
from compose import render


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
    assert "BILLING_DATABASE_URL: postgresql+asyncpg://billing:billing-local@postgres:5432/billing" in billing
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
