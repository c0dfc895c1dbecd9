#!/usr/bin/env bash
# The Docker path as a user takes it, run by .ci/run: `make images up`, stock and an order over the
# published ports on 127.0.0.1, then `make down` must leave no container of the project behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
export COMPOSE_PROJECT_NAME=pantstack-up-down-check
trap 'make --no-print-directory down >/dev/null 2>&1 || true' EXIT

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

make --no-print-directory down
trap - EXIT
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
[ -z "$left" ] || { echo "up-down check: make down left containers: $left" >&2; exit 1; }
echo "up-down check: make images up, an order over 127.0.0.1, make down left no containers"
