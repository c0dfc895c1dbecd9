"""Pulumi building blocks shared by the platform stack and every module's stack.

ModuleService is one module's service on the platform, found by its peers at service_url();
PlatformOutputs is what the platform stack exports for it; ServiceSettings is what a module's stack
config says; ModuleDatabase is the PostgreSQL a module owns; deploy_module is a module's whole
program. infra.testing runs programs offline under Pulumi's mocks.
"""

from infra.database import DatabaseSettings, ModuleDatabase
from infra.discovery import CONTAINER_PORT, namespace_name, service_url
from infra.module_stack import deploy_module
from infra.platform_outputs import PlatformOutputs
from infra.service import HEALTH_CHECK_PATH, ModuleService
from infra.settings import ServiceSettings

__all__ = [
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
