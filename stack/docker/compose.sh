#!/usr/bin/env bash
# docker-compose with what docker-compose.yml needs to be read (stack/docker/env.sh): `make logs`
# runs it; `stack/docker/compose.sh ps` and the like work the same.
set -euo pipefail
cd "$(dirname "$0")/../.."
make_target=compose
# shellcheck source=stack/docker/env.sh
source stack/docker/env.sh
exec "${compose[@]}" "$@"
