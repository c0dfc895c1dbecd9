"""The orders Pulumi program, run offline on its real test and prod stack config."""

from infra.testing import ModuleProgramTests


class TestOrdersProgram(ModuleProgramTests):
    # No public_routes in its module.toml: it authenticates services, not end users (a gateway would).
    module = "orders"
    uses = ("inventory",)
