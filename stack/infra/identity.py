"""Deployed service identity: each module's Ed25519 signing key, and the key ring every task trusts.

The platform stack makes one key per deployed module (pulumi-tls), keeps its PEM in Secrets Manager
(`pantstack/<env>/<module>/signing-key`), which ECS hands to that module's container only, as
<MODULE>_SIGNING_KEY; and it publishes every module's public key as one JWKS secret. In each task a
small sidecar copies that JWKS into a volume the service reads as SERVICE_JWKS_FILE, every
KEY_RING_REFRESH_SECONDS, so a rotated key reaches every verifier without restarting it
(service_kit rereads the file when it changes).

Rotation, one module at a time: raise its generation in the platform's stack config
(`signingKeyGenerations: {orders: 2}`). The platform makes key 2 and keeps key 1 published beside
it, so tokens signed with either verify; orders' next deploy signs with key 2; raising it again
drops key 1.
"""

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

KEY_RING_CONTAINER = "key-ring"
# Pinned like every other image: a new AWS CLI is a reviewed change.
AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.22.35"
KEY_RING_VOLUME = "identity"
KEY_RING_DIR = "/identity"
KEY_RING_FILE = f"{KEY_RING_DIR}/jwks.json"
KEY_RING_REFRESH_SECONDS = 30
# service_kit's key ids: <service>:<the first 16 characters of the key's RFC 7638 thumbprint>.
FINGERPRINT_CHARS = 16
# An Ed25519 SubjectPublicKeyInfo is this fixed DER header followed by the 32-byte key (RFC 8410).
_ED25519_SPKI_HEADER = bytes.fromhex("302a300506032b6570032100")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(service: str, public_key_pem: str) -> dict[str, str]:
    """The JWK service_kit's key ring reads for `service`'s Ed25519 public key (PEM, SPKI)."""
    body = "".join(line for line in public_key_pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != len(_ED25519_SPKI_HEADER) + 32 or not der.startswith(_ED25519_SPKI_HEADER):
        raise ValueError(f"{service}'s signing key is not an Ed25519 public key")
    x = _b64url(der[len(_ED25519_SPKI_HEADER) :])
    thumbprint = _b64url(
        hashlib.sha256(
            json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":")).encode()
        ).digest()
    )
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": f"{service}:{thumbprint[:FINGERPRINT_CHARS]}",
        "use": "sig",
        "alg": "EdDSA",
    }


def jwks_document(keys: Sequence[tuple[str, str]]) -> str:
    """The JWKS of (service, public key PEM) pairs, in a stable order."""
    return json.dumps({"keys": sorted((public_jwk(s, pem) for s, pem in keys), key=lambda k: k["kid"])})


