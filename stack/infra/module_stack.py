"""deploy_module: the whole Pulumi program of a module's stack, so each module's __main__.py is one call."""

from pathlib import Path

import pulumi

from infra.database import DatabaseSettings, ModuleDatabase
from infra.platform_outputs import PlatformOutputs, module_entry
from infra.service import ModuleService
from infra.settings import ServiceSettings
from manifest import load


def deploy_module(module: str, program: str | Path) -> ModuleService:
    """The module's service, and its database if modules/<module>/module.toml says `database = true`,
    on the platform stack of the same environment; `program` is the caller's __file__.

    The module's own manifest says what it owns (its database); the platform read every manifest
    for what lies between modules (security groups, the URLs of the modules it uses).
    """
    env = pulumi.get_stack()
    manifest = load(Path(program).resolve().parents[3], module)
    org = pulumi.Config("pantstack").require("org")
    platform = PlatformOutputs.from_stack_reference(pulumi.StackReference(f"{org}/platform/{env}"))
    config = pulumi.Config()
    database = None
    if manifest.database:
        group = module_entry(platform.service_security_group_ids, module, env, "security group")
        database = ModuleDatabase(module, platform, group, DatabaseSettings.from_config(config))
    service = ModuleService(
        module,
        platform,
        ServiceSettings.from_config(config),
        database=database,
        public_routes=manifest.public_routes,
        # Only a module that publishes or subscribes reads a broker URL: its own user's.
        events_broker_url_secret_arn=(
            module_entry(platform.events_broker_url_secret_arns, module, env, "events broker user")
            if manifest.publishes or manifest.subscribes
            else None
        ),
    )
    # No database URL, password or secret value among the outputs: only names.
    pulumi.export("serviceName", service.service_name)
    pulumi.export("image", service.image)
    pulumi.export("logGroupName", service.log_group_name)
    return service
