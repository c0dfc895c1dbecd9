"""Command line of the scaffolder (run by make: new-module, remove-module, update-module, check-module).

Every command checks its module name against the one rule in names.py before it reads or writes
anything else. Make passes names after `--`, so a name can never be taken for an option.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import sync
from manifest import ManifestError, module_names
from scaffold import provenance
from scaffold.check import check_module
from scaffold.create import (
    TYPES,
    new_module,
    parse_description,
    parse_features,
    parse_owners,
    parse_subscribes,
    parse_uses,
)
from scaffold.errors import ScaffoldError
from scaffold.make_command_line import as_typed
from scaffold.names import existing_module, validate_module_name
from scaffold.pull_request import open_module_pr
from scaffold.removal import remove_module
from scaffold.update import adopt_module, update_module, update_modules

# The make target each command serves, for error messages.
TARGETS = {"pr": "make gh-new-module-pr", "update-all": "make update-modules"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ScaffoldError(f"{message} (see `--help`)")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="scaffold", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="the repository root")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    new = commands.add_parser("new", help="generate a module")
    new.add_argument("name")
    _module_options(new)
    remove = commands.add_parser("remove", help="remove a module exactly")
    remove.add_argument("name")
    remove.add_argument(
        "--force", choices=["", "0", "1"], default="", help="1: delete untracked/edited files too"
    )
    commands.add_parser("update", help="3-way merge today's templates into a module").add_argument("name")
    commands.add_parser("update-all", help="update every module; a summary per module")
    commands.add_parser("adopt", help="record a hand-written module's answers and base").add_argument("name")
    commands.add_parser("record", help="remember generated files as formatted").add_argument("name")
    pr = commands.add_parser("pr", help="branch, scaffold, commit, push and open a pull request")
    pr.add_argument("name")
    _module_options(pr)
    check = commands.add_parser("check", help="check modules' structure")
    check.add_argument("names", nargs="*", help="modules to check (default: all)")
    validate = commands.add_parser("validate", help="check a make variable names a module (or a new one)")
    validate.add_argument("name")
    validate.add_argument("--new", action="store_true", help="the name is for a module to create")
    _module_options(validate)
    validate.add_argument("--target", default="make", help="the make target, for the message")
    command, args = "?", None
    try:
        args = parser.parse_args(argv)
        command = args.command
        root = args.root.resolve()
        return _run(root, args)
    except ScaffoldError as error:
        target = getattr(args, "target", None) if command == "validate" else None
        target = target or TARGETS.get(command, f"make {command}-module" if command != "?" else "scaffold")
        print(f"{target}: {error}", file=sys.stderr)
        return 2


def _module_options(parser: argparse.ArgumentParser) -> None:
    """What make new-module takes besides M: TYPE, FEATURES, USES, SUBSCRIBES, OWNERS, DESCRIPTION."""
    parser.add_argument("--type", default="http-api")
    parser.add_argument("--features", default="")
    parser.add_argument(
        "--subscribes", default="", help="events of other modules it handles: orders.OrderConfirmed,..."
    )
    parser.add_argument("--uses", default="", help="modules whose facades it calls: a,b")
    parser.add_argument("--owners", default="", help="its owners: @org/team[,@user]")
    parser.add_argument("--description", default="", help="one line")


def _new_module_options(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """TYPE, FEATURES, USES, SUBSCRIBES, OWNERS and DESCRIPTION, each checked."""
    _check_type(args.type)
    features = parse_features(args.features, args.type)
    return {
        "module_type": args.type,
        "features": features,
        "uses": parse_uses(root, args.uses),
        "subscribes": parse_subscribes(root, args.subscribes, features, args.type),
        "owners": parse_owners(args.owners),
        "description": parse_description(args.description, args.name),
    }


def _run(root: Path, args: argparse.Namespace) -> int:
    if getattr(args, "name", None) is not None:
        args.name = as_typed("M", args.name)
    if getattr(args, "names", None) and len(args.names) == 1:
        args.names = [as_typed("M", args.names[0])]
    if args.command == "validate":
        if args.new:
            validate_module_name(args.name, root)
            _new_module_options(root, args)
        else:
            existing_module(root, args.name)
    elif args.command == "new":
        validate_module_name(args.name, root)
        new_module(
            root, args.name, **_new_module_options(root, args), show=lambda line: print(f"new-module: {line}")
        )
        print(f"new-module: created modules/{args.name}")
    elif args.command == "update":
        update = update_module(root, args.name)
        for line in update.lines:
            print(f"update-module: {line}")
        print(f"update-module: {update.summary}")
        return 1 if update.conflicts else 0
    elif args.command == "update-all":
        updates = update_modules(root)
        for update in updates:
            for line in update.lines:
                print(f"update-modules: {update.module}/{line}")
        for update in updates:
            print(f"update-modules: {update.summary}")
        return 1 if any(update.conflicts for update in updates) else 0
    elif args.command == "adopt":
        adopt_module(root, args.name)
        print(f"adopt-module: modules/{args.name} records today's templates as its base")
    elif args.command == "pr":
        validate_module_name(args.name, root)
        options = _new_module_options(root, args)
        # An argument list, not shell text; every value was checked above, so none holds a `$` for
        # make to expand.
        scaffold = [
            *("make", "--no-print-directory", "new-module", f"M={args.name}", f"TYPE={args.type}"),
            f"FEATURES={','.join(sorted(options['features']))}",
            f"USES={','.join(options['uses'])}",
            f"SUBSCRIBES={','.join(options['subscribes'])}",
            f"OWNERS={','.join(options['owners'])}",
            f"DESCRIPTION={options['description']}",
        ]
        open_module_pr(root, args.name, scaffold)
    elif args.command == "record":
        provenance.record_formatted(existing_module(root, args.name))
    elif args.command == "remove":
        remove_module(
            root, args.name, force=args.force == "1", show=lambda line: print(f"remove-module: {line}")
        )
        print(f"remove-module: removed modules/{args.name} and its registrations")
    else:
        for name in args.names:
            existing_module(root, name)
        names = args.names or module_names(root)
        problems = [problem for name in names for problem in check_module(root, name)]
        problems += [f"{path} is stale: run `make sync`" for path in _stale(root)]
        for problem in problems:
            print(f"make check-module: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"check-module: {', '.join(names)} comply")
    return 0


def _stale(root: Path) -> list[Path]:
    try:
        return sync.stale(root)
    except ManifestError:
        return []  # check_module reports the broken manifest itself


def _check_type(module_type: str | None) -> None:
    if module_type is not None and module_type not in TYPES:
        raise ScaffoldError(f"unknown TYPE '{module_type}'; available: {', '.join(TYPES)}.")


if __name__ == "__main__":
    raise SystemExit(main())
