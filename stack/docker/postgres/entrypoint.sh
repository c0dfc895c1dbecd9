#!/bin/sh
# Debian's PostgreSQL 15 started the way the upstream postgres image starts, for what compose uses:
# on first start a cluster in $PGDATA whose superuser `postgres` has $POSTGRES_PASSWORD; password
# logins over the network; listening on every interface of the container.
set -eu
bin=/usr/lib/postgresql/15/bin
: "${PGDATA:=/var/lib/postgresql/data}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD must be set to initialise the database in $PGDATA" >&2
    exit 1
  fi
  password_file="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" >"$password_file"
  "$bin/initdb" -D "$PGDATA" -U postgres --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*'
