"""The `infra` package exports a small, sorted API."""

import infra


def test_the_package_exports_the_component_its_inputs_and_its_constants() -> None:
    assert infra.__all__ == [
        "CONTAINER_PORT",
        "DatabaseSettings",
        "HEALTH_CHECK_PATH",
        "ModuleDatabase",
        "ModuleService",
        "PlatformOutputs",
        "ServiceSettings",
        "deploy_module",
        "namespace_name",
        "service_url",
    ]
    assert infra.__all__ == sorted(infra.__all__)
