"""deploy_module: a module's manifest decides its database and its public routes."""

from pathlib import Path

import pytest

from infra.testing import RecordingMocks, deploy_module_program, module_container

CONFIG = "config:\n  pantstack:org: organization\n  billing:listenerPriority: 120\n"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A module program that is just the one call every module's __main__.py makes."""
    (tmp_path / "__main__.py").write_text(
        'from infra import deploy_module\n\ndeploy_module("billing", __file__)\n'
    )
    (tmp_path / "Pulumi.test.yaml").write_text(CONFIG)
    return tmp_path


def secret_names(mocks: RecordingMocks) -> set[str]:
    container = module_container(
        mocks.named("aws:ecs/taskDefinition:TaskDefinition", "billing").inputs["containerDefinitions"]
    )
    return {secret["name"] for secret in container["secrets"]}


def test_public_routes_in_the_manifest_are_the_only_paths_on_the_listener(project_dir: Path) -> None:
    mocks = deploy_module_program(
        project_dir, "billing", "test", public_routes=("/api/v1/invoices", "/api/v1/payments")
    )

    (condition,) = mocks.one("aws:lb/listenerRule:ListenerRule").inputs["conditions"]
    assert condition["pathPattern"]["values"] == [
        "/api/v1/invoices",
        "/api/v1/invoices/*",
        "/api/v1/payments",
        "/api/v1/payments/*",
    ]


def test_a_module_without_a_database_gets_none_and_no_database_url(project_dir: Path) -> None:
    mocks = deploy_module_program(project_dir, "billing", "test", database=False)

    assert mocks.of_type("aws:rds/instance:Instance") == []
    assert "BILLING_DATABASE_URL" not in secret_names(mocks)


def test_a_module_with_a_database_reads_its_url_from_the_secret_and_exports_no_secret(
    project_dir: Path,
) -> None:
    mocks = deploy_module_program(project_dir, "billing", "test", database=True)

    assert "BILLING_DATABASE_URL" in secret_names(mocks)
    assert sorted(mocks.outputs) == ["image", "logGroupName", "serviceName"]
