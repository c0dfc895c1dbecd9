#!/usr/bin/env bash
# `make base-image`: base images built from Debian's packages, for machines that cannot pull from an
# image registry. Builds
#   pantstack/python-base:bookworm  Debian bookworm (minbase) + python3 (3.11): BASE_IMAGE for `make images`
#   pantstack/postgres:15           Debian bookworm + PostgreSQL 15, started like the upstream postgres image
#   pantstack/redis:7               Debian bookworm + redis-server 7 (the events broker), run as user redis
# Needs root (debootstrap), a running Docker engine and Debian's mirror (DEBIAN_MIRROR to use another).
set -euo pipefail
cd "$(dirname "$0")"

mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
python_image="${PANTSTACK_PYTHON_BASE:-pantstack/python-base:bookworm}"
postgres_image="${PANTSTACK_POSTGRES_IMAGE:-pantstack/postgres:15}"
redis_image="${PANTSTACK_BROKER_IMAGE:-pantstack/redis:7}"

fail() { echo "make base-image: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "debootstrap needs root; run it as root (e.g. sudo make base-image)."
command -v debootstrap >/dev/null || fail "debootstrap is missing; install it: apt-get install -y debootstrap"
docker info >/dev/null 2>&1 || fail "no Docker engine answers; start one (dockerd, or 'systemctl start docker') and retry."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A minimal Debian root with `packages`, without apt's caches and lists (the image never runs apt).
rootfs() {
  local dir="$work/$1" packages="$2"
  echo "make base-image: debootstrap bookworm + $packages" >&2
  debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$mirror" >"$work/$1.log" 2>&1 \
    || { tail -20 "$work/$1.log" >&2; fail "debootstrap failed (log above)."; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
}

rootfs python python3
tar -C "$work/python" -c . | docker import --change 'CMD ["python3"]' - "$python_image" >/dev/null
echo "make base-image: built $python_image" >&2

rootfs postgres postgresql-15
pg="$work/postgres"
# The package's own cluster is not used: the entrypoint creates one in PGDATA on first start.
rm -rf "$pg/var/lib/postgresql/15" "$pg/etc/postgresql/15"
install -m 0755 postgres/entrypoint.sh "$pg/usr/local/bin/postgres-entrypoint"
mkdir -p "$pg/var/lib/postgresql/data"
chroot "$pg" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
chmod 0700 "$pg/var/lib/postgresql/data"
tar -C "$pg" -c . | docker import \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'USER postgres' \
  --change 'EXPOSE 5432' \
  --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]' \
  - "$postgres_image" >/dev/null
echo "make base-image: built $postgres_image" >&2

rootfs redis redis-server
rd="$work/redis"
# docker-compose.yml starts redis-server with its own arguments (password, AOF); the package's
# config and service files play no part. /data becomes the broker-data volume.
mkdir -p "$rd/data"
chroot "$rd" chown redis:redis /data
tar -C "$rd" -c . | docker import \
  --change 'USER redis' \
  --change 'WORKDIR /data' \
  --change 'EXPOSE 6379' \
  --change 'CMD ["redis-server", "--dir", "/data"]' \
  - "$redis_image" >/dev/null
echo "make base-image: built $redis_image" >&2
