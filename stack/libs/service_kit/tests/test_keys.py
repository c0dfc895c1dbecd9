"""service_kit.keys: per-service private keys and their JWKS, kept across runs, rotated one at a time."""

import json
import stat
from pathlib import Path

import pytest

from service_kit import keys
from service_kit.identity import KeyRing


def published_kids(directory: Path) -> set[str]:
    return {jwk["kid"] for jwk in json.loads(keys.jwks_path(directory).read_text())["keys"]}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_service_gets_its_own_private_key_and_only_public_keys_are_published(tmp_path: Path) -> None:
    directory = tmp_path / "keys"

    assert keys.main(["--dir", str(directory), "orders", "inventory"]) == 0

    assert mode(directory / "orders.pem") == mode(directory / "inventory.pem") == 0o600
    assert (directory / "orders.pem").read_text() != (directory / "inventory.pem").read_text()
    jwks = keys.jwks_path(directory).read_text()
    assert "PRIVATE" not in jwks and '"d"' not in jwks
    assert {kid.split(":")[0] for kid in published_kids(directory)} == {"orders", "inventory"}
    assert set(KeyRing(keys.jwks_path(directory)).keys) == published_kids(directory)


def test_running_again_keeps_existing_keys(tmp_path: Path) -> None:
    keys.ensure_keys(tmp_path, ["orders"])
    before = (tmp_path / "orders.pem").read_text()

    assert keys.ensure_keys(tmp_path, ["orders", "shipping"]) == ["shipping"]

    assert (tmp_path / "orders.pem").read_text() == before
    assert len(published_kids(tmp_path)) == 2


def test_rotating_one_service_keeps_its_old_public_key_until_pruned(tmp_path: Path) -> None:
    keys.ensure_keys(tmp_path, ["orders", "shipping"])
    before = published_kids(tmp_path)

    keys.ensure_keys(tmp_path, [], rotate=("orders",))
    rotated = published_kids(tmp_path)
    keys.ensure_keys(tmp_path, [], prune=True)

    assert before < rotated and len(rotated) == 3
    assert len(published_kids(tmp_path)) == 2 and published_kids(tmp_path) - before
    assert {kid for kid in before if kid.startswith("shipping:")} <= published_kids(tmp_path)


def test_a_corrupt_jwks_is_reported_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.ensure_keys(tmp_path, ["orders"])
    keys.jwks_path(tmp_path).write_text("{not json")

    assert keys.main(["--dir", str(tmp_path), "orders"]) == 2

    assert "is not valid JSON; delete it and run again" in capsys.readouterr().err
