# BUILD-file macros shared by every Pantstack module; pants.toml loads this file as a prelude.
# Each module gets the same targets from one call, so module BUILD files stay a few lines long.
#
# Which modules exist, whose facade each uses, and whether it has a database are declared once, in
# the manifests (modules/*/module.toml); `make sync` writes them into MODULES (module_registry.py).
# Preludes share one namespace, but this file runs first (Pants runs them in path order), so MODULES
# may be read only inside functions, at call time.
#
# What grows with modules: each module adds its own targets (~50, its facade's copies included), a
# copy of every stack/libs source target in its resolve (33 today) and one copy of each facade it
# uses; stack/libs tests run once. Nothing exists per pair of modules that do not use each other, so
# 100 modules make ~100 x 83 targets, where facades in every resolve alone made 100 x 100 x ~5.


# Outside modules/, who may depend on a facade: a deployable, the benchmark's probes (each stands
# in for a consumer module, in that module's resolve) and the events.json check of a publisher.
_EVENT_CONTRACTS = "//stack/tools/event_contract/**"
_FACADE_DEPLOYABLES = ("<pex_binary>", "//stack/bench/probes/**", _EVENT_CONTRACTS)


def module_resolves():
    """Every module's resolve. Shared code (stack/libs) is built once per resolve so that any module
    can depend on it."""
    return tuple(name for name, *_ in MODULES)


def module_consumers(module):
    """The modules whose declared "uses" include `module`, or that subscribe to its events: they may
    import its facade. boundaries.py narrows a subscriber without "uses" to backend/public/events."""
    return tuple(name for name, uses, _d, _t, _v, event_sources, _p in MODULES if module in uses + event_sources)


def _module_row(module):
    for row in MODULES:
        if row[0] == module:
            return row
    raise ValueError(f"modules/{module} has no row in pants-plugins/module_registry.py: run `make sync`")


def all_module_requirements():
    """Every module's requirements (3rdparty/python/BUILD), from the registry."""
    for module in module_resolves():
        module_requirements(module)


def all_module_images():
    """Every module's image (stack/docker/BUILD), at the version its manifest declares."""
    for name, _uses, _database, _type, version, _event_sources, _publishes in MODULES:
        module_image(name, version)


def module_requirements(module):
    """The third-party requirements of one module, in its own resolve and lockfile."""
    python_requirements(
        name=module,
        source=f"{module}-requirements.txt",
        resolve=module,
        # pydantic pins its pydantic-core exactly; the kit's JSON log lines use its encoder.
        module_mapping={"pydantic": ["pydantic", "pydantic_core"]},
        overrides={
            # SQLAlchemy loads its async drivers by URL at run time, so inference can't see them.
            "sqlalchemy": {
                "dependencies": [f":{module}#aiosqlite", f":{module}#asyncpg", f":{module}#greenlet"]
            },
            # Async tests run on anyio's pytest plugin, found through its entry point.
            "pytest": {"dependencies": [f":{module}#anyio"]},
            # fastapi/starlette.testclient import httpx2 lazily.
            "fastapi": {"dependencies": [f":{module}#httpx2"]},
            "starlette": {"dependencies": [f":{module}#httpx2"]},
        },
    )


def shared_library(**kwargs):
    """Code under stack/libs: usable from every module's resolve, tested once.

    The tests run in one module resolve: they need the modules' runtime requirements (FastAPI,
    SQLAlchemy), which `tools` lacks, and every module pins the same ones. Each module's own tests
    still run a changed library in that module's resolve (they depend on it, so
    `--changed-dependents=transitive` selects them).
    """
    python_sources(sources=["**/*.py", "!tests/**"], resolve=parametrize(*module_resolves()), **kwargs)
    python_test_utils(
        name="test_utils", sources=["tests/**/*.py", "!tests/**/test_*.py"], resolve=parametrize(*module_resolves())
    )
    python_tests(
        name="tests",
        sources=["tests/**/test_*.py"],
        resolve=module_resolves()[0],
        # Every library's test files share one pytest process (their fixtures are function-scoped).
        batch_compatibility_tag="stack-libs",
    )