class PlatformIdentity(pulumi.ComponentResource):
    """Every deployed module's signing key (current generation, and the previous one while it is
    being rotated out) and the JWKS secret of their public keys."""

    signing_key_secret_arns: dict[str, pulumi.Output[str]]
    jwks_secret_arn: pulumi.Output[str]

    def __init__(
        self,
        modules: Sequence[str],
        generations: Mapping[str, int],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:infra:PlatformIdentity", "identity", None, opts)
        env = pulumi.get_stack()
        child = pulumi.ResourceOptions(parent=self)
        unknown = sorted(set(generations) - set(modules))
        if unknown or any(not isinstance(g, int) or g < 1 for g in generations.values()):
            raise ValueError(
                f"signingKeyGenerations: {dict(generations)} must map deployed modules to whole numbers "
                f"≥ 1 (unknown: {', '.join(unknown) or 'none'})"
            )
        published: list[pulumi.Output[tuple[str, str]]] = []
        self.signing_key_secret_arns = {}
        for module in modules:
            generation = generations.get(module, 1)
            keys = {
                g: tls.PrivateKey(f"{module}-signing-key-{g}", algorithm="ED25519", opts=child)
                for g in range(max(1, generation - 1), generation + 1)
            }
            secret = aws.secretsmanager.Secret(
                f"{module}-signing-key",
                name=f"pantstack/{env}/{module}/signing-key",
                description=f"{module}'s service-signing key ({env}); only its tasks read it",
                recovery_window_in_days=7,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{module}-signing-key",
                secret_id=secret.id,
                secret_string=keys[generation].private_key_pem,
                opts=child,
            )
            self.signing_key_secret_arns[module] = secret.arn
            published += [_published(module, key) for key in keys.values()]
        jwks = aws.secretsmanager.Secret(
            "jwks",
            name=f"pantstack/{env}/service-jwks",
            description=f"The public keys of every module's signing key ({env}); every task reads it",
            recovery_window_in_days=0,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            "jwks",
            secret_id=jwks.id,
            secret_string=pulumi.Output.all(*published).apply(jwks_document),
            opts=child,
        )
        self.jwks_secret_arn = jwks.arn
        self.register_outputs({"jwks_secret_arn": self.jwks_secret_arn})


def _published(module: str, key: tls.PrivateKey) -> pulumi.Output[tuple[str, str]]:
    return key.public_key_pem.apply(lambda pem: (module, pem))


def with_key_ring(
    containers: list[dict[str, Any]],
    *,
    module: str,
    signing_key_secret_arn: str,
    jwks_secret_arn: str,
    log_group: str,
    region: str,
) -> list[dict[str, Any]]:
    """The task's containers with its identity: the module's container gets its own signing key and
    reads the key ring from the shared volume, which the key-ring sidecar keeps current."""
    service, *others = containers
    if service["name"] != module:
        raise ValueError(f"the first container must be {module}'s, not {service['name']}")
    variable = f"{module.upper().replace('-', '_')}_SIGNING_KEY"
    environment = {e["name"]: e["value"] for e in service.get("environment", [])}
    environment["SERVICE_JWKS_FILE"] = KEY_RING_FILE
    signed = {
        **service,
        "environment": [{"name": n, "value": v} for n, v in sorted(environment.items())],
        "secrets": sorted(
            [*service.get("secrets", []), {"name": variable, "valueFrom": signing_key_secret_arn}],
            key=lambda s: s["name"],
        ),
        "mountPoints": [{"sourceVolume": KEY_RING_VOLUME, "containerPath": KEY_RING_DIR, "readOnly": True}],
        # The service refuses to start without its key ring, so it waits for the first copy.
        "dependsOn": [
            *service.get("dependsOn", []),
            {"containerName": KEY_RING_CONTAINER, "condition": "HEALTHY"},
        ],
    }
    refresh = (
        f"while true; do aws secretsmanager get-secret-value --secret-id '{jwks_secret_arn}' "
        f"--query SecretString --output text > {KEY_RING_FILE}.new "
        f"&& mv {KEY_RING_FILE}.new {KEY_RING_FILE}; "
        f"sleep {KEY_RING_REFRESH_SECONDS}; done"
    )
    key_ring = {
        "name": KEY_RING_CONTAINER,
        "image": AWS_CLI_IMAGE,
        # A stopped refresher leaves the last key ring in place: the service keeps verifying.
        "essential": False,
        "entryPoint": ["/bin/sh", "-c"],
        "command": [refresh],
        "mountPoints": [{"sourceVolume": KEY_RING_VOLUME, "containerPath": KEY_RING_DIR, "readOnly": False}],
        "healthCheck": {
            "command": ["CMD-SHELL", f"test -s {KEY_RING_FILE}"],
            "interval": 10,
            "timeout": 5,
            "retries": 6,
            "startPeriod": 10,
        },
        "memoryReservation": 32,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": f"{module}-{KEY_RING_CONTAINER}",
            },
        },
    }
    return [signed, *others, key_ring]


def key_ring_task_role_policy(jwks_secret_arn: str) -> str:
    """The task's right to read the key ring (public keys) and nothing else of Secrets Manager."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadKeyRing",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": jwks_secret_arn,
                }
            ],
        }
    )
