"""Deployed identity: the platform makes one Ed25519 key per module (and keeps the previous one
published while it is rotated out), each task gets only its own key and a key ring kept current by a
sidecar, and the task role may read the key ring and nothing else of Secrets Manager."""

import json
from typing import Any

import pytest

from infra import ModuleService, ServiceSettings
from infra.identity import (
    KEY_RING_CONTAINER,
    KEY_RING_FILE,
    KEY_RING_VOLUME,
    PlatformIdentity,
    jwks_document,
    public_jwk,
)
from infra.testing import MOCK_ED25519_PUBLIC_KEY_PEM, RecordingMocks, fake_platform, run_program

PLATFORM = fake_platform(["orders", "inventory"], uses={"orders": ["inventory"]})


def test_the_key_id_is_service_kits_rfc_7638_thumbprint_prefix() -> None:
    # RFC 8037, appendix A.2 and A.3: this public key's thumbprint is
    # kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.
    jwk = public_jwk("orders", MOCK_ED25519_PUBLIC_KEY_PEM)

    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "orders:kPrK_qmxVWaYVA9w",
        "use": "sig",
        "alg": "EdDSA",
    }
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        public_jwk(
            "orders",
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
        )


def declare_platform(generations: dict[str, int]) -> RecordingMocks:
    return run_program(
        lambda: PlatformIdentity(["inventory", "orders"], generations),
        project="platform",
        stack="prod",
        config={},
    )


def secret_strings(mocks: RecordingMocks) -> dict[str, str]:
    """Each secret version's text (Pulumi marks the keys' as secret: the mocks see it wrapped)."""
    strings = {}
    for version in mocks.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
        value = version.inputs["secretString"]
        strings[version.name] = value["value"] if isinstance(value, dict) else value
    return strings


def test_each_module_gets_its_own_key_in_its_own_secret_and_the_jwks_holds_only_public_keys() -> None:
    mocks = declare_platform({})

    keys = mocks.of_type("tls:index/privateKey:PrivateKey")
    assert sorted(k.name for k in keys) == ["inventory-signing-key-1", "orders-signing-key-1"]
    assert {k.inputs["algorithm"] for k in keys} == {"ED25519"}
    names = {s.name: s.inputs["name"] for s in mocks.of_type("aws:secretsmanager/secret:Secret")}
    assert names["orders-signing-key"] == "pantstack/prod/orders/signing-key"
    strings = secret_strings(mocks)
    assert strings["orders-signing-key"] == "MOCK PRIVATE KEY OF orders-signing-key-1"
    assert strings["inventory-signing-key"] == "MOCK PRIVATE KEY OF inventory-signing-key-1"
    jwks = json.loads(strings["jwks"])
    assert [k["kid"].split(":")[0] for k in jwks["keys"]] == ["inventory", "orders"]
    assert "PRIVATE" not in strings["jwks"] and all("d" not in k for k in jwks["keys"])


def test_rotating_one_module_publishes_its_old_and_new_key_and_hands_it_the_new_one() -> None:
    mocks = declare_platform({"orders": 2})

    assert sorted(k.name for k in mocks.of_type("tls:index/privateKey:PrivateKey")) == [
        "inventory-signing-key-1",
        "orders-signing-key-1",
        "orders-signing-key-2",
    ]
    strings = secret_strings(mocks)
    assert strings["orders-signing-key"] == "MOCK PRIVATE KEY OF orders-signing-key-2"
    assert [k["kid"].split(":")[0] for k in json.loads(strings["jwks"])["keys"]] == [
        "inventory",
        "orders",
        "orders",
    ]


@pytest.mark.parametrize("generations", [{"billing": 1}, {"orders": 0}])
def test_a_generation_for_an_unknown_module_or_below_1_is_refused(generations: dict[str, int]) -> None:
    with pytest.raises(Exception, match="signingKeyGenerations"):
        declare_platform(generations)


def test_jwks_document_is_stable() -> None:
    keys = [("orders", MOCK_ED25519_PUBLIC_KEY_PEM), ("inventory", MOCK_ED25519_PUBLIC_KEY_PEM)]
    assert jwks_document(keys) == jwks_document(list(reversed(keys)))


def declare_service() -> RecordingMocks:
    return run_program(
        lambda: ModuleService("orders", PLATFORM, ServiceSettings(listener_priority=100)),
        project="orders",
        stack="test",
        config={},
    )


def containers_of(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    task = mocks.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    return {container["name"]: container for container in json.loads(task["containerDefinitions"])}


def test_the_service_signs_with_its_own_key_and_reads_the_key_ring_the_sidecar_keeps() -> None:
    mocks = declare_service()
    containers = containers_of(mocks)
    service, key_ring = containers["orders"], containers[KEY_RING_CONTAINER]

    secrets = {s["name"]: s["valueFrom"] for s in service["secrets"]}
    assert secrets["ORDERS_SIGNING_KEY"] == PLATFORM.signing_key_secret_arns["orders"]  # type: ignore[index]
    assert {e["name"]: e["value"] for e in service["environment"]}["SERVICE_JWKS_FILE"] == KEY_RING_FILE
    assert service["mountPoints"] == [
        {"sourceVolume": KEY_RING_VOLUME, "containerPath": "/identity", "readOnly": True}
    ]
    assert {"containerName": KEY_RING_CONTAINER, "condition": "HEALTHY"} in service["dependsOn"]
    assert key_ring["mountPoints"][0]["readOnly"] is False and key_ring["essential"] is False
    assert PLATFORM.jwks_secret_arn in key_ring["command"][0]
    assert "SIGNING_KEY" not in json.dumps(key_ring)
    task = mocks.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["volumes"] == [{"name": KEY_RING_VOLUME}]


def test_the_task_role_reads_only_the_key_ring_and_ecs_only_the_modules_own_key() -> None:
    mocks = declare_service()

    policies = {
        p.name: json.loads(p.inputs["policy"]) for p in mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    }
    (statement,) = policies["orders-key-ring"]["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"] == PLATFORM.jwks_secret_arn
    readable = [
        s["Resource"]
        for s in policies["orders-execution"]["Statement"]
        if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert readable == [[PLATFORM.signing_key_secret_arns["orders"]]]  # type: ignore[index]
