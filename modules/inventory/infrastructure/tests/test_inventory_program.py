"""The inventory Pulumi program, run offline on its real test and prod stack config."""

from infra.testing import ModuleProgramTests


class TestInventoryProgram(ModuleProgramTests):
    # No public_routes in its module.toml: stock and reservations serve orders, never end users.
    module = "inventory"
