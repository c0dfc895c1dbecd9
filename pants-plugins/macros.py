# BUILD-file macros shared by every Pantstack module; pants.toml loads this file as a prelude.
# Each module gets the same targets from one call, so module BUILD files stay a few lines long.

# Every module's resolve. Shared code (stack/libs) and modules' public facades are built
# once per resolve so that any module can depend on them.
MODULE_RESOLVES = ("inventory", "orders", "shipping")


def module_requirements(module):
    """The third-party requirements of one module, in its own resolve and lockfile."""
    python_requirements(
        name=module,
        source=f"{module}-requirements.txt",
        resolve=module,
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
    """Code under stack/libs: usable from every module's resolve."""
    python_sources(sources=["**/*.py", "!tests/**"], resolve=parametrize(*MODULE_RESOLVES), **kwargs)
    python_test_utils(
        name="test_utils", sources=["tests/**/*.py", "!tests/**/test_*.py"], resolve=parametrize(*MODULE_RESOLVES)
    )
    python_tests(
        name="tests",
        sources=["tests/**/test_*.py"],
        resolve=parametrize(*MODULE_RESOLVES),
    )


def pantstack_module(module, database=True):
    """All targets of one service module: sources, facade, tests and its PEX, and its boundary.

    database=False: the module has no repository migrations (generated without FEATURES=database).
    """
    # Other modules may use only the facade (public/ and the schemas it exposes); everything
    # else in modules/<module>/ is visible to this module alone. Tests follow the same rules.
    # The PEX is a deployable artifact, so system tests may package and run it.
    __dependents_rules__(
        (("[/backend/public/**]", "[/backend/schemas/**]"), "*"),
        ({"type": "pex_binary"}, "*"),
        ("*", "/**", "!*"),
    )
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
    # The facade (and the schemas it exposes) is what other modules may import,
    # so it is built in every module's resolve.
    python_sources(
        name="public",
        sources=["backend/public/**/*.py", "backend/schemas/**/*.py"],
        resolve=parametrize(*MODULE_RESOLVES),
    )
    python_test_utils(
        name="test_utils",
        sources=["backend/tests/**/*.py", "!backend/tests/**/test_*.py"],
        resolve=module,
    )
    # The committed snapshot of the module's HTTP contract, checked by its contract tests.
    files(name="contract", sources=["openapi.json"])
    python_tests(
        name="tests",
        sources=["backend/tests/**/test_*.py", "!backend/tests/e2e/**"],
        dependencies=[":contract"],
        resolve=module,
    )
    # End-to-end tests run the packaged PEX itself.
    python_tests(
        name="e2e",
        sources=["backend/tests/e2e/test_*.py"],
        resolve=module,
        runtime_package_dependencies=[f":{module}"],
        timeout=300,
    )
    pex_binary(
        name=module,
        entry_point=f"{module}.backend.api.main:run",
        execution_mode="venv",
        # The image build unpacks the PEX into a virtualenv with PEX_TOOLS=1 (stack/docker/Dockerfile),
        # whose HEALTHCHECK runs service_kit.healthcheck, which the app itself doesn't import.
        include_tools=True,
        dependencies=[f"stack/libs/service_kit/healthcheck.py@resolve={module}"],
        resolve=module,
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
