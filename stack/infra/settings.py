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
    # URL prefixes routed to this module; empty means /api/v1/<module>. A module whose resources
    # have their own names (inventory: /api/v1/products, /api/v1/reservations) lists them.
    path_prefixes: tuple[str, ...] = ()

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
        # Each prefix becomes two path patterns; an ALB condition holds at most five.
        if len(self.path_prefixes) > 2 or not all(p.startswith("/") for p in self.path_prefixes):
            raise ValueError(
                f"pathPrefixes must be at most 2 paths starting with '/', not {self.path_prefixes}"
            )
        for name, parameter in self.secrets.items():
            if not parameter.startswith("/"):
                raise ValueError(f"secret {name} must name an SSM parameter path starting with '/'")

    @classmethod
    def from_config(cls, config: pulumi.Config) -> "ServiceSettings":
        """Read the module's keys (`<module>:cpu`, ...); unset keys keep the defaults above."""
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
            path_prefixes=tuple(str(p) for p in (config.get_object("pathPrefixes") or [])),
        )


def _string_map(config: pulumi.Config, key: str) -> dict[str, str]:
    value: Any = config.get_object(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"config {config.name}:{key} must map names to strings (quote numbers)")
    return {str(name): v for name, v in value.items()}
