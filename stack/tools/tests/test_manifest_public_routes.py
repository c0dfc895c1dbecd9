"""module.toml's optional `public_routes`: what the internet-facing load balancer may route to a
module; none when absent, and refused unless each is a plain prefix under /api/."""

from pathlib import Path

import pytest

from manifest import ManifestError, load

BASE = (
    'description = "Billing."\nowners = ["@acme/billing"]\ntype = "http-api"\n'
    'database = true\nversion = "0.1.0"\nuses = []\n'
)


def manifest_with(root: Path, extra: str = "") -> Path:
    (root / "modules/billing").mkdir(parents=True)
    (root / "modules/billing/module.toml").write_text(BASE + extra)
    return root


def test_a_manifest_without_public_routes_routes_nothing(tmp_path: Path) -> None:
    assert load(manifest_with(tmp_path), "billing").public_routes == ()


def test_public_routes_are_read_as_given(tmp_path: Path) -> None:
    root = manifest_with(tmp_path, 'public_routes = ["/api/v1/invoices", "/api/v1/payments"]\n')

    assert load(root, "billing").public_routes == ("/api/v1/invoices", "/api/v1/payments")


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ('"/api/v1/invoices"', "must be a list of URL prefixes"),
        ('["/api/v1/invoices/"]', "must be a path prefix under /api/ without a trailing slash"),
        ('["/api/v1/*"]', "without a trailing slash or wildcard"),
        ('["/health"]', "must be a path prefix under /api/"),
        ('["/api/v1/b", "/api/v1/a"]', "must be sorted, without repeats"),
        ('["/api/v1/a", "/api/v1/b", "/api/v1/c"]', "at most 2 public routes"),
    ],
)
def test_a_bad_public_route_is_refused_naming_the_file_and_the_fix(
    tmp_path: Path, routes: str, message: str
) -> None:
    root = manifest_with(tmp_path, f"public_routes = {routes}\n")

    with pytest.raises(ManifestError, match="modules/billing/module.toml") as error:
        load(root, "billing")
    assert message in str(error.value)


def test_an_unknown_key_names_the_optional_one_too(tmp_path: Path) -> None:
    root = manifest_with(tmp_path, 'public = ["/api/v1/invoices"]\n')

    with pytest.raises(ManifestError, match=r"unknown key\(s\) public; .*\(and optionally .*public_routes, "):
        load(root, "billing")
