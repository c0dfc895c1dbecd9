"""`make portal`: build the developer portal, print where it is."""

import argparse
import sys
from pathlib import Path

from portal.errors import PortalError
from portal.site import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make portal", description=__doc__)
    parser.add_argument(
        "--root", type=Path, required=True, help="the repository (modules/ and its git history)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="the directory to write (replaced if a portal)"
    )
    args = parser.parse_args(argv)
    try:
        pages = build(args.root.resolve(), args.out.resolve())
    except PortalError as error:
        print(f"make portal: {error}", file=sys.stderr)
        return 1
    index = args.out.resolve() / "index.html"
    print(f"portal: {len(pages)} pages; open {index.as_uri()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
