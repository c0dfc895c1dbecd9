#!/usr/bin/env bash
# `make new-module`: render the module (all-or-nothing, in Python), then lock, format and snapshot
# it. If any later step fails or the run is interrupted, the module is removed again, so no half
# module is ever left behind.
# Its inputs come from the environment (make exports M, TYPE, FEATURES, USES, SUBSCRIBES, OWNERS,
# DESCRIPTION).
set -euo pipefail
name="${M-}"
options=(--type "${TYPE:-http-api}" --features "${FEATURES-}" --uses "${USES-}"
  --subscribes "${SUBSCRIBES-}" --owners "${OWNERS-}" --description "${DESCRIPTION-}")
cd "$(dirname "$0")/../../.."
scaffold() { PYTHONPATH=stack/tools python3 -m scaffold.cli --root "$PWD" "$@"; }

# Every input is checked here, on the standard library, before Pants starts.
scaffold validate --new --target "make new-module" "${options[@]}" -- "$name"
./pants run stack/tools/scaffold:cli -- --root "$PWD" new "${options[@]}" -- "$name"
undo() {
  trap - EXIT INT TERM
  echo "make new-module: could not finish $name; removing it again" >&2
  # --force: everything in modules/$name was made by this run moments ago.
  scaffold remove --force 1 -- "$name" >&2
  exit 1
}
trap undo EXIT INT TERM
# `new` copied another module's lockfile if one was generated from the same requirements
# (create.py: reuse_lockfile); a resolve from PyPI is only needed when none was.
[ -f "3rdparty/python/$name.lock" ] || ./pants generate-lockfiles --resolve="$name"
./pants fmt fix "modules/$name::"
./pants run "modules/$name:$name" -- --write-openapi "$PWD/modules/$name/openapi.json"
# A module that publishes (FEATURES=events) commits the snapshot of its events, as contract-accept writes it.
if [ -n "$(python3 stack/tools/manifest.py publishes "$name")" ]; then
  ./pants run "stack/tools/event_contract:write_$name" -- --root "$PWD" --module "$name"
fi
scaffold record -- "$name"
trap - EXIT INT TERM
echo "make new-module: modules/$name is ready; \`make test\` covers it, \`make dev\` runs it"
