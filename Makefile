# Pantstack: every command goes through ./pants, which installs what it needs on first use.
PANTS := ./pants
TYPE ?= http-api
ENV ?=
# Variables users set (M=, TYPE=, ...) reach recipes only through the environment, as "$$M": never
# pasted into shell text, and never expanded by make either (`$(value ...)` keeps `$(shell ...)` inert).
USER_VARIABLES := M TYPE FEATURES USES SUBSCRIBES OWNERS DESCRIPTION ENV ARGS FORCE BENCH_ARGS BASE_IMAGE PEX
$(foreach variable,$(USER_VARIABLES),$(eval override $(variable) := $$(value $(variable))))
export $(USER_VARIABLES)
# check and remove need only the standard library; new renders jinja2 templates, so it runs in Pants.
SCAFFOLD := PYTHONPATH=stack/tools python3 -m scaffold.cli --root .
# Exits 2 with one line naming the rule unless $$M names an existing module.
REQUIRE_MODULE = $(SCAFFOLD) validate --target "make $@" -- "$$M"

.DEFAULT_GOAL := help
.PHONY: help test test-quick sync fmt locks package new-module gh-new-module-pr update-module update-modules adopt-module remove-module check-module contract-accept graph portal ide dev base-image images up down logs stack-preview stack-up stack-destroy affected-demo bench reliability

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# Pants 2.17 saves each MyPy run's cache to <named caches>/mypy_cache/<sha256 of the build root>/3.11
# but never creates that directory (pantsbuild/pants#19888, fixed in 2.18), so every MyPy run started
# cold: minutes per resolve on this machine. Created here before Pants runs. (3.11: the version Pants
# passes MyPy from the interpreter constraints; pyproject.toml must not set mypy's python_version.)
MYPY_CACHE_READY = mkdir -p "$${PANTS_NAMED_CACHES_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/pants/named_caches}/mypy_cache/$$(python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' '$(CURDIR)')/3.11"

# make test starts Python once for the stdlib checks (boundaries, sync --check, check-module, docs) and
# Pants once: that run's `list ::` (into TEST_ADDRESSES) is what the docs check holds Pants specs to.
TEST_ADDRESSES := dist/make-test/addresses.txt

test: ## Lint, type-check and run every test (what CI runs)
	python3 stack/tools/prechecks.py
	@mkdir -p "$(dir $(TEST_ADDRESSES))" && rm -f "$(TEST_ADDRESSES)" && $(MYPY_CACHE_READY)
	status=0; \
	$(PANTS) --list-output-file="$(TEST_ADDRESSES)" list tailor --check update-build-files --check lint check test :: || status=$$?; \
	if [ -f "$(TEST_ADDRESSES)" ]; then \
	  python3 stack/tools/docs_check.py --pants-list "$(TEST_ADDRESSES)" || { [ "$$status" -ne 0 ] || status=1; }; fi; \
	exit "$$status"

# Tests that start processes, browsers or containers; `make test` and CI run them, test-quick does not.
# (--filter-tag-regex, not --tag: Pants 2.17 applies --tag to specs but not to --changed-since's targets.)
SLOW_TAGS := e2e|system|reliability|browser|docker

# Lint and mypy see only the changed targets (a dependent's type error waits for make test), the tests
# also their dependents: an edit in orders' service no longer lints and type-checks every module and
# tool that imports orders (docs/benchmarks.md, "The edit loop").
test-quick: ## The edit loop: lint and type-check what changed since main's merge base, then run its and its dependents' unit/integration tests
	@$(MYPY_CACHE_READY)
	@base=$$(git merge-base HEAD main 2>/dev/null || git rev-parse HEAD); \
	echo "test-quick: lint and type-check the changes since $$base (committed or not), then test them and their dependents, without tests tagged $(SLOW_TAGS)"; \
	$(PANTS) --changed-since="$$base" lint check && \
	$(PANTS) --changed-since="$$base" --changed-dependents=transitive --filter-tag-regex='-^($(SLOW_TAGS))$$' test

sync: ## Regenerate every file that lists modules from modules/*/module.toml (make test fails when one is stale)
	python3 stack/tools/sync.py

fmt: ## Format and autofix all code (black, ruff --fix)
	$(PANTS) fmt fix ::

locks: ## Regenerate lockfiles: all, or one module's with M=name
	@if [ -z "$$M" ]; then $(PANTS) generate-lockfiles; \
	else $(REQUIRE_MODULE) && $(PANTS) generate-lockfiles --resolve="$$M"; fi

package: ## Build every module's PEX into dist/ (images: make images)
	$(PANTS) package modules::

new-module: ## Generate a module: M=name OWNERS=@org/team [USES=a,b] [TYPE=http-api|worker] [FEATURES=database[,events]] [SUBSCRIBES=orders.OrderConfirmed,..] [DESCRIPTION=..]
	stack/tools/scaffold/new_module.sh

gh-new-module-pr: ## Branch module/$(M), new-module, commit, push and open a PR with gh (GH_DRY_RUN=1: print the gh call)
	$(SCAFFOLD) pr --type "$$TYPE" --features "$$FEATURES" --uses "$$USES" --subscribes "$$SUBSCRIBES" --owners "$$OWNERS" \
	  --description "$$DESCRIPTION" -- "$$M"

update-module: ## 3-way merge today's templates into a module (conflicts: inline markers, listed, exit 1)
	$(REQUIRE_MODULE)
	$(PANTS) run stack/tools/scaffold:cli -- --root "$$PWD" update -- "$$M"

