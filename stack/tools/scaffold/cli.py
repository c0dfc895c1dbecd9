"""Command line of the scaffolder (run by make: new-module, remove-module, check-module)."""

import argparse
import shlex
import sys
from pathlib import Path

from scaffold import provenance
from scaffold.check import check_module
from scaffold.create import new_module, parse_features, remove_module, update_module
from scaffold.errors import ScaffoldError
from scaffold.pull_request import open_module_pr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scaffold", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="the repository root")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="generate a module")
    new.add_argument("name")
    new.add_argument("--type", default="http-api")
    new.add_argument("--features", default="")
    commands.add_parser("remove", help="remove a module exactly").add_argument("name")
    commands.add_parser("update", help="re-apply the templates, keeping local edits").add_argument("name")
    commands.add_parser("record", help="remember generated files as formatted").add_argument("name")
    pr = commands.add_parser("pr", help="branch, scaffold, commit, push and open a pull request")
    pr.add_argument("name")
    pr.add_argument("--scaffold-command", required=True, help="the command that generates the module")
    check = commands.add_parser("check", help="check modules' structure")
    check.add_argument("names", nargs="*", help="modules to check (default: all)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "new":
            new_module(root, args.name, args.type, parse_features(args.features))
            print(f"new-module: created modules/{args.name}")
        elif args.command == "update":
            for line in update_module(root, args.name) or ["nothing to update"]:
                print(f"update-module: {line}")
        elif args.command == "pr":
            open_module_pr(root, args.name, shlex.split(args.scaffold_command))
        elif args.command == "record":
            provenance.record_formatted(root / "modules" / args.name)
        elif args.command == "remove":
            remove_module(root, args.name)
            print(f"remove-module: removed modules/{args.name} and its registrations")
        else:
            names = args.names or sorted(p.parent.name for p in (root / "modules").glob("*/BUILD"))
            problems = [problem for name in names for problem in check_module(root, name)]
            for problem in problems:
                print(f"check-module: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"check-module: {', '.join(names)} comply")
    except ScaffoldError as error:
        target = {"pr": "gh-new-module-pr"}.get(args.command, f"{args.command}-module")
        print(f"{target}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
