"""docs_check.py: a command in the docs that names a missing make target, Pants target or script fails,
naming file:line, what is missing and what exists; commands that name existing things pass."""

import sys
from pathlib import Path

import pytest

import docs_check
from docs_check import main, make_targets, split_commands

MAKEFILE = """\
PANTS := ./pants
M ?=
.PHONY: help test dev

help: ## Show this help
\t@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST)

test: ## Lint, type-check and run every test
\t$(PANTS) test ::

dev:
\tstack/tools/dev.sh

stack-up stack-down: ## Two targets of one rule
\t@echo $@
"""
ADDRESSES = """\
//:launcher
modules/orders:orders
modules/orders:lib
modules/orders:public@resolve=orders
modules/orders/backend/api/main.py:lib
stack/tools:tools
"""


def write(root: Path, relative: str, text: str, *, executable: bool = False) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(0o755)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo with a Makefile, the ./pants launcher, a script, one module and a Pants target list."""
    write(tmp_path, "Makefile", MAKEFILE)
    write(tmp_path, "pants", "#!/bin/sh\n", executable=True)
    write(tmp_path, "stack/tools/dev.sh", "#!/bin/sh\n", executable=True)
    write(tmp_path, "stack/tools/stack.py", "")
    write(tmp_path, "modules/orders/backend/api/main.py", "")
    write(tmp_path, "addresses.txt", ADDRESSES)
    write(tmp_path, "README.md", "# Repo\n")
    return tmp_path


def run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--root", str(repo), "--pants-list", str(repo / "addresses.txt")])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_a_docs_line_naming_a_missing_make_target_fails_with_file_line_target_and_known_targets(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "docs/guide.md", "# Guide\n\nDeploy:\n\n```sh\nmake test\nmake deploy-all ENV=test\n```\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert (
        "docs/guide.md:7: `make deploy-all ENV=test`: no make target 'deploy-all' in the Makefile; "
        "known targets: dev, help, stack-down, stack-up, test"
    ) in output
    assert "1 problem(s)" in output


def test_a_missing_make_target_in_inline_code_is_found_on_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "README.md", "# Repo\n\nRun `make test` first,\nthen `make bench` for numbers.\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert "README.md:4: `make bench`: no make target 'bench'" in output
    assert "'test'" not in output


def test_existing_targets_scripts_and_pants_targets_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "README.md",
        "# Repo\n\n```sh\nmake dev    # every service; `make nothing` in a comment is not a command\n"
        "make stack-up ENV=prod M=orders ARGS=--yes && make stack-down\n"
        "ORDERS_AUTH_ENABLED=false ./pants run modules/orders:orders -- --port 9000 not/a:spec\n"
        "./pants test modules/orders:: modules/orders:public > dist/out.txt\n"
        "stack/tools/dev.sh\npython3 stack/tools/stack.py up --env test\n"
        "PEX_MODULE=service_kit.auth dist/modules.orders/orders.pex --caller me\ncurl -X GET http://x/y\n```\n\n"
        "Placeholders are not checked: `make contract-accept M=<m>`, `./pants test modules/<m>::`,\n"
        "`make new-module M=payments [TYPE=http-api|worker]`, nor a file named in prose:\n"
        "`pants-plugins/macros.py`, nor a message quoted from a tool: `./pants: no CPython 3.9 found`.\n",
    )
    write(repo, "Makefile", MAKEFILE + "contract-accept new-module:\n\t@true\n")

    status, output = run(repo, capsys)

    assert status == 0, output
    assert "every command in 1 docs names" in output


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("./pants test modules/billing::", "'modules/billing::': there is no directory modules/billing/"),
        (
            "./pants package modules/orders:image",
            "no target 'modules/orders:image' in `./pants list ::`; targets in modules/orders: "
            "modules/orders:lib, modules/orders:orders, modules/orders:public@resolve=orders",
        ),
        ("./pants lint stack/tools/missing.py", "'stack/tools/missing.py': no such file or directory"),
        ("stack/tools/missing.sh --fast", "stack/tools/missing.sh does not exist"),
        ("python3 stack/tools/missing.py", "stack/tools/missing.py does not exist"),
        ("stack/tools/stack.py up", "stack/tools/stack.py is not executable"),
        (
            "dist/modules.orders/worker.pex",
            "dist/modules.orders/worker.pex would be built by 'modules/orders:worker'",
        ),
    ],
)
def test_a_command_naming_something_missing_fails_saying_what(
    repo: Path, capsys: pytest.CaptureFixture[str], command: str, problem: str
) -> None:
    write(repo, "docs/guide.md", f"# Guide\n\n```bash\n{command}\n```\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert f"docs/guide.md:4: `{command}`: {problem}" in output


def test_a_directory_without_targets_fails_even_though_it_exists(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "docs/notes/readme.txt", "")
    write(repo, "docs/guide.md", "`./pants test docs/notes::`\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert "docs/guide.md:1: `./pants test docs/notes::`: 'docs/notes::' matches no target" in output


def test_a_module_created_earlier_in_the_same_block_counts_as_existing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "Makefile", MAKEFILE + "new-module remove-module:\n\t@true\n")
    created = "make new-module M=payments\n./pants test modules/payments::\nmake remove-module M=payments\n"
    write(repo, "docs/guide.md", f"```sh\n{created}```\n\n```sh\n./pants test modules/payments::\n```\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert "docs/guide.md:3:" not in output  # made by `make new-module` just before
    assert "docs/guide.md:8: `./pants test modules/payments::`: 'modules/payments::'" in output


def test_module_readmes_are_checked_too(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "modules/orders/README.md", "# orders\n\n```sh\n./pants test modules/orders:nope\n```\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert (
        "modules/orders/README.md:4: `./pants test modules/orders:nope`: no target 'modules/orders:nope'"
        in output
    )


def test_console_blocks_check_only_prompt_lines(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "docs/guide.md", "```console\n$ make test\nmake: *** [test] Error 1\n$ make lint\n```\n")

    status, output = run(repo, capsys)

    assert status == 1
    assert "docs/guide.md:4: `make lint`" in output
    assert "Error" not in output


def test_an_embedded_block_must_equal_its_file_and_update_embeds_rewrites_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "docs/module-graph.mmd", "graph TD\n    a --> b\n")
    write(
        repo,
        "docs/architecture.md",
        "# A\n\n<!-- embed: docs/module-graph.mmd -->\n```mermaid\nold\n```\nEnd\n",
    )

    status, output = run(repo, capsys)
    assert status == 1
    assert "docs/architecture.md:4: this block differs from docs/module-graph.mmd" in output

    updated = main(["--root", str(repo), "--pants-list", str(repo / "addresses.txt"), "--update-embeds"])
    assert updated == 0
    assert (repo / "docs/architecture.md").read_text() == (
        "# A\n\n<!-- embed: docs/module-graph.mmd -->\n```mermaid\ngraph TD\n    a --> b\n```\nEnd\n"
    )


def test_without_a_list_file_it_asks_the_repos_pants(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "pants", f'#!/bin/sh\n[ "$*" = "list ::" ] && cat "{repo}/addresses.txt"\n', executable=True)
    write(
        repo,
        "README.md",
        "`./pants package modules/orders:orders` and `./pants package modules/orders:nope`\n",
    )

    status = main(["--root", str(repo)])

    assert status == 1
    assert "no target 'modules/orders:nope'" in capsys.readouterr().err


def test_a_failing_pants_list_is_reported_not_mistaken_for_missing_targets(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "pants", "#!/bin/sh\necho 'BUILD file broken' >&2\nexit 1\n", executable=True)

    status = main(["--root", str(repo)])

    assert status == 2
    assert "cannot list Pants targets: `./pants list ::` failed (exit 1)" in capsys.readouterr().err


def test_no_pants_checks_files_and_make_targets_without_starting_pants(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "pants", "#!/bin/sh\necho 'Pants must not start' >&2\nexit 1\n", executable=True)
    write(repo, "README.md", "`./pants package modules/orders:nope` and `./pants test modules/orders::`\n")

    assert main(["--root", str(repo), "--no-pants"]) == 0
    assert "Pants must not start" not in capsys.readouterr().err

    write(repo, "README.md", "`make deploy-all` and `./pants test modules/billing::`\n")

    assert main(["--root", str(repo), "--no-pants"]) == 1
    err = capsys.readouterr().err
    assert "no make target 'deploy-all'" in err and "there is no directory modules/billing/" in err


def test_makefile_rules_are_targets_and_assignments_are_not() -> None:
    assert make_targets(MAKEFILE) == {"help", "test", "dev", "stack-up", "stack-down"}


def test_commands_split_at_shell_operators_and_drop_comments_and_redirections() -> None:
    assert split_commands("make a && ./pants list :: > out.txt 2>&1; make b | tee log # make c") == [
        ("make", "a"),
        ("./pants", "list", "::"),
        ("make", "b"),
        ("tee", "log"),
    ]


def test_the_script_runs_on_the_stdlib_alone() -> None:
    source = Path(docs_check.__file__).read_text()
    imports = {
        line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    assert imports <= set(sys.stdlib_module_names) | {"__future__"}
