"""PlatformOutputs: what the platform stack exports for modules, read back through a StackReference."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import pulumi


@dataclass(frozen=True)
class PlatformOutputs:
    """The contract between stack/platform and every module's program; one stack output per field.

    The output names are the camelCased field names (`vpc_id` → `vpcId`), so the exporting and the
    reading side cannot drift apart.
    """

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    alb_listener_arn: pulumi.Input[str]
    alb_security_group_id: pulumi.Input[str]
    # Keyed by module name: the module's ECR repository.
    repository_urls: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    repository_arns: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    log_retention_days: pulumi.Input[int]
    # The private subnets' RDS subnet group, where each module's database lives.
    database_subnet_group_name: pulumi.Input[str]
    # The OIDC issuer and JWKS URL the load balancer validates end users' JWTs against on public
    # routes; "" when the environment has none, and then no module may have public routes.
    end_user_jwt_issuer: pulumi.Input[str]
    end_user_jwks_url: pulumi.Input[str]
    # The private DNS namespace (Cloud Map) every module's service registers in.
    service_namespace_id: pulumi.Input[str]
    # Keyed by module name: the security group of its tasks; the platform opens it to each module
    # that declares it in `uses`, on the service port only.
    service_security_group_ids: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    # Keyed by module name: <DEP>_URL → private URL of each module in its manifest's `uses`.
    dependency_urls: pulumi.Input[Mapping[str, Mapping[str, str]]]
    # Keyed by module name: the Secrets Manager secret of its service-signing key (infra/identity.py).
    signing_key_secret_arns: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    # The secret holding every module's public key as a JWKS: the key ring each task reads.
    jwks_secret_arn: pulumi.Input[str]
    # Keyed by module that publishes or subscribes: the Secrets Manager secret of its own events
    # broker URL (its broker user, infra/broker.py); empty when no module publishes.
    events_broker_url_secret_arns: pulumi.Input[Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)

    def as_stack_outputs(self) -> dict[str, Any]:
        return {output_name(field.name): getattr(self, field.name) for field in fields(self)}

    def export(self) -> None:
        """Export every field as a stack output (run by the platform program)."""
        for name, value in self.as_stack_outputs().items():
            pulumi.export(name, value)

    @classmethod
    def from_stack_reference(cls, platform: pulumi.StackReference) -> "PlatformOutputs":
        """The platform's outputs as seen from a module's stack; a missing output fails the deployment."""
        return cls(**{field.name: platform.require_output(output_name(field.name)) for field in fields(cls)})


def output_name(field_name: str) -> str:
    head, *rest = field_name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def module_entry(
    by_module: pulumi.Input[Mapping[str, Any]], module: str, env: str, what: str
) -> pulumi.Output[Any]:
    """One module's entry of a per-module platform output; a missing one says to deploy the platform."""

    def pick(entries: Mapping[str, Any]) -> Any:
        if module not in entries:
            raise ValueError(
                f"the platform stack has no {what} for '{module}': deploy the platform first "
                f"(`make stack-up ENV={env}`), it makes one for each modules/*/infrastructure/Pulumi.yaml"
            )
        return entries[module]

    return pulumi.Output.from_input(by_module).apply(pick)
