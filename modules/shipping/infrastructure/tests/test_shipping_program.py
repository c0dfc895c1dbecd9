"""The shipping Pulumi program, run offline on its real test and prod stack config."""

from infra.testing import ModuleProgramTests


class TestShippingProgram(ModuleProgramTests):
    # No public_routes in its module.toml: shipments come from the orders flow, for services only.
    module = "shipping"
    uses = ("orders",)
