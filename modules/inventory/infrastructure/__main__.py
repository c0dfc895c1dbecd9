"""Pulumi program of the inventory service: its ECS service on the platform stack of the same env."""

import pulumi

from infra import ModuleService, PlatformOutputs, ServiceSettings

MODULE = "inventory"

org = pulumi.Config("pantstack").require("org")
platform = pulumi.StackReference(f"{org}/platform/{pulumi.get_stack()}")
service = ModuleService(
    MODULE, PlatformOutputs.from_stack_reference(platform), ServiceSettings.from_config(pulumi.Config())
)

pulumi.export("serviceName", service.service_name)
pulumi.export("image", service.image)
pulumi.export("logGroupName", service.log_group_name)
