"""`make portal`: build the developer portal, print where it is. With --serve (how `make dev` runs
it), then serve it live on loopback: each --module's /ready and the recent traces of --traces."""

import argparse
import dataclasses
import sys
from pathlib import Path

from manifest import load_all
from portal.errors import PortalError
from portal.health import parse_module
from portal.live import HOST, live_server
from portal.site import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make portal", description=__doc__)
    parser.add_argument(
        "--root", type=Path, required=True, help="the repository (modules/ and its git history)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="the directory to write (replaced if a portal)"
    )
    parser.add_argument(
        "--serve", type=int, metavar="PORT", help=f"then serve the portal live on {HOST}:PORT"
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="with --serve: a running module whose /ready the pages show, e.g. inventory=http://127.0.0.1:8001",
    )
    parser.add_argument(
        "--traces", type=Path, help="with --serve: the span file whose recent traces the pages draw"
    )
    args = parser.parse_args(argv)
    if args.serve is None and (args.module or args.traces):
        parser.error("--module and --traces need --serve PORT")
    try:
        pages = build(args.root.resolve(), args.out.resolve())
        subscribers = {m.name for m in load_all(args.root.resolve()) if m.subscribes}
        modules = [parse_module(text) for text in args.module]
        modules = [dataclasses.replace(m, subscriber=m.name in subscribers) for m in modules]
    except PortalError as error:
        print(f"make portal: {error}", file=sys.stderr)
        return 1
    index = args.out.resolve() / "index.html"
    print(f"portal: {len(pages)} pages; open {index.as_uri()}", flush=True)
    if args.serve is None:
        return 0
    traces = args.traces or args.root.resolve() / ".data/traces.jsonl"
    try:
        server = live_server(args.out.resolve(), modules, traces.resolve(), args.serve)
    except OSError as error:
        print(
            f"make portal: cannot listen on {HOST}:{args.serve} ({error.strerror}); choose another port.",
            file=sys.stderr,
        )
        return 1
    print(f"portal: live at http://{HOST}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
