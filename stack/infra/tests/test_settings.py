"""ServiceSettings: read from a module's stack config, refused when the numbers cannot work."""

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from infra import ServiceSettings


@pytest.fixture
def orders_config() -> Iterator[Any]:
    def configure(values: dict[str, str]) -> pulumi.Config:
        pulumi.runtime.set_all_config({f"orders:{key}": value for key, value in values.items()})
        return pulumi.Config("orders")

    yield configure
    pulumi.runtime.set_all_config({})


def test_config_keys_override_the_defaults(orders_config: Any) -> None:
    config = orders_config(
        {
            "listenerPriority": "120",
            "cpu": "512",
            "memory": "1024",
            "desiredCount": "2",
            "maxCount": "5",
            "version": "2.0.1",
            "environment": '{"ORDERS_LOG_LEVEL": "INFO"}',
            "secrets": '{"ORDERS_DATABASE_URL": "/pantstack/prod/orders/database-url"}',
        }
    )

    settings = ServiceSettings.from_config(config)

    assert settings == ServiceSettings(
        listener_priority=120,
        cpu=512,
        memory=1024,
        desired_count=2,
        min_count=1,
        max_count=5,
        version="2.0.1",
        environment={"ORDERS_LOG_LEVEL": "INFO"},
        secrets={"ORDERS_DATABASE_URL": "/pantstack/prod/orders/database-url"},
    )


def test_the_listener_priority_is_required(orders_config: Any) -> None:
    with pytest.raises(pulumi.ConfigMissingError, match="orders:listenerPriority"):
        ServiceSettings.from_config(orders_config({}))


def test_environment_values_must_be_strings(orders_config: Any) -> None:
    config = orders_config({"listenerPriority": "1", "environment": '{"ORDERS_MAX_BODY_BYTES": 1024}'})

    with pytest.raises(ValueError, match="orders:environment must map names to strings"):
        ServiceSettings.from_config(config)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({"min_count": 3, "desired_count": 2}, "minCount <= desiredCount <= maxCount"),
        ({"desired_count": 5, "max_count": 4}, "minCount <= desiredCount <= maxCount"),
        ({"cpu": 300}, "cpu must be one of Fargate's sizes"),
        ({"listener_priority": 0}, "listenerPriority must be within"),
        ({"secrets": {"ORDERS_DATABASE_URL": "db-url"}}, "must name an SSM parameter path"),
    ],
)
def test_settings_that_cannot_deploy_are_refused(bounds: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServiceSettings(**{"listener_priority": 100, **bounds})


def test_path_prefixes_in_stack_config_are_refused_pointing_at_the_manifest(orders_config: Any) -> None:
    config = orders_config({"listenerPriority": "100", "pathPrefixes": '["/api/v1/orders"]'})

    with pytest.raises(
        ValueError, match=r"pathPrefixes is gone: .*`public_routes` in modules/orders/module.toml"
    ):
        ServiceSettings.from_config(config)
