"""assert_service_basics: the checks every module program's tests share fail where a program strays."""

from pathlib import Path

import pytest

from infra.testing import assert_service_basics, deploy_module_program, load_stack_config

SIZES = "".join(
    f"  billing:{key}: {value}\n"
    for key, value in {"cpu": 512, "memory": 1024, "desiredCount": 2, "minCount": 2, "maxCount": 4}.items()
)
CONFIG = f"config:\n  pantstack:org: organization\n  billing:listenerPriority: 120\n{SIZES}"
PROTECTED = (
    "  billing:database:\n    backupRetentionDays: 14\n    deletionProtection: true\n    multiAz: true\n"
)


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A module program that is just the one call every module's __main__.py makes."""
    (tmp_path / "__main__.py").write_text(
        'from infra import deploy_module\n\ndeploy_module("billing", __file__)\n'
    )
    (tmp_path / "Pulumi.test.yaml").write_text(CONFIG)
    (tmp_path / "Pulumi.prod.yaml").write_text(CONFIG + PROTECTED)
    return tmp_path


@pytest.mark.parametrize("env", ["test", "prod"])
@pytest.mark.parametrize("database", [True, False])
def test_a_private_program_wired_as_declared_passes(project_dir: Path, env: str, database: bool) -> None:
    mocks = deploy_module_program(project_dir, "billing", env, ("orders",), database=database)

    assert_service_basics(
        mocks, "billing", env, load_stack_config(project_dir, env), uses=("orders",), database=database
    )


def test_a_route_on_the_load_balancer_fails(project_dir: Path) -> None:
    mocks = deploy_module_program(project_dir, "billing", "test", public_routes=("/api/v1/invoices",))

    with pytest.raises(AssertionError):
        assert_service_basics(mocks, "billing", "test", load_stack_config(project_dir, "test"))


def test_a_peer_the_module_does_not_declare_fails(project_dir: Path) -> None:
    mocks = deploy_module_program(project_dir, "billing", "test", ("orders",))

    with pytest.raises(AssertionError):
        assert_service_basics(mocks, "billing", "test", load_stack_config(project_dir, "test"), uses=())


def test_sizes_other_than_the_stack_config_fail(project_dir: Path) -> None:
    mocks = deploy_module_program(project_dir, "billing", "test")
    config = load_stack_config(project_dir, "test") | {"billing:cpu": 256}

    with pytest.raises(AssertionError):
        assert_service_basics(mocks, "billing", "test", config)


def test_an_unprotected_prod_database_fails(project_dir: Path) -> None:
    (project_dir / "Pulumi.prod.yaml").write_text(CONFIG)
    mocks = deploy_module_program(project_dir, "billing", "prod")

    with pytest.raises(AssertionError):
        assert_service_basics(mocks, "billing", "prod", load_stack_config(project_dir, "prod"))
