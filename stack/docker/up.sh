#!/usr/bin/env bash
# `make up`: every module's image and PostgreSQL under docker-compose; waits until every module is
# healthy, then prints its URL and a token for curl. Images come from `make images`.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "make up: $*" >&2; exit 1; }
compose=(docker-compose)
if docker compose version >/dev/null 2>&1; then compose=(docker compose); fi
command -v "${compose[0]}" >/dev/null || fail "docker-compose is missing; install Compose v2 or Debian's docker-compose."
docker info >/dev/null 2>&1 || fail "no Docker engine answers; start one (dockerd, or 'systemctl start docker') and retry."

modules=()
for build in modules/*/BUILD; do modules+=("$(basename "$(dirname "$build")")"); done
version="${PANTSTACK_IMAGE_VERSION:-latest}"
missing=()
for m in "${modules[@]}"; do
  docker image inspect "pantstack/$m:$m-$version" >/dev/null 2>&1 || missing+=("pantstack/$m:$m-$version")
done
if [ "${#missing[@]}" -gt 0 ]; then
  fail "no image ${missing[*]}; build them with 'make images' ('make base-image' first where no registry is reachable)."
fi
# PostgreSQL: the upstream image unless `make base-image` built one from Debian's packages.
if [ -z "${PANTSTACK_POSTGRES_IMAGE:-}" ] && docker image inspect pantstack/postgres:15 >/dev/null 2>&1; then
  export PANTSTACK_POSTGRES_IMAGE=pantstack/postgres:15
fi
# The events broker (in docker-compose.yml once a module publishes): likewise, Debian's redis-server.
if [ -z "${PANTSTACK_BROKER_IMAGE:-}" ] && docker image inspect pantstack/redis:7 >/dev/null 2>&1; then
  export PANTSTACK_BROKER_IMAGE=pantstack/redis:7
fi

# Each module signs with its own Ed25519 key, generated once into .data/keys (kept across runs) by
# service_kit.keys inside a module image, as the calling user so the private keys stay theirs (0600).
# The containers get only their own key (<MODULE>_SIGNING_KEY) and the public JWKS, mounted read-only.
keys_dir="${PANTSTACK_KEYS_DIR:-$PWD/.data/keys}"
mkdir -p "$keys_dir"
docker run --rm --user "$(id -u):$(id -g)" -v "$keys_dir:/keys" -e PEX_MODULE=service_kit.keys \
  --entrypoint /opt/app/pex "pantstack/${modules[0]}:${modules[0]}-$version" --dir /keys "${modules[@]}" dev \
  || fail "could not write the service keys into $keys_dir (see above)."
export PANTSTACK_KEYS_DIR="$keys_dir"
for m in "${modules[@]}"; do
  export "$(echo "$m" | tr '[:lower:]-' '[:upper:]_')_SIGNING_KEY=$(cat "$keys_dir/$m.pem")"
done
# The broker's password, generated once beside the keys (0600) and kept across runs; there is no
# default, and the broker refuses to start without one.
broker_password="$keys_dir/events-broker.password"
if [ ! -s "$broker_password" ]; then
  (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' >"$broker_password") \
    || fail "could not write the events broker's password into $broker_password."
fi
EVENTS_BROKER_PASSWORD="$(cat "$broker_password")"
export EVENTS_BROKER_PASSWORD

# A dependency that never gets healthy makes `up` fail; the loop below says which module and why.
"${compose[@]}" up -d --remove-orphans || echo "make up: docker-compose reported a problem; checking each module" >&2

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

echo "make up: every module is healthy; writes need a token, export these dev tokens (valid 12 h, local only):"
for m in "${modules[@]}"; do
  port="$("${compose[@]}" port "$m" 8000)"
  token="$("${compose[@]}" exec -T -e PEX_MODULE=service_kit.auth -e DEV_SIGNING_KEY="$(cat "$keys_dir/dev.pem")" "$m" \
    /opt/app/pex --caller dev --audience "$m" --dev --ttl 43200)"
  printf 'make up: %-12s http://%s  (API docs: http://%s/api/docs)\n' "$m" "$port" "$port"
  echo "  export $(echo "$m" | tr '[:lower:]' '[:upper:]')_TOKEN=$token"
done
echo "make up: 'make logs' follows the logs; 'make down' stops and removes the containers (data stays in a volume)."
