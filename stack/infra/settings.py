"""ServiceSettings: what a module's stack config (Pulumi.<env>.yaml) says about its service."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

# CPU units Fargate accepts for a task; memory must also fit the CPU size (AWS checks that).
FARGATE_CPU_UNITS = (256, 512, 1024, 2048, 4096, 8192, 16384)


@dataclass(frozen=True)
class ServiceSettings:
    """Sizes, scaling bounds, image and environment of one module's service in one environment."""

    # Unique per module: rules on the shared HTTPS listener are matched in priority order.
    listener_priority: int
    cpu: int = 256
    memory: int = 512
    desired_count: int = 1
    min_count: int = 1
    max_count: int = 2
    cpu_target_percent: float = 60.0
    # The image is <ECR repository URL>:<module>-<version> unless `image` names one outright.
    version: str = "latest"
    image: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    # Environment variable name → SSM Parameter Store parameter name (e.g. /pantstack/prod/orders/db-url).
    secrets: Mapping[str, str] = field(default_factory=dict)
    # None: the platform's retention for this environment.
    log_retention_days: int | None = None
    # Deployed services require a token for reads too; true opts this whole service out (the kit
    # has no per-route switch), and says so in the stack config for review.
    anonymous_reads: bool = False

    def __post_init__(self) -> None:
        if self.cpu not in FARGATE_CPU_UNITS:
            raise ValueError(f"cpu must be one of Fargate's sizes {FARGATE_CPU_UNITS}, not {self.cpu}")
        if not 0 <= self.min_count <= self.desired_count <= self.max_count:
            raise ValueError(
                "scaling bounds must satisfy 0 <= minCount <= desiredCount <= maxCount, got "
                f"{self.min_count} <= {self.desired_count} <= {self.max_count}"
            )
        if not 1 <= self.listener_priority <= 50_000:
            raise ValueError(f"listenerPriority must be within 1..50000, not {self.listener_priority}")
        for name, parameter in self.secrets.items():
            if not parameter.startswith("/"):
                raise ValueError(f"secret {name} must name an SSM parameter path starting with '/'")

    @classmethod
    def from_config(cls, config: pulumi.Config) -> "ServiceSettings":
        """Read the module's keys (`<module>:cpu`, ...); unset keys keep the defaults above."""
        if config.get("pathPrefixes") is not None:
            raise ValueError(
                f"config {config.name}:pathPrefixes is gone: what the internet-facing load balancer routes "
                f"is `public_routes` in modules/{config.name}/module.toml (none by default); remove the key"
            )
        defaults = cls(listener_priority=config.require_int("listenerPriority"))
        return cls(
            listener_priority=defaults.listener_priority,
            cpu=config.get_int("cpu", defaults.cpu),
            memory=config.get_int("memory", defaults.memory),
            desired_count=config.get_int("desiredCount", defaults.desired_count),
            min_count=config.get_int("minCount", defaults.min_count),
            max_count=config.get_int("maxCount", defaults.max_count),
            cpu_target_percent=config.get_float("cpuTargetPercent", defaults.cpu_target_percent),
            version=config.get("version", defaults.version),
            image=config.get("image"),
            environment=_string_map(config, "environment"),
            secrets=_string_map(config, "secrets"),
            log_retention_days=config.get_int("logRetentionDays"),
            anonymous_reads=config.get_bool("anonymousReads", defaults.anonymous_reads),
        )


def _string_map(config: pulumi.Config, key: str) -> dict[str, str]:
    value: Any = config.get_object(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"config {config.name}:{key} must map names to strings (quote numbers)")
    return {str(name): v for name, v in value.items()}
