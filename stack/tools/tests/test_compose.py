"""docker-compose.yml generation: one service per module wired to its database and the facades it
uses, and a check that fails when the file no longer matches modules/."""

from pathlib import Path

import pytest
from compose import main, render


def write(root: Path, relative: str, text: str = "") -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for module in ("billing", "catalog", "notes"):
        write(tmp_path, f"modules/{module}/BUILD", f'pantstack_module("{module}")\n')
    write(tmp_path, "modules/billing/backend/repository/migrations/env.py")
    write(
        tmp_path,
        "modules/billing/backend/service/pricing.py",
        "from catalog.backend.public import CatalogClient\n",
    )
    # A test's import of another facade is not a runtime dependency.
    write(
        tmp_path,
        "modules/billing/backend/tests/unit/test_x.py",
        "from notes.backend.public import NotesClient\n",
    )
    write(tmp_path, "modules/catalog/backend/repository/migrations/env.py")
    write(tmp_path, "modules/notes/backend/repository/memory.py")
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
    write(tmp_path, "modules/notes/BUILD", 'pantstack_module("notes", database=False)\n')

    compose_file = render(tmp_path)

    assert "postgres" not in compose_file and "volumes:" not in compose_file
    assert "  notes:\n" in compose_file


def test_check_fails_when_the_file_is_stale_and_says_how_to_fix_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(repo)]) == 0
    assert main(["--root", str(repo), "--check"]) == 0

    write(repo, "modules/extra/BUILD", 'pantstack_module("extra")\n')

    assert main(["--root", str(repo), "--check"]) == 1
    assert "regenerate it with `python3 stack/tools/compose.py`" in capsys.readouterr().err
