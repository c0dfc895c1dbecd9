#!/usr/bin/env bash
# The scaffolder end to end on a scratch copy of this repo: `make new-module` for each TYPE and
# FEATURES, Pants lint/check/test/package on the result, then `make remove-module` must leave
# the copy byte-identical to before. Run by .ci/run; takes a few minutes.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$scratch")
cd "$scratch"
git init -q && git add -A && git -c user.name=ci -c user.email=ci@example.com commit -qm scratch

for variant in "ledger OWNERS=@ci/ledger" "payments OWNERS=@ci/payments FEATURES=database USES=inventory" "jobrunner OWNERS=@ci/jobs TYPE=worker"; do
  read -r name options <<<"$variant"
  echo "scaffold check: make new-module M=$name $options"
  # shellcheck disable=SC2086
  make --no-print-directory new-module M="$name" $options
  ./pants --no-pantsd tailor --check update-build-files --check lint check test package "modules/$name::"
  make --no-print-directory check-module M="$name"
  make --no-print-directory remove-module M="$name"
  if [ -n "$(git status --porcelain)" ]; then
    echo "scaffold check: remove-module M=$name left changes:" >&2
    git status --porcelain >&2
    exit 1
  fi
done
echo "scaffold check: 3 generated modules green, and removed without a trace"