def pantstack_module(module):
    """All targets of one service module: sources, facade, tests and its PEX, and its boundary.

    Whether it has repository migrations is its manifest's `database` (through MODULES).
    """
    _name, _uses, database, _type, _version, _event_sources, publishes = _module_row(module)
    consumers = module_consumers(module)
    facade = ("[/backend/public/**]", "[/backend/schemas/**]")
    # The facade (public/ and the schemas it exposes) is visible to this module, the modules that
    # declare they use it and _FACADE_DEPLOYABLES; everything else in modules/<module>/ is visible to
    # this module alone. The PEX is a deployable artifact: system tests, reliability checks and
    # images package it.
    __dependents_rules__(
        (facade, "/**", *[f"//modules/{name}/**" for name in consumers], *_FACADE_DEPLOYABLES, "!*"),
        (("[/events.json]", "[/module.toml]"), "/**", _EVENT_CONTRACTS, "!*"),
        ({"type": "pex_binary"}, "*"),
        ("*", "/**", "!*"),
    )
    # A facade imports no other module, so its users' resolves are all it needs: consumer sets are
    # not transitive. stack/tools/boundaries.py (make test) explains a breach with file:line.
    __dependencies_rules__((facade, "/**", "!//modules/**", "*"), ("*", "*"))
    python_sources(
        name="lib",
        sources=[
            "__init__.py",
            "backend/**/*.py",
            "!backend/public/**",
            "!backend/schemas/**",
            "!backend/tests/**",
            "!backend/repository/migrations/**",
        ],
        # Alembic loads migration scripts by file path, which inference can't follow.
        dependencies=[":migrations"] if database else [],
        resolve=module,
    )
    if database:
        python_sources(name="migrations", sources=["backend/repository/migrations/**/*.py"], resolve=module)
    # The facade is built in this module's resolve and in each consumer's, and no other.
    python_sources(
        name="public",
        sources=["backend/public/**/*.py", "backend/schemas/**/*.py"],
        resolve=parametrize(module, *consumers),
    )
    python_test_utils(
        name="test_utils",
        sources=["backend/tests/**/*.py", "!backend/tests/**/test_*.py"],
        resolve=module,
    )
    # The committed snapshot of the module's HTTP contract, checked by its contract tests.
    files(name="contract", sources=["openapi.json"])
    if publishes:
        # The snapshot of its events (and the manifest, for its version): module_event_contracts checks it.
        files(name="events_contract", sources=["events.json", "module.toml"])
    python_tests(
        name="tests",
        sources=["backend/tests/**/test_*.py", "!backend/tests/e2e/**"],
        dependencies=[":contract"],
        resolve=module,
        # A few pytest processes per module, not one per file; fixtures are function-scoped.
        batch_compatibility_tag=module,
    )
    # End-to-end tests run the packaged PEX itself. Not batched: the target is one file, and it
    # should not wait on, or share a process with, the in-process tests.
    python_tests(
        name="e2e",
        sources=["backend/tests/e2e/test_*.py"],
        resolve=module,
        runtime_package_dependencies=[f":{module}"],
        timeout=300,
        # `make test-quick` leaves the tests that run processes out (`--tag=-e2e`); CI runs them.
        tags=["e2e"],
    )
    pex_binary(
        name=module,
        entry_point=f"{module}.backend.api.main:run",
        execution_mode="venv",
        # The image build unpacks the PEX into a virtualenv with PEX_TOOLS=1 (stack/docker/Dockerfile),
        # whose HEALTHCHECK runs service_kit.healthcheck, which the app itself doesn't import; make dev
        # and make up run service_kit.keys from a PEX (PEX_MODULE) to generate the services' keys.
        include_tools=True,
        dependencies=[
            f"stack/libs/service_kit/healthcheck.py@resolve={module}",
            f"stack/libs/service_kit/keys.py@resolve={module}",
        ],
        resolve=module,
    )


def module_event_contracts():
    """Per module that publishes (stack/tools/event_contract/BUILD): the test that holds its events to
    modules/<m>/events.json, and `write_<m>`, which `make contract-accept` runs to rewrite it.

    Each is built in that module's resolve and depends on its events alone: one pair per publisher,
    nothing per pair of modules.
    """
    for name, _uses, _database, _type, _version, _event_sources, publishes in MODULES:
        if not publishes:
            continue
        # events.py as a file of the facade target (whose BUILD is two directories up).
        events = f"modules/{name}/backend/public/events.py:../../public@resolve={name}"
        python_tests(
            name=name,
            # Not named test_*.py, so that tailor asks no target of it while no module publishes.
            sources=["snapshot_check.py"],
            resolve=name,
            # By file: the visibility rule for the snapshot selects its path.
            dependencies=[events, *(f"modules/{name}/{file}:events_contract" for file in ("events.json", "module.toml"))],
            extra_env_vars=[f"EVENTS_CONTRACT_MODULE={name}"],
        )
        pex_binary(
            name=f"write_{name}",
            entry_point="event_contract.snapshot:main",
            resolve=name,
            # The events are imported by name at run time (asyncapi.published_events).
            dependencies=[events],
        )


def module_image(module, version):
    """A module's Docker image (stack/docker/BUILD), tagged <module>-<version>-<git sha> and <module>-latest.

    The shared Dockerfile names the PEX through the MODULE build arg, which inference can't read,
    so the PEX is listed here. GIT_SHA comes from the environment (`make images` sets it).
    """
    docker_image(
        name=module,
        source="Dockerfile",
        dependencies=[f"modules/{module}:{module}"],
        extra_build_args=[f"MODULE={module}", f"VERSION={version}"],
        repository=f"pantstack/{module}",
        image_tags=[f"{module}-{version}-{{build_args.GIT_SHA}}", f"{module}-latest"],
    )
