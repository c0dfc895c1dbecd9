#!/usr/bin/env bash
# The Docker path as a user takes it, run by .ci/run: `make images up`, stock and an order over the
# published ports on 127.0.0.1, every module ready in the live portal it printed, then `make down`
# must leave no container of the project and no portal behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
export COMPOSE_PROJECT_NAME=pantstack-up-down-check
# `make down` keeps the project's volumes, as it should for a user. This check starts from none and
# leaves none: a PostgreSQL volume from an earlier checkout holds that checkout's generated
# passwords, and the databases job of this one then cannot log in (a CI run failed on it).
remove_volumes() {
  docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" | xargs -r docker volume rm >/dev/null ||
    echo "up-down check: could not remove the volumes of $COMPOSE_PROJECT_NAME" >&2
}
trap 'make --no-print-directory down >/dev/null 2>&1 || true; remove_volumes' EXIT
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
[ -z "$left" ] || docker rm -f $left >/dev/null
remove_volumes

make --no-print-directory images
make --no-print-directory up | tee dist/make-up.log
eval "$(grep -E '^  export [A-Z_]+_TOKEN=' dist/make-up.log)"
sku="sku-$RANDOM"
curl -fsS -X PUT "http://127.0.0.1:8001/api/v1/products/$sku" -H "Authorization: Bearer $INVENTORY_TOKEN" \
  -H 'content-type: application/json' -d '{"on_hand": 5}' >/dev/null
order=$(curl -fsS -X POST http://127.0.0.1:8002/api/v1/orders -H "Authorization: Bearer $ORDERS_TOKEN" \
  -H 'content-type: application/json' -d "{\"customer_id\": \"c1\", \"items\": [{\"product_id\": \"$sku\", \"quantity\": 2}]}")
echo "up-down check: placed $order"
available=$(curl -fsS "http://127.0.0.1:8001/api/v1/products/$sku" | python3 -c 'import json,sys; print(json.load(sys.stdin)["available"])')
[ "$available" = 3 ] || { echo "up-down check: expected 3 available after reserving 2 of 5, got $available" >&2; exit 1; }
portal=$(grep -oE 'the portal, live: http://127\.0\.0\.1:[0-9]+/' dist/make-up.log | grep -oE 'http://.*')
[ -n "$portal" ] || { echo "up-down check: make up printed no live portal URL" >&2; exit 1; }
statuses=$(curl -fsS "${portal}live/health.json" | python3 -c 'import json,sys; print(" ".join(sorted(m["module"] + "=" + m["status"] for m in json.load(sys.stdin)["modules"])))')
echo "up-down check: the live portal at $portal shows $statuses"
case "$statuses" in *=down*|*"not ready"*|"") echo "up-down check: a module is not ready in the portal" >&2; exit 1;; esac

make --no-print-directory down
trap remove_volumes EXIT
if curl -fsS -o /dev/null "$portal" 2>/dev/null; then echo "up-down check: the portal still answers after make down" >&2; exit 1; fi
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
[ -z "$left" ] || { echo "up-down check: make down left containers: $left" >&2; exit 1; }
echo "up-down check: make images up, an order over 127.0.0.1, the live portal, make down left no containers and no portal"
