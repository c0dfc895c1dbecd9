"""The facade's export list is the contract other modules build on: changing it is deliberate."""

import inventory.backend.public as public


def test_the_facade_exports_only_the_client_and_public_models() -> None:
    assert public.__all__ == [
        "InventoryClient",
        "ProductPublic",
        "ReservationItem",
        "ReservationPublic",
        "ReservationStatus",
    ]
    assert public.__all__ == sorted(public.__all__)
