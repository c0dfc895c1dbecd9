#!/usr/bin/env bash
# `make up`: every module's image and PostgreSQL under docker-compose; waits until every module is
# healthy, then serves the live portal on loopback and prints its URL, each module's and a token for
# curl. Images come from `make images`; passwords and keys are generated once into .data/keys.
set -euo pipefail
cd "$(dirname "$0")/../.."

make_target=up
# shellcheck source=stack/docker/env.sh
source stack/docker/env.sh
docker info >/dev/null 2>&1 || fail "no Docker engine answers; start one (dockerd, or 'systemctl start docker') and retry."

version="${PANTSTACK_IMAGE_VERSION:-latest}"
missing=()
for m in "${modules[@]}"; do
  docker image inspect "pantstack/$m:$m-$version" >/dev/null 2>&1 || missing+=("pantstack/$m:$m-$version")
done
if [ "${#missing[@]}" -gt 0 ]; then
  fail "no image ${missing[*]}; build them with 'make images' ('make base-image' first where no registry is reachable)."
fi
# The OTLP receiver (the compose file's traces service) and the portal run from their PEXes, which
# `make up` builds first (UP_PEX_DIR: PEXes laid out like dist/, as the compose system test has them).
pex_dir="${UP_PEX_DIR:-$PWD/dist}"
receiver="$pex_dir/stack.tools/otlp_receiver.pex"
portal="$pex_dir/stack.tools.portal/portal.pex"
for pex in "$receiver" "$portal"; do
  [ -e "$pex" ] || fail "no $pex; build it with './pants package stack/tools:otlp_receiver stack/tools/portal:portal' (make up does)."
done
export PANTSTACK_OTLP_RECEIVER="$receiver"
# The receiver writes the span file as the calling user, so it stays theirs.
mkdir -p "$PANTSTACK_TRACES_DIR"
export PANTSTACK_TRACES_USER="$(id -u):$(id -g)"
# PostgreSQL: the upstream image unless `make base-image` built one from Debian's packages.
if [ -z "${PANTSTACK_POSTGRES_IMAGE:-}" ] && docker image inspect pantstack/postgres:15 >/dev/null 2>&1; then
  export PANTSTACK_POSTGRES_IMAGE=pantstack/postgres:15
fi
# The events broker (in docker-compose.yml once a module publishes): likewise, Debian's redis-server.
if [ -z "${PANTSTACK_BROKER_IMAGE:-}" ] && docker image inspect pantstack/redis:7 >/dev/null 2>&1; then
  export PANTSTACK_BROKER_IMAGE=pantstack/redis:7
fi
# The traces receiver's Python: likewise, the python3 base of `make base-image`.
if [ -z "${PANTSTACK_PYTHON_IMAGE:-}" ] && docker image inspect pantstack/python-base:bookworm >/dev/null 2>&1; then
  export PANTSTACK_PYTHON_IMAGE=pantstack/python-base:bookworm
fi

# Each module signs with its own Ed25519 key, generated once into the keys directory (kept across
# runs) by service_kit.keys inside a module image, as the calling user so the private keys stay theirs
# (0600). The containers get only their own key (<MODULE>_SIGNING_KEY) and the public JWKS, mounted
# read-only. The passwords beside them come from env.sh.
docker run --rm --user "$(id -u):$(id -g)" -v "$keys_dir:/keys" -e PEX_MODULE=service_kit.keys \
  --entrypoint /opt/app/pex "pantstack/${modules[0]}:${modules[0]}-$version" --dir /keys "${modules[@]}" dev \
  || fail "could not write the service keys into $keys_dir (see above)."
for m in "${modules[@]}"; do
  export "$(upper "$m")_SIGNING_KEY=$(cat "$keys_dir/$m.pem")"
done

# A dependency that never gets healthy makes `up` fail; the loop below says which module and why.
# One slow to pass its first health checks (a loaded machine) makes compose give up on the modules
# that depend on it although it turns healthy soon after: `up -d` again starts those (it is idempotent).
attempt=1
until "${compose[@]}" up -d --remove-orphans; do
  if [ "$attempt" -ge "${UP_ATTEMPTS:-3}" ]; then
    echo "make up: docker-compose reported a problem; checking each module" >&2
    break
  fi
  echo "make up: docker-compose reported a problem; trying again in 5 s (attempt $((attempt + 1)) of ${UP_ATTEMPTS:-3})" >&2
  attempt=$((attempt + 1))
  sleep 5
done

deadline=$((SECONDS + ${UP_TIMEOUT_SECONDS:-180}))
for m in "${modules[@]}"; do
  container="$("${compose[@]}" ps -q "$m")"
  if [ -z "$container" ]; then
    "${compose[@]}" ps >&2
    fail "$m was not started (a service it depends on is not healthy, see above). 'make down' stops everything."
  fi
  while :; do
    status="$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container")"
    [ "$status" = "running healthy" ] && break
    if [ "${status%% *}" != "running" ] || [ "$SECONDS" -ge "$deadline" ]; then
      "${compose[@]}" logs --tail=30 "$m" >&2
      fail "$m is not healthy ($status); its last log lines are above. 'make down' stops everything."
    fi
    sleep 1
  done
done

# The developer portal, live (stack/tools/portal/live.py), as under make dev: make portal's pages on
# loopback with each module's /ready (through its published port) and the traces of the receiver's
# file. Its own session and a pid file, so it outlives this script and `make down` stops it. If it
# cannot be built or serve, make up says why and the services run on.
stop_portal
portal_port="${UP_PORTAL_PORT:-8000}"
live_modules=()
for m in "${modules[@]}"; do live_modules+=(--module "$m=http://$("${compose[@]}" port "$m" 8000)"); done
portal_log="$state_dir/portal.log"
setsid "$portal" --root "$PWD" --out "${UP_PORTAL_OUT:-$PWD/dist/portal}" --serve "$portal_port" \
  --traces "$PANTSTACK_TRACES_DIR/traces.jsonl" "${live_modules[@]}" </dev/null >"$portal_log" 2>&1 &
echo "$!" >"$portal_pid_file"
portal_deadline=$((SECONDS + ${UP_PORTAL_TIMEOUT_SECONDS:-120}))
until grep -q "portal: live at" "$portal_log"; do
  if ! kill -0 "$(cat "$portal_pid_file")" 2>/dev/null || [ "$SECONDS" -ge "$portal_deadline" ]; then
    tail -5 "$portal_log" >&2
    stop_portal
    echo "make up: the live portal did not start (its last lines are above); the services run on." >&2
    break
  fi
  sleep 0.2
done

echo "make up: every module is healthy; writes need a token, export these dev tokens (valid 12 h, local only):"
for m in "${modules[@]}"; do
  port="$("${compose[@]}" port "$m" 8000)"
  token="$("${compose[@]}" exec -T -e PEX_MODULE=service_kit.auth -e DEV_SIGNING_KEY="$(cat "$keys_dir/dev.pem")" "$m" \
    /opt/app/pex --caller dev --audience "$m" --dev --ttl 43200)"
  printf 'make up: %-12s http://%s  (API docs: http://%s/api/docs)\n' "$m" "$port" "$port"
  echo "  export $(upper "$m")_TOKEN=$token"
done
if [ -s "$portal_pid_file" ]; then
  echo "make up: the portal, live: http://127.0.0.1:$portal_port/  (each module's /ready and recent traces)"
fi
echo "make up: traces in $PANTSTACK_TRACES_DIR/traces.jsonl; 'make logs' follows the logs;" \
  "'make down' stops the portal and removes the containers (data stays in volumes)."
