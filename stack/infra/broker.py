"""EventsBroker: the managed counterpart of `make up`'s Redis (manifest.EVENTS_BROKER), for events.

Amazon MemoryDB for Redis, not ElastiCache: MemoryDB keeps a durable multi-AZ transaction log, so
an event the broker acknowledged survives a node's loss, as `appendfsync always` does under compose;
ElastiCache may lose the last writes on failover. TLS in transit, encryption at rest, in the
platform's private subnets, reachable on its port only from the tasks of the modules that publish
or subscribe.

Each such module has its own ACL user and password: its access string (Redis 6 ACL syntax, which
MemoryDB takes) allows only the streams of its manifest, appending to its own topics
(`<module>.*`) as a publisher, reading them through its consumer group as a subscriber
(`<producer>.<EventType>.v*`), and no other command. Its URL, password included, lives in its own
Secrets Manager secret (`pantstack/<env>/<module>/events-broker-url`) that only its execution role
may read (ModuleService gives it as EVENTS_BROKER_URL). One module's leaked password can neither
forge another producer's events nor read or acknowledge streams it does not subscribe to.

One cluster per environment: 100 event modules cost one cluster, and per module one user, one
password, one secret, one security-group rule and one IAM statement; nothing per pair.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

BROKER_PORT = 6379
# MemoryDB user names: a letter, then letters, digits and hyphens, at most 40 characters.
MAX_USER_NAME = 40
_PUBLISHER_COMMANDS = ("+xadd",)
# The consumer side of service_kit.messaging.transport.RedisStreams: join, read, take over, ack.
_SUBSCRIBER_COMMANDS = ("+xgroup|create", "+xreadgroup", "+xautoclaim", "+xack")


@dataclass(frozen=True)
class BrokerClient:
    """A module that exchanges events: its tasks' security group and its manifest's event roles."""

    security_group_id: pulumi.Input[str]
    publishes: bool = False
    # As in module.toml: "<producer>.<EventType>".
    subscribes: tuple[str, ...] = ()


def user_name(module: str, env: str) -> str:
    """The module's MemoryDB user, e.g. `ev-test-orders` (module names hold `_`, users can't).
    User names are unique per account and region: the environment keeps test's and prod's apart."""
    name = f"ev-{env}-{module.replace('_', '-')}"
    if len(name) > MAX_USER_NAME:
        # A module name has at most 30 characters: only a stack name over 6 gets here.
        raise ValueError(
            f"the broker user {name!r} is longer than MemoryDB's {MAX_USER_NAME} characters: "
            "name the stack with at most 6 characters (test, prod)"
        )
    return name


def access_string(module: str, client: BrokerClient) -> str:
    """What `module`'s user may do: `-@all`, then its own topics' XADD as a publisher and its
    subscribed topics' consumer-group commands as a subscriber; PING for readiness."""
    keys: list[str] = []
    commands = ["+ping"]
    if client.publishes:
        keys.append(f"~{module}.*")
        commands += _PUBLISHER_COMMANDS
    if client.subscribes:
        # Every version of each subscribed event type: a new version is a new stream (Event.topic).
        keys += [f"~{subscription}.v*" for subscription in sorted(client.subscribes)]
        commands += _SUBSCRIBER_COMMANDS
    if not keys:
        raise ValueError(f"{module} neither publishes nor subscribes: it gets no broker user")
    return " ".join(["on", *keys, "-@all", *commands])


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
    """The environment's broker; `url_secret_arns[module]` is the secret of that module's rediss://
    URL (its own user and password)."""

    url_secret_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        vpc_id: pulumi.Input[str],
        private_subnet_ids: Sequence[pulumi.Input[str]],
        clients: Mapping[str, BrokerClient],
        settings: BrokerSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`clients`: each module that publishes or subscribes; no other module's tasks reach the
        broker, and each gets a user allowed only its own streams."""
        super().__init__("pantstack:infra:EventsBroker", "events-broker", None, opts)
        env = pulumi.get_stack()
        child = pulumi.ResourceOptions(parent=self)

        users = {module: user_name(module, env) for module in clients}  # every name checked first
        group = aws.ec2.SecurityGroup(
            "events-broker",
            description=f"Events broker ({env}): Redis TLS from the tasks of the modules with events",
            vpc_id=vpc_id,
            opts=child,
        )
        for module, client in sorted(clients.items()):
            aws.vpc.SecurityGroupIngressRule(
                f"{module}-to-events-broker",
                description=f"{module} publishes or subscribes (modules/{module}/module.toml)",
                security_group_id=group.id,
                referenced_security_group_id=client.security_group_id,
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
        passwords: dict[str, random.RandomPassword] = {}
        broker_users: list[aws.memorydb.User] = []
        for module, client in sorted(clients.items()):
            # Letters and digits: the password goes into a URL unescaped (MemoryDB takes 16..128).
            passwords[module] = random.RandomPassword(
                f"{module}-events-broker", length=64, special=False, opts=child
            )
            user = aws.memorydb.User(
                f"{module}-events-broker",
                user_name=users[module],
                access_string=access_string(module, client),
                authentication_mode=aws.memorydb.UserAuthenticationModeArgs(
                    type="password", passwords=[passwords[module].result]
                ),
                opts=child,
            )
            broker_users.append(user)
        acl = aws.memorydb.Acl(
            "events-broker",
            name=f"pantstack-{env}-events",
            # Outputs, not the names: the ACL waits for its users.
            user_names=[user.user_name for user in broker_users],
            opts=child,
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
        endpoint = cluster.cluster_endpoints.apply(lambda endpoints: endpoints[0]["address"])
        self.url_secret_arns = {}
        for module in sorted(clients):
            secret = aws.secretsmanager.Secret(
                f"{module}-events-broker-url",
                name=f"pantstack/{env}/{module}/events-broker-url",
                description=f"Events broker ({env}): {module}'s rediss:// URL, its password included",
                recovery_window_in_days=0,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{module}-events-broker-url",
                secret_id=secret.id,
                # Secret because the password is (RandomPassword.result): encrypted in the state, never shown.
                secret_string=pulumi.Output.format(
                    "rediss://{0}:{1}@{2}:{3}/0",
                    users[module],
                    passwords[module].result,
                    endpoint,
                    BROKER_PORT,
                ),
                opts=child,
            )
            self.url_secret_arns[module] = secret.arn
        self.register_outputs({"url_secret_arns": self.url_secret_arns})
