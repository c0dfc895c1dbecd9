#!/usr/bin/env bash
# `make dev`: runs every module on embedded defaults (SQLite under .data/), each on its own port, with
# each facade it uses (module.toml) pointed at its sibling, and the developer portal live beside them
# (their /ready and recent traces). A module that exits leaves the others running; Ctrl-C stops them all.
# From sources (the default): each module runs with its resolve's virtualenv (`./pants export`) under
# uvicorn's reloader (service_kit.dev_server), so saving a file under modules/<m>/ restarts <m> alone.
# PEX=1: builds every module's PEX and runs those instead, as `make up` and deploys do.
set -euo pipefail
cd "$(dirname "$0")/../.."

base_port="${DEV_BASE_PORT:-8001}"
# DEV_PEX_DIR: run PEXes already built into that directory (laid out like dist/) instead of building;
# the system tests use it to run this script on the PEXes under test.
pex_dir="${DEV_PEX_DIR:-dist}"
from_sources=1
if [ -n "${DEV_PEX_DIR:-}" ] || [ "${PEX:-}" = 1 ]; then from_sources=0; fi
modules=()
if [ -n "${DEV_PEX_DIR:-}" ]; then
  for pex in "$pex_dir"/modules.*/*.pex; do [ -e "$pex" ] && modules+=("$(basename "$pex" .pex)"); done
else
  for build in modules/*/BUILD; do [ -e "$build" ] && modules+=("$(basename "$(dirname "$build")")"); done
fi
if [ "${#modules[@]}" -eq 0 ]; then
  echo "make dev: no modules under modules/ (or PEXes in DEV_PEX_DIR); create one with 'make new-module M=name'." >&2
  exit 1
fi