update-modules: ## update-module for every module, with a summary: updated, conflicts, already current
	$(PANTS) run stack/tools/scaffold:cli -- --root "$$PWD" update-all

adopt-module: ## Make a hand-written module updatable: record its answers and today's templates as its base
	$(REQUIRE_MODULE)
	$(SCAFFOLD) adopt -- "$$M"

remove-module: ## Remove a module and what new-module added for it (refuses while its facade is used; FORCE=1: untracked/edited files too)
	$(SCAFFOLD) remove --force "$$FORCE" -- "$$M"

check-module: ## Check a module's structure (all modules without M=): files, facade, registration, lockfile
	$(SCAFFOLD) check -- $${M:+"$$M"}

contract-accept: ## Accept an intended change of a module's contract: rewrites modules/$(M)/openapi.json, and events.json if it publishes
	@$(REQUIRE_MODULE)
	$(PANTS) run "modules/$$M:$$M" -- --write-openapi "$$PWD/modules/$$M/openapi.json"
	@if [ -n "$$(python3 stack/tools/manifest.py publishes "$$M")" ]; then \
	  $(PANTS) run "stack/tools/event_contract:write_$$M" -- --root "$$PWD" --module "$$M"; fi

graph: sync ## Module graph from the manifests (docs/module-graph.{mmd,svg}, written by make sync)
	python3 stack/tools/module_graph.py

portal: ## Developer portal into dist/portal/ (open index.html, no server): modules, owners, APIs, contract history, graph, Backstage catalog
	$(PANTS) run stack/tools/portal:portal -- --root "$$PWD" --out "$$PWD/dist/portal"

ide: ## Editor settings: a virtualenv per resolve (./pants export) and pyrightconfig.json, one environment per module
	python3 stack/tools/ide.py --export

dev: ## Run every module from its sources, reloading one on save (PEX=1: from PEXes); SQLite in .data/; Ctrl-C stops all
	stack/tools/dev.sh

# Docker: each module's image is built by Pants from its PEX (stack/docker); docker-compose runs them.
# Without BASE_IMAGE: the base `make base-image` built if present, else the Dockerfile's python:3.11-slim.
LOCAL_BASE_IMAGE := pantstack/python-base:bookworm

base-image: ## Build base images from Debian packages for machines without a registry: python3, PostgreSQL 15, Redis 7 (root)
	stack/docker/base-images.sh

images: ## Build module images from their PEXes (M=name: one), tagged <m>-<version>-<git sha> and <m>-latest
	@if [ -n "$$M" ]; then $(REQUIRE_MODULE); fi
	@if [ -z "$$BASE_IMAGE" ] && docker image inspect $(LOCAL_BASE_IMAGE) >/dev/null 2>&1; then \
	  export BASE_IMAGE=$(LOCAL_BASE_IMAGE); fi; \
	GIT_SHA="$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD 2>/dev/null || echo -dirty)" \
	  $(PANTS) package "stack/docker:$${M:-:}"

up: ## Run every module's image and PostgreSQL (docker-compose); waits until healthy, serves the live portal, prints URLs and tokens
	$(PANTS) package stack/tools:otlp_receiver stack/tools/portal:portal
	stack/docker/up.sh

down: ## Stop make up's portal, stop and remove the compose containers; data stays in volumes (ARGS=-v deletes it)
	set -f; stack/docker/down.sh $$ARGS

logs: ## Follow the compose services' logs (M=name: one module)
	@if [ -n "$$M" ]; then $(REQUIRE_MODULE); fi
	stack/docker/compose.sh logs -f --tail=100 $${M:+"$$M"}

# Deploy: Pulumi stacks of the platform (stack/platform) and of each module with infrastructure/.
# ENV is a platform stack config (test, prod); without M, the platform and then every module.
# ARGS go to pulumi, e.g. ARGS=--yes. stack/tools/stack.py says how programs get their Python.
# set -f: ARGS is split into words but never globbed or evaluated.
STACK = set -f; python3 stack/tools/stack.py $(1) --env "$$ENV" $${M:+--module "$$M"} -- $$ARGS

stack-preview: ## Preview infrastructure changes: ENV=test|prod [M=module]
	@$(call STACK,preview)

stack-up: ## Deploy: ENV=test|prod [M=module]; without M, the platform first, then every module
	@$(call STACK,up)

stack-destroy: ## Tear down: ENV=test|prod [M=module]; without M, every module, then the platform
	@$(call STACK,destroy)

# Affected-only selection shown on a scratch copy; .github/workflows/ci.yml runs it on main and nightly.
affected-demo: ## Show Pants selects only what one change affects (scratch copy) [M=module]
	python3 stack/tools/affected.py demo $${M:+--module "$$M"}

# Numbers, not tests: benchmarks and the full-scale reliability checks write docs/*.md.
bench: ## Benchmarks into docs/benchmarks.md: kit vs bare FastAPI, tracing cost, facade calls, PEX start, Pants scaling, images (BENCH_ARGS=--help)
	set -f; PYTHONPATH=stack:stack/libs python3 -m bench.run --root "$$PWD" $$BENCH_ARGS

reliability: ## kill -9 (with retries, SQLite and PostgreSQL), inventory down, SIGTERM, concurrency, rate limits, API fuzzing (stateful too) at full scale -> docs/reliability.md
	$(PANTS) package modules::
	$(PANTS) run stack/reliability:run -- --pex-dir "$$PWD/dist" --report "$$PWD/docs/reliability.md"
