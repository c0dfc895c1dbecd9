"""make sync: every file that lists modules is derived from the manifests, regenerates byte for
byte, and `--check` names each stale file and the command that fixes it."""

from pathlib import Path

import pytest
import sync
from manifest import ManifestError, load_all

PYPROJECT = '[tool.ruff.lint.isort]\n# Written by `make sync`.\nknown-first-party = ["common"]\n'


def module(root: Path, name: str, uses: str = "", **fields: str) -> None:
    values = {
        "description": '"A module."',
        "owners": f'["@acme/{name}"]',
        "type": '"http-api"',
        "database": "true",
        "version": '"0.1.0"',
        "uses": f"[{uses}]",
        **fields,
    }
    (root / f"modules/{name}").mkdir(parents=True, exist_ok=True)
    (root / f"modules/{name}/BUILD").write_text(f'pantstack_module("{name}")\n')
    (root / f"modules/{name}/module.toml").write_text("".join(f"{k} = {v}\n" for k, v in values.items()))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    module(tmp_path, "catalog")
    module(tmp_path, "billing", uses='"catalog"')
    assert sync.main(["--root", str(tmp_path)]) == 0
    return tmp_path


def test_every_derived_file_comes_from_the_manifests(repo: Path) -> None:
    registry = (repo / sync.REGISTRY).read_text()
    assert registry.startswith(sync.HEADER)
    assert '    ("billing", ("catalog",), True, "http-api", "0.1.0"),\n' in registry
    assert "billing: 3rdparty/python/billing.lock\n" in (repo / sync.RESOLVES).read_text()
    assert "tools: 3rdparty/python/tools.lock\n" in (repo / sync.RESOLVES).read_text()
    assert "/modules/billing/ @acme/billing\n" in (repo / sync.CODEOWNERS).read_text()
    assert (
        'known-first-party = ["bench", "billing", "catalog", "common",'
        in (repo / "pyproject.toml").read_text()
    )
    assert "CATALOG_URL: http://catalog:8000" in (repo / "docker-compose.yml").read_text()


@pytest.mark.parametrize(
    "generated", [sync.REGISTRY, sync.RESOLVES, sync.CODEOWNERS, Path("docker-compose.yml")]
)
def test_a_deleted_generated_file_comes_back_byte_identical(repo: Path, generated: Path) -> None:
    before = (repo / generated).read_bytes()
    (repo / generated).unlink()

    assert sync.main(["--root", str(repo)]) == 0

    assert (repo / generated).read_bytes() == before


def test_check_names_each_stale_file_and_the_command(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync.main(["--root", str(repo), "--check"]) == 0
    module(repo, "notes")

    assert sync.main(["--root", str(repo), "--check"]) == 1

    error = capsys.readouterr().err
    assert f"sync: {sync.REGISTRY} is stale" in error and f"sync: {sync.CODEOWNERS} is stale" in error
    assert "run `make sync`" in error


def test_a_bad_manifest_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module(repo, "notes", uses='"nosuch"')
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}

    assert sync.main(["--root", str(repo)]) == 2

    assert (
        'modules/notes/module.toml: `uses` names "nosuch", which is not a module' in capsys.readouterr().err
    )
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"owners": "[]"}, "`owners` must be a non-empty list of team handles"),
        ({"owners": '["acme"]'}, "owner 'acme' is not a handle like @user or @org/team"),
        ({"type": '"cron"'}, '`type` must be "http-api" or "worker"'),
        ({"database": '"yes"'}, "`database` must be true or false"),
        ({"version": '"1.0"'}, '`version` must be a version like "1.2.0"'),
        ({"uses": '"catalog", "catalog"'}, "`uses` must be sorted, without repeats"),
        ({"uses": '"notes"'}, "`uses` lists the module itself"),
        ({"colour": '"blue"'}, "unknown key(s) colour"),
        ({"description": '"""two\nlines"""'}, "`description` must be one non-empty line"),
    ],
)
def test_a_malformed_manifest_is_refused_naming_the_field(
    repo: Path, fields: dict[str, str], message: str
) -> None:
    module(repo, "notes", **fields)

    with pytest.raises(ManifestError, match="modules/notes/module.toml") as refused:
        load_all(repo)

    assert message in str(refused.value)


def test_modules_that_use_each_other_in_a_cycle_are_refused(repo: Path) -> None:
    module(repo, "catalog", uses='"billing"')

    with pytest.raises(ManifestError, match="cycle: billing -> catalog -> billing"):
        load_all(repo)