# From sources, a module's code comes from modules/ and stack/libs (pants.toml's source roots) and its
# third-party packages from its resolve's virtualenv: DEV_VENV_DIR/<module>/ if set (the system tests
# build them from the PEXes under test, and no Pants runs), else `./pants export`'s, re-exported only
# when missing or older than the module's lockfile.
exports=dist/export/python/virtualenvs
venv_of() {
  if [ -n "${DEV_VENV_DIR:-}" ]; then echo "$DEV_VENV_DIR/$1"; return; fi
  local found=("$exports/$1"/*/pyvenv.cfg)
  [ -e "${found[-1]}" ] && dirname "${found[-1]}"
}
if [ "$from_sources" -eq 1 ] && [ -z "${DEV_VENV_DIR:-}" ]; then
  stale=()
  for m in "${modules[@]}"; do
    venv="$(venv_of "$m" || true)"
    if [ -z "$venv" ] || [ "3rdparty/python/$m.lock" -nt "$venv/pyvenv.cfg" ]; then stale+=("--resolve=$m"); fi
  done
  # Links into Pants' cache of resolve venvs: no copy, so the first start is no slower than the PEX
  # build it replaces. (`make ide` exports mutable copies to the same place; either serves.)
  [ "${#stale[@]}" -eq 0 ] || ./pants export --py-resolve-format=symlinked_immutable_virtualenv "${stale[@]}"
  ./pants package stack/tools:otlp_receiver stack/tools/portal:portal
elif [ "$from_sources" -eq 0 ] && [ -z "${DEV_PEX_DIR:-}" ]; then
  targets=()
  for m in "${modules[@]}"; do targets+=("modules/$m:$m"); done
  ./pants package "${targets[@]}" stack/tools:otlp_receiver stack/tools/portal:portal
fi
if [ "$from_sources" -eq 1 ]; then
  for m in "${modules[@]}"; do
    if [ ! -x "$(venv_of "$m" || true)/bin/python" ]; then
      echo "make dev: no virtualenv for $m's resolve in ${DEV_VENV_DIR:-$exports}/$m:" \
        "run \`./pants export --resolve=$m\` (or \`make dev PEX=1\`)." >&2
      exit 1
    fi
  done
fi
# `in_module M PACKAGE ARGS...`: runs `python -m PACKAGE ARGS...` with module M's code and packages:
# its virtualenv's python with the source roots on PYTHONPATH, or its PEX.
source_path="$PWD/modules:$PWD/stack/libs"
in_module() {
  local m="$1" package="$2"
  shift 2
  if [ "$from_sources" -eq 1 ]; then
    PYTHONPATH="$source_path" "$(venv_of "$m")/bin/python" -m "$package" "$@"
  else
    PEX_MODULE="$package" "$pex_dir/modules.$m/$m.pex" "$@"
  fi
}

# Each service signs its calls with its own Ed25519 key and trusts the JWKS of all public keys;
# `dev` signs the curl tokens printed below. Kept across runs in .data/keys (private keys 0600);
# any module carries the generator. Rotate one with --rotate (docs/module-guide.md).
keys_dir="${DEV_KEYS_DIR:-$PWD/.data/keys}"
in_module "${modules[0]}" service_kit.keys --dir "$keys_dir" "${modules[@]}" dev
export SERVICE_JWKS_FILE="$keys_dir/public/jwks.json"
signing_key_of() { echo "$(echo "$1" | tr '[:lower:]-' '[:upper:]_')_SIGNING_KEY=$(cat "$keys_dir/$1.pem")"; }

# Facade clients read <MODULE>_URL. Each service gets the URLs of the modules its manifest `uses`,
# from the same function as docker-compose.yml and the Pulumi stacks (manifest.py dependency_urls).
# The system tests run this script on PEXes in a sandbox without the manifests: there every
# service gets every sibling's URL, as before the manifests existed.
urls_of() {
  if [ -f "modules/$1/module.toml" ]; then
    python3 stack/tools/manifest.py dev-urls "$1" "$base_port"
  else
    local port="$base_port" other
    for other in "${modules[@]}"; do
      [ "$other" = "$1" ] || echo "$(echo "$other" | tr '[:lower:]-' '[:upper:]_')_URL=http://127.0.0.1:$port"
      port=$((port + 1))
    done
  fi
}

pids=()
receiver_pid=""
portal_pid=""
stop_all() {
  trap - INT TERM EXIT
  [ "${#pids[@]}" -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  # The receiver outlives the services, so the spans they flush on the way out still land.
  [ "${#pids[@]}" -gt 0 ] && wait "${pids[@]}" 2>/dev/null || true
  [ -z "$receiver_pid" ] || kill -TERM "$receiver_pid" 2>/dev/null || true
  [ -z "$portal_pid" ] || kill -TERM "$portal_pid" 2>/dev/null || true
  wait || true
}
interrupted=0
trap 'interrupted=1' INT TERM
trap stop_all EXIT

# Traces: every service exports all its spans (OpenTelemetry's OTEL_* variables) to a local OTLP
# receiver that appends them to .data/traces.jsonl, one JSON object per span. Without the receiver's
# PEX (a DEV_PEX_DIR that lacks it) the services run untraced.
receiver="$pex_dir/stack.tools/otlp_receiver.pex"
if [ -e "$receiver" ]; then
  otlp_port="${DEV_OTLP_PORT:-4318}"
  # SIGINT ignored: Ctrl-C stops the services, then stop_all stops the receiver.
  (trap '' INT; exec "$receiver" --port "$otlp_port" --output .data/traces.jsonl) &
  receiver_pid="$!"
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" OTEL_TRACES_SAMPLER=parentbased_always_on
fi

port="$base_port"
live_modules=()
for m in "${modules[@]}"; do
  # An invalid manifest stops `make dev` here (set -e), with manifest.py's message.
  urls_text="$(urls_of "$m")"
  urls=()
  [ -z "$urls_text" ] || mapfile -t urls <<<"$urls_text"
  if [ "$from_sources" -eq 1 ]; then
    # A module reloads when its own code, the shared libraries or a facade it calls changes.
    watched=(--reload-dir "modules/$m" --reload-dir stack/libs)
    for url in "${urls[@]}"; do
      used="$(echo "${url%%_URL=*}" | tr '[:upper:]' '[:lower:]')"
      for facade in "modules/$used/backend/public" "modules/$used/backend/schemas"; do
        [ ! -d "$facade" ] || watched+=(--reload-dir "$facade")
      done
    done
    env "${urls[@]}" "$(signing_key_of "$m")" PORT="$port" PYTHONPATH="$source_path" \
      "$(venv_of "$m")/bin/python" -m service_kit.dev_server "$m" --port "$port" "${watched[@]}" &
  else
    env "${urls[@]}" "$(signing_key_of "$m")" PORT="$port" "$pex_dir/modules.$m/$m.pex" &
  fi
  pids+=("$!")
  live_modules+=(--module "$m=http://127.0.0.1:$port")
  printf 'make dev: %-12s http://127.0.0.1:%s  (API docs: http://127.0.0.1:%s/api/docs)\n' "$m" "$port" "$port"
  port=$((port + 1))
done
# The developer portal, live (stack/tools/portal/live.py): make portal's pages on loopback, showing
# each module's /ready and the recent traces. Without the portal's PEX (a DEV_PEX_DIR that lacks
# it) there is none; if it cannot be built or serve, it says why and the services run on.
portal="$pex_dir/stack.tools.portal/portal.pex"
if [ -e "$portal" ]; then
  portal_port="${DEV_PORTAL_PORT:-$((base_port - 1))}"
  # SIGINT ignored, as the receiver's: stop_all stops it.
  (trap '' INT; exec "$portal" --root "$PWD" --out "$PWD/dist/portal" --serve "$portal_port" \
    --traces .data/traces.jsonl "${live_modules[@]}") &
  portal_pid="$!"
  echo "make dev: the portal, live: http://127.0.0.1:$portal_port/  (each module's /ready and recent traces)"
fi
echo "make dev: writes need a service token; for curl, export these dev tokens (valid 12 h, local only):"
for m in "${modules[@]}"; do
  token=$(in_module "$m" service_kit.auth \
    --caller dev --key-file "$keys_dir/dev.pem" --audience "$m" --dev --ttl 43200)
  echo "  export $(echo "$m" | tr '[:lower:]' '[:upper:]')_TOKEN=$token"
done
[ -z "$receiver_pid" ] || echo "make dev: traces in .data/traces.jsonl (one JSON object per span)."
echo "make dev: data in .data/; press Ctrl-C to stop all services."

# A module that exits (a crash, or stopped on purpose) leaves the others running, so the rest of the
# system, and the portal showing that module down, can be looked at; make dev ends on Ctrl-C, or
# once no module is left.
declare -A module_of=()
for i in "${!pids[@]}"; do module_of[${pids[$i]}]="${modules[$i]}"; done
while [ "$interrupted" -eq 0 ] && [ "${#module_of[@]}" -gt 0 ]; do
  status=0
  wait -n -p exited "${!module_of[@]}" || status=$?
  # No pid: a signal (Ctrl-C) ended the wait, and the loop's condition sees it.
  if [ -z "${exited:-}" ] || [ "$interrupted" -eq 1 ]; then continue; fi
  echo "make dev: ${module_of[$exited]} exited (status $status); the other services keep running (Ctrl-C stops them)." >&2
  unset "module_of[$exited]"
done
if [ "$interrupted" -eq 1 ]; then
  echo "make dev: stopping all services."
  exit 0
fi
echo "make dev: no service is running any more; stopping." >&2
exit 1
