"""Pulumi building blocks shared by the platform stack and every module's stack.

ModuleService is one module's service on the platform; PlatformOutputs is what the platform stack
exports for it; ServiceSettings is what a module's stack config says. infra.testing runs programs
offline under Pulumi's mocks.
"""

from infra.platform_outputs import PlatformOutputs
from infra.service import CONTAINER_PORT, HEALTH_CHECK_PATH, ModuleService
from infra.settings import ServiceSettings

__all__ = ["CONTAINER_PORT", "HEALTH_CHECK_PATH", "ModuleService", "PlatformOutputs", "ServiceSettings"]
