"""EventsBroker: the managed counterpart of `make up`'s Redis (manifest.EVENTS_BROKER), for events.

Amazon MemoryDB for Redis, not ElastiCache: MemoryDB keeps a durable multi-AZ transaction log, so
an event the broker acknowledged survives a node's loss, as `appendfsync always` does under compose;
ElastiCache may lose the last writes on failover. TLS in transit, encryption at rest, a password
user (an ACL), in the platform's private subnets, reachable on its port only from the tasks of the
modules that publish or subscribe. Its URL, password included, lives only in a Secrets Manager
secret those modules' execution roles may read (ModuleService gives it as EVENTS_BROKER_URL).

One cluster per environment, shared by every module that exchanges events: 100 modules cost one
cluster, one security-group rule per event module and one IAM statement each, nothing per pair.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

BROKER_PORT = 6379
BROKER_USER = "pantstack-events"


@dataclass(frozen=True)
class BrokerSettings:
    """Size of the broker in one environment (platform stack config `platform:eventsBroker`)."""

    node_type: str = "db.t4g.small"
    # Replicas per shard: 0 in test; 1 or more keeps the broker up when a zone goes.
    replicas: int = 0
    snapshot_retention_days: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.replicas <= 5:
            raise ValueError(f"platform:eventsBroker.replicas must be 0..5, not {self.replicas}")
        if not 0 <= self.snapshot_retention_days <= 35:
            raise ValueError(
                "platform:eventsBroker.snapshotRetentionDays must be 0..35, "
                f"not {self.snapshot_retention_days}"
            )

    @classmethod
    def from_config(cls, config: pulumi.Config) -> "BrokerSettings":
        given = config.get_object("eventsBroker") or {}
        keys = {
            "nodeType": "node_type",
            "replicas": "replicas",
            "snapshotRetentionDays": "snapshot_retention_days",
        }
        unknown = sorted(set(given) - set(keys))
        if unknown:
            raise ValueError(
                f"config {config.name}:eventsBroker has unknown key(s) {unknown}; known: {sorted(keys)}"
            )
        return cls(**{keys[key]: value for key, value in given.items()})


class EventsBroker(pulumi.ComponentResource):
    """The environment's broker; `url_secret_arn` is the secret holding its rediss:// URL."""

    url_secret_arn: pulumi.Output[str]

    def __init__(
        self,
        vpc_id: pulumi.Input[str],
        private_subnet_ids: Sequence[pulumi.Input[str]],
        client_security_group_ids: Mapping[str, pulumi.Input[str]],
        settings: BrokerSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`client_security_group_ids`: module name -> its tasks' group, for each module that
        publishes or subscribes; no other module's tasks reach the broker."""
        super().__init__("pantstack:infra:EventsBroker", "events-broker", None, opts)
        env = pulumi.get_stack()
        child = pulumi.ResourceOptions(parent=self)

        # Letters and digits: the password goes into a URL unescaped (MemoryDB takes 16..128 characters).
        password = random.RandomPassword("events-broker", length=64, special=False, opts=child)
        group = aws.ec2.SecurityGroup(
            "events-broker",
            description=f"Events broker ({env}): Redis TLS from the tasks of the modules with events",
            vpc_id=vpc_id,
            opts=child,
        )
        for module, client_group in sorted(client_security_group_ids.items()):
            aws.vpc.SecurityGroupIngressRule(
                f"{module}-to-events-broker",
                description=f"{module} publishes or subscribes (modules/{module}/module.toml)",
                security_group_id=group.id,
                referenced_security_group_id=client_group,
                ip_protocol="tcp",
                from_port=BROKER_PORT,
                to_port=BROKER_PORT,
                opts=child,
            )
        subnets = aws.memorydb.SubnetGroup(
            "events-broker",
            name=f"pantstack-{env}-events",
            description="Events broker: private subnets only",
            subnet_ids=list(private_subnet_ids),
            opts=child,
        )
        user = aws.memorydb.User(
            "events-broker",
            user_name=f"{BROKER_USER}-{env}",
            # Keys and channels of any name, every command but the administrative and dangerous ones.
            access_string="on ~* &* +@all -@admin -@dangerous",
            authentication_mode=aws.memorydb.UserAuthenticationModeArgs(
                type="password", passwords=[password.result]
            ),
            opts=child,
        )
        acl = aws.memorydb.Acl(
            "events-broker", name=f"pantstack-{env}-events", user_names=[user.user_name], opts=child
        )
        cluster = aws.memorydb.Cluster(
            "events-broker",
            name=f"pantstack-{env}-events",
            description=f"Events between modules ({env})",
            engine="redis",
            node_type=settings.node_type,
            num_shards=1,
            num_replicas_per_shard=settings.replicas,
            acl_name=acl.name,
            tls_enabled=True,
            port=BROKER_PORT,
            subnet_group_name=subnets.name,
            security_group_ids=[group.id],
            snapshot_retention_limit=settings.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            opts=child,
        )
        secret = aws.secretsmanager.Secret(
            "events-broker-url",
            name=f"pantstack/{env}/events-broker-url",
            description=f"Events broker ({env}): its rediss:// URL, password included",
            recovery_window_in_days=0,
            opts=child,
        )
        endpoint = cluster.cluster_endpoints.apply(lambda endpoints: endpoints[0]["address"])
        aws.secretsmanager.SecretVersion(
            "events-broker-url",
            secret_id=secret.id,
            # Secret because the password is (RandomPassword.result): encrypted in the state, never shown.
            secret_string=pulumi.Output.format(
                "rediss://{0}:{1}@{2}:{3}/0", user.user_name, password.result, endpoint, BROKER_PORT
            ),
            opts=child,
        )
        self.url_secret_arn = secret.arn
        self.register_outputs({"url_secret_arn": self.url_secret_arn})
