#!/usr/bin/env bash
# The scaffolder end to end on a scratch copy of this repo: `make new-module` for each TYPE and
# FEATURES, then `make update-module` of a template change, then one Pants lint/check/test/package
# run over all the generated modules (one Pants start, their work in parallel), then
# `make remove-module`, newest first: each removal must leave the copy byte-identical to the commit
# made just before that module was generated. Run by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
# One scratch path for every run on this machine, from any checkout: Pants keys its MyPy cache (and
# the MyPy processes it caches) by the build root's path, so a path per run, or per checkout as
# before (a clean clone's CI run is a new checkout), re-checked FastAPI, pydantic and SQLAlchemy
# for all three generated resolves cold. From one path, a rerun of unchanged templates hits Pants'
# caches like `make test` does, whichever checkout runs it. A lock keeps two runs apart.
scratch="${TMPDIR:-/tmp}/pantstack-scratch-check"
exec 9>"$scratch.lock"
if ! flock -n 9; then
  echo "scaffold check: another scratch check is running (lock $scratch.lock); waiting for it" >&2
  flock 9
fi
rm -rf "$scratch" && mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$scratch")
cd "$scratch"
commit() { git add -A && git -c user.name=ci -c user.email=ci@example.com commit -qm "$1"; }
took() { echo "scaffold check: $1 took $((SECONDS - $2)) s"; }
git init -q && commit scratch

variants=("ledger OWNERS=@ci/ledger" "payments OWNERS=@ci/payments FEATURES=database,events USES=inventory SUBSCRIBES=orders.OrderConfirmed" "jobrunner OWNERS=@ci/jobs TYPE=worker")
names=() specs=()
for variant in "${variants[@]}"; do
  read -r name options <<<"$variant"
  git tag "before-$name"
  echo "scaffold check: make new-module M=$name $options"
  started=$SECONDS
  # shellcheck disable=SC2086
  make --no-print-directory new-module M="$name" $options
  took "make new-module M=$name" "$started"
  make --no-print-directory check-module M="$name"
  commit "$name"
  names+=("$name") specs+=("modules/$name::")
done

# make update-module end to end, through the scaffold CLI's PEX as users run it: a committed template
# change must reach a module generated before it, formatted with black and ruff as `make fmt` does
# (until 2026-12-02 the CLI's PEX could not find ruff's binary, and every update that rendered
# anything failed). Undone before the lint and test run, so the removals compare as before.
git tag before-update
template=stack/tools/scaffold/templates/http-api/backend/service/exceptions.py.jinja
marker="# scratch check: a template change reaches ${names[0]} through make update-module"
printf '%s\n' "$marker" >>"$template"
commit "template change"
started=$SECONDS
make --no-print-directory update-module M="${names[0]}"
took "make update-module M=${names[0]}" "$started"
if ! grep -qxF "$marker" "modules/${names[0]}/backend/service/exceptions.py"; then
  echo "scaffold check: make update-module M=${names[0]} did not merge the template change into" \
    "modules/${names[0]}/backend/service/exceptions.py" >&2
  exit 1
fi
git reset -q --hard before-update

# The directory Pants 2.17 saves the MyPy cache to but never creates (the Makefile's MYPY_CACHE_READY).
mkdir -p "${PANTS_NAMED_CACHES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pants/named_caches}/mypy_cache/$(
  python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$(pwd -P)")/3.11"
started=$SECONDS
# On the pantsd the new-module runs started (its scheduler already holds the three modules).
./pants tailor --check update-build-files --check lint check test package "${specs[@]}"
took "lint, check, test and package of ${names[*]}" "$started"
started=$SECONDS

for ((i = ${#names[@]} - 1; i >= 0; i--)); do
  name="${names[$i]}"
  make --no-print-directory remove-module M="$name"
  git add -A
  if ! git diff --cached --quiet "before-$name"; then
    echo "scaffold check: remove-module M=$name did not restore the tree from before new-module:" >&2
    git diff --cached --stat "before-$name" >&2
    exit 1
  fi
  git reset -q --hard "before-$name"
done
took "make remove-module of ${names[*]}" "$started"
echo "scaffold check: ${#names[@]} generated modules green, and removed without a trace"
