"""modules/<m>/events.json: written by contract-accept, and a change to the events fails the check,
naming each change as breaking or additive and the command that accepts it."""

from collections.abc import Callable
from pathlib import Path

import pytest

from event_contract.snapshot import check, main, snapshot_path

V1 = """
from service_kit.event import Event


class OrderPlaced(Event):
    total_cents: int
"""


def test_the_written_snapshot_passes_the_check(
    publisher: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = publisher(V1)

    assert main(["--root", str(root), "--module", "shop"]) == 0

    assert snapshot_path(root, "shop").read_text().startswith('{\n  "asyncapi": "3.0.0",\n')
    assert f"wrote {root}/modules/shop/events.json" in capsys.readouterr().err
    check(root, "shop")


def test_a_missing_snapshot_names_the_command_that_writes_it(publisher: Callable[[str], Path]) -> None:
    root = publisher(V1)

    with pytest.raises(
        AssertionError, match=r"modules/shop/events.json is missing.*make contract-accept M=shop"
    ):
        check(root, "shop")


def test_a_breaking_change_without_a_new_version_fails_naming_contract_accept(
    publisher: Callable[[str], Path]
) -> None:
    root = publisher(V1)
    main(["--root", str(root), "--module", "shop"])
    publisher(V1.replace("total_cents: int", "total_cents: str"))

    with pytest.raises(AssertionError) as error:
        check(root, "shop")
    message = str(error.value)
    assert "The events shop publishes differ from modules/shop/events.json:" in message
    assert "BREAKING  shop.OrderPlaced.v1.total_cents: type changed from integer to string" in message
    assert "raise its `version` (a new channel)" in message
    assert message.endswith("If this change is intended, accept it with: make contract-accept M=shop")


def test_a_version_bump_is_a_new_channel_and_dropping_the_old_one_is_breaking(
    publisher: Callable[[str], Path]
) -> None:
    root = publisher(V1)
    main(["--root", str(root), "--module", "shop"])
    publisher(V1.replace("total_cents: int", "version = 2\n    total: str"))

    with pytest.raises(AssertionError) as error:
        check(root, "shop")
    assert "BREAKING  shop.OrderPlaced.v1: channel removed" in str(error.value)
    assert "additive  shop.OrderPlaced.v2: channel added" in str(error.value)


def test_keeping_the_old_version_beside_the_new_one_is_additive(publisher: Callable[[str], Path]) -> None:
    root = publisher(V1)
    main(["--root", str(root), "--module", "shop"])
    publisher(
        V1
        + '\n\nclass OrderPlacedV2(Event):\n    event_type = "OrderPlaced"\n    version = 2\n    total: str\n'
    )

    with pytest.raises(AssertionError) as error:
        check(root, "shop")
    assert "BREAKING" not in str(error.value)
    assert "additive  shop.OrderPlaced.v2: channel added" in str(error.value)
