#!/usr/bin/env bash
# `make down [ARGS=-v]`: stops make up's live portal, then stops and removes the compose containers
# (ARGS go to `docker-compose down`; -v also deletes the data volumes). Nothing of make up is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
make_target=down
# shellcheck source=stack/docker/env.sh
source stack/docker/env.sh
stop_portal
"${compose[@]}" down --remove-orphans "$@"
