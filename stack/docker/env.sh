# Sourced by up.sh, down.sh and compose.sh: what docker-compose.yml needs to be read at all, the same
# for every command. It sets `compose` (v2 if present, else Debian's docker-compose 1.29), `modules`
# (from the manifests), and exports the passwords the compose file requires (${VAR:?...}, no default):
# each generated once into the keys directory (0600, like the keys beside it; .data/ is gitignored)
# and read from there on every later run, so the postgres-data volume keeps working. Per module: one
# password file and one variable.
# shellcheck shell=bash

fail() { echo "make ${make_target:-up}: $*" >&2; exit 1; }
compose=(docker-compose)
if docker compose version >/dev/null 2>&1; then compose=(docker compose); fi
command -v "${compose[0]}" >/dev/null || fail "docker-compose is missing; install Compose v2 or Debian's docker-compose."

modules=()
for manifest in modules/*/module.toml; do
  [ -e "$manifest" ] && modules+=("$(basename "$(dirname "$manifest")")")
done
[ "${#modules[@]}" -gt 0 ] || fail "no modules under modules/; create one with 'make new-module M=name'."
upper() { echo "$1" | tr '[:lower:]-' '[:upper:]_'; }

# One compose project per checkout. docker-compose names containers, the network and the
# postgres-data volume after the project, by default the directory's name: two clones both called
# `pantstack` would take over each other's containers, and one would open the other's PostgreSQL
# volume with its own .data/keys passwords (authentication failed). The project is the directory's
# name and a hash of its path; COMPOSE_PROJECT_NAME, when set, wins.
if [ -z "${COMPOSE_PROJECT_NAME:-}" ]; then
  checkout_name="$(basename "$PWD" | tr '[:upper:]' '[:lower:]' | sed -e 's/[^a-z0-9_-]/-/g' -e 's/^[^a-z0-9]*//')"
  COMPOSE_PROJECT_NAME="${checkout_name:-pantstack}-$(printf '%s' "$PWD" | sha256sum | cut -c1-8)"
  export COMPOSE_PROJECT_NAME
  # Data from before projects were per checkout lives under the directory's name alone: say how to keep it.
  if [ "${make_target:-}" = up ] && [ -n "$checkout_name" ] &&
    docker volume inspect "${checkout_name}_postgres-data" >/dev/null 2>&1 &&
    ! docker volume inspect "${COMPOSE_PROJECT_NAME}_postgres-data" >/dev/null 2>&1; then
    echo "make up: this checkout's data is now in the compose project $COMPOSE_PROJECT_NAME; the volume" \
      "${checkout_name}_postgres-data is from before, when the project was the directory's name. To keep" \
      "using it: COMPOSE_PROJECT_NAME=$checkout_name make up (and make down likewise)." >&2
  fi
fi

keys_dir="${PANTSTACK_KEYS_DIR:-$PWD/.data/keys}"
# Where make up keeps its portal's pid and log, and the services' span file.
state_dir="${PANTSTACK_UP_STATE_DIR:-$PWD/.data/up}"
mkdir -p "$keys_dir" "$state_dir"
export PANTSTACK_KEYS_DIR="$keys_dir"
export PANTSTACK_TRACES_DIR="${PANTSTACK_TRACES_DIR:-$state_dir/traces}"

# `secret VARIABLE FILE`: exports VARIABLE from FILE, writing 32 random bytes (hex) into it first if
# it is missing or empty. umask 077: the file is the caller's alone from its first byte.
secret() {
  local variable="$1" file="$keys_dir/$2"
  if [ ! -s "$file" ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' >"$file") \
      || fail "could not write $variable into $file."
  fi
  export "$variable=$(cat "$file")"
}
secret POSTGRES_PASSWORD postgres.password
secret EVENTS_BROKER_PASSWORD events-broker.password
for m in "${modules[@]}"; do secret "PANTSTACK_$(upper "$m")_DB_PASSWORD" "$m-database.password"; done

# `stop_portal`: stops the live portal make up started (its pid file), if it still runs. Only that
# process group: a pid the system has since given to another program is left alone.
portal_pid_file="$state_dir/portal.pid"
stop_portal() {
  [ -s "$portal_pid_file" ] || return 0
  local pid
  pid="$(cat "$portal_pid_file")"
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--serve"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$portal_pid_file"
}
