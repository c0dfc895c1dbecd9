"""make portal's pages: the index, a page per module and the assets, all readable from file://."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.errors import PortalError
from portal.site import MARKER, build
from portal.tests.scratch_repo import write_module


class Page(HTMLParser):
    """An HTML page's external references, its inline JSON and its text, by element id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.references: list[str] = []
        self.json_scripts: dict[str, str] = {}
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._json_id: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("src", "href"):
            if values.get(key) and tag in ("script", "link", "img"):
                self.references.append(values[key] or "")
        if tag == "script" and values.get("type") == "application/json":
            self._json_id = values.get("id")
        if tag not in ("br", "meta", "link", "img", "input"):
            self._open.append((tag, values.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()
        self._json_id = None

    def handle_data(self, data: str) -> None:
        if self._json_id:
            self.json_scripts[self._json_id] = self.json_scripts.get(self._json_id, "") + data
        for _, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] = self.text_by_id.get(element_id, "") + data


@pytest.fixture
def portal(repo: Path, tmp_path: Path) -> Path:
    out = tmp_path / "portal"
    build(repo, out)
    return out


def read(out: Path, page: str) -> Page:
    return Page((out / page).read_text())


def test_the_index_lists_every_module_with_its_facts(portal: Path) -> None:
    html = (portal / "index.html").read_text()
    rows = dict(re.findall(r'<tr data-module="(\w+)">(.*?)</tr>', html, re.DOTALL))

    assert sorted(rows) == ["inventory", "orders", "shipping"]
    orders = re.sub(r"<[^>]+>", "", rows["orders"]).split()
    assert orders[:2] == ["orders", "Orders"] and "@acme/orders" in orders and "http-api" in orders
    assert "1.2.0" in orders
    # uses inventory, used by shipping, has a database
    assert orders[-3:] == ["inventory", "shipping", "yes"]
    assert re.sub(r"<[^>]+>", "", rows["inventory"]).split()[-3:] == ["none", "orders", "no"]
    assert 'href="modules/orders.html"' in rows["orders"]


def test_a_module_page_shows_its_neighbours_and_its_readme_as_html(portal: Path) -> None:
    page = read(portal, "modules/orders.html")

    assert page.text_by_id["uses"].strip() == "inventory"
    assert page.text_by_id["used-by"].strip() == "shipping"
    assert "<h1>orders</h1>" in (portal / "modules/orders.html").read_text()
    assert "Places orders." in page.text_by_id["readme"]


def test_raw_html_in_a_readme_is_shown_as_text_not_run(repo: Path, tmp_path: Path) -> None:
    readme = "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n"
    (repo / "modules/orders/README.md").write_text(readme)
    build(repo, tmp_path / "portal")
    html = (tmp_path / "portal/modules/orders.html").read_text()

    assert "<table>" in html and "<td>2</td>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_the_contract_is_in_the_page_and_swagger_ui_beside_it_with_no_other_host(
    portal: Path, repo: Path
) -> None:
    page = read(portal, "modules/orders.html")

    assert json.loads(page.json_scripts["contract"]) == json.loads(
        (repo / "modules/orders/openapi.json").read_text()
    )
    endpoints = (
        (portal / "modules/orders.html").read_text().split('id="endpoints"', 1)[1].split("</table>")[0]
    )
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr>(.*?)</tr>", endpoints)]
    assert rows[1:] == [
        ["GET", "/api/v1/orders", "Read", "/api/v1/orders"],
        ["GET", "/health", "Read", "/health"],
    ]
    assert set(page.references) == {
        "../assets/portal.css",
        "../assets/live.js",
        "../assets/swagger-ui.css",
        "../assets/swagger-ui-bundle.js",
    }
    for asset in ("portal.css", "live.js", "swagger-ui.css", "swagger-ui-bundle.js"):
        assert (portal / "assets" / asset).stat().st_size > 1000, asset
    assert (portal / "assets/swagger-ui-bundle.js").read_text().count("SwaggerUIBundle") > 0


def test_a_module_without_a_contract_says_so(portal: Path) -> None:
    page = read(portal, "modules/inventory.html")

    assert "contract" not in page.json_scripts
    assert "swagger" not in " ".join(page.references)


def test_the_contract_inside_the_page_cannot_close_its_script_element(repo: Path, tmp_path: Path) -> None:
    document = json.loads((repo / "modules/orders/openapi.json").read_text())
    document["info"]["description"] = "</script><script>alert(1)</script>"
    (repo / "modules/orders/openapi.json").write_text(json.dumps(document))
    build(repo, tmp_path / "portal")
    page = read(tmp_path / "portal", "modules/orders.html")

    assert json.loads(page.json_scripts["contract"])["info"]["description"] == document["info"]["description"]


def test_the_module_graph_is_laid_out_by_dot_and_links_each_module(portal: Path) -> None:
    svg = (portal / "module-graph.svg").read_text()
    index = (portal / "index.html").read_text()

    assert svg.lstrip().startswith("<svg") and "Generated by graphviz" not in svg.split("<svg", 1)[0]
    for name in ("inventory", "orders", "shipping"):
        assert f'href="modules/{name}.html"' in svg
    # The two facade edges, in the facade style.
    assert svg.count('class="edge"') == 2 and 'stroke="#1d4ed8"' in svg
    assert svg in index


def test_a_module_page_graph_holds_only_its_neighbourhood(portal: Path) -> None:
    shipping = (portal / "modules/shipping.html").read_text()

    assert 'href="orders.html"' in shipping and 'href="inventory.html"' not in shipping


def test_a_rebuild_replaces_the_portal_it_wrote(repo: Path, portal: Path) -> None:
    write_module(repo, "billing", uses=("orders",))
    build(repo, portal)

    assert (portal / "modules/billing.html").is_file() and (portal / MARKER).is_file()


def test_a_directory_the_portal_did_not_write_is_never_replaced(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/notes.txt").write_text("keep me")

    with pytest.raises(PortalError, match="is not a portal this command wrote"):
        build(repo, tmp_path / "mine")
    assert (tmp_path / "mine/notes.txt").read_text() == "keep me"


def test_without_dot_the_build_fails_before_writing_and_says_how_to_install_it(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(PortalError, match="apt-get install graphviz"):
        build(repo, tmp_path / "portal")
    assert not (tmp_path / "portal").exists()


def test_a_broken_manifest_is_reported_by_file(repo: Path, tmp_path: Path) -> None:
    (repo / "modules/orders/module.toml").write_text('description = "x"\n')

    with pytest.raises(PortalError, match=r"modules/orders/module.toml: missing"):
        build(repo, tmp_path / "portal")


def test_a_contract_that_is_not_an_openapi_object_is_reported_with_the_fix(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "modules/orders/openapi.json").write_text("[]")

    with pytest.raises(PortalError, match=r"openapi.json holds a JSON list.*make contract-accept"):
        build(repo, tmp_path / "portal")
