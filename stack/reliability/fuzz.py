"""API fuzzing: schemathesis generates requests from a running module's own OpenAPI document,
one operation at a time (fuzz_module) and as sequences that follow its links (fuzz_stateful).

Every operation gets valid and invalid inputs with a bearer token, and valid ones without; each
answer must not be a 5xx and must match the documented status codes, content types, headers and
body schemas; invalid input must be refused; writes without a token get a 401 problem+json.
Paths are also probed with methods they don't have: 405 naming the allowed methods in Allow.
"""

import http.client
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import Bundle, rule
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from reliability.processes import Api

OPENAPI_PATH = "/api/openapi.json"
PROBLEM_JSON = "application/problem+json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# The same, plus what needs a sequence: a resource just created can be read, a deleted one is gone.
STATEFUL_CHECKS = [*CHECKS, ensure_resource_availability, use_after_free]
# Enough for create -> read -> confirm -> read -> cancel and a few more; Hypothesis' default is 50.
STEPS_PER_SCENARIO = 10
# A run that has not covered its required links after this many times its scenarios stops anyway.
MAX_SCENARIOS_FACTOR = 4
MAX_GENERATION_RESTARTS = 5
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")


@dataclass
class FuzzResult:
    module: str
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # One message per (operation, kind of failure): the first example that showed it.
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.operations > 0 and self.server_errors == 0 and not self.failures


def fuzz_module(module: str, api: Api, max_examples: int) -> FuzzResult:
    """Fuzz every operation of one running module with `max_examples` per operation and mode."""
    result = FuzzResult(module)
    schema = schemathesis.openapi.from_url(api.url + OPENAPI_PATH, timeout=15)
    for loaded in schema.get_all_operations():
        if isinstance(loaded, Err):
            result.failures[f"invalid operation in {OPENAPI_PATH}"] = str(loaded.err())
            continue
        operation = loaded.ok()
        result.operations += 1
        authorized = {"Authorization": f"Bearer {api.token}"}
        takes_input = operation.body or any(True for _ in operation.iter_parameters())
        for mode in (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,)
        ):
            _fuzz_operation(result, api, operation, mode, authorized, max_examples)
        # Without a token: writes must answer 401, reads as documented.
        _fuzz_operation(result, api, operation, GenerationMode.POSITIVE, {}, max(5, max_examples // 5))
    _probe_unsupported_methods(result, api, schema.raw_schema)
    return result


def _fuzz_operation(
    result: FuzzResult,
    api: Api,
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    max_examples: int,
) -> None:
    label = f"{operation.label} ({mode.value}{'' if headers else ', no token'})"

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=api.url, headers=headers, timeout=15)
        result.requests += 1
        result.statuses[response.status_code] += 1
        if response.status_code >= 500:
            result.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
            if not headers and case.method.upper() in WRITE_METHODS:
                _expect_unauthorized(response.status_code, response.headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                _record(result.failures, label, failure, case)
        except AssertionError as error:
            result.failures.setdefault(f"{label}: unauthenticated write", f"{error}\n{_curl(case, headers)}")

    run()


def _expect_unauthorized(status: int, headers: dict[str, list[str]]) -> None:
    content_type = next((v[0] for k, v in headers.items() if k.lower() == "content-type"), "")
    assert status == 401, f"a write without a token answered {status}, not 401"
    assert content_type.startswith(PROBLEM_JSON), f"401 answered as {content_type!r}, not {PROBLEM_JSON}"


def _record(failures: dict[str, str], label: str, failure: Failure, case: Any) -> None:
    key = f"{label}: {failure.title}"
    if key not in failures:
        failures[key] = f"{failure.message}\n{_curl(case, {})}"


def _curl(case: Any, headers: dict[str, str]) -> str:
    try:
        return str(case.as_curl_command(headers=headers))
    except Exception as error:  # a case that can't be rendered as curl is still reported
        return f"(no curl: {error!r})"


def _probe_unsupported_methods(result: FuzzResult, api: Api, document: dict[str, Any]) -> None:
    """Each path, with each method it lacks: 405, problem+json, Allow listing the methods it has."""
    parsed = urllib.parse.urlsplit(api.url)
    for template, item in document.get("paths", {}).items():
        path = template.replace("{", "").replace("}", "")  # any value reaches the route's 405
        allowed = {method.upper() for method in item if method.upper() in HTTP_METHODS}
        for method in sorted(set(HTTP_METHODS) - allowed):
            connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=15)
            try:
                connection.request(method, path, headers={"Authorization": f"Bearer {api.token}"})
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            result.requests += 1
            result.statuses[response.status] += 1
            if response.status >= 500:
                result.server_errors += 1
            listed = {m.strip().upper() for m in (response.getheader("Allow") or "").split(",") if m.strip()}
            content_type = response.getheader("Content-Type") or ""
            if response.status != 405 or listed != allowed or not content_type.startswith(PROBLEM_JSON):
                result.failures.setdefault(
                    f"{method} {template}: unsupported method",
                    f"answered {response.status} ({content_type}) with Allow {sorted(listed)}; "
                    f"expected 405 problem+json with Allow {sorted(allowed)}",
                )


@dataclass
class StatefulResult:
    module: str
    scenarios: int = 0
    steps: int = 0
    server_errors: int = 0
    # Steps that followed an OpenAPI link, by link ("POST /x -> 201 -> GetX"), with their answers.
    linked: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    generation_restarts: int = 0  # Hypothesis stopped on FlakyStrategyDefinition and a new run went on

    @property
    def ok(self) -> bool:
        return self.steps > 0 and bool(self.linked) and self.server_errors == 0 and not self.failures

    def linked_successes(self, link_prefix: str) -> int:
        """2xx answers of the steps that followed links whose name starts with `link_prefix`."""
        return sum(
            count
            for name, statuses in self.linked.items()
            if name.startswith(link_prefix)
            for status, count in statuses.items()
            if 200 <= status < 300
        )


def fuzz_stateful(
    module: str,
    api: Api,
    scenarios: int,
    create: tuple[str, str],
    before_call: Callable[[Any], None] = lambda case: None,
    required_links: Sequence[str] = (),
) -> StatefulResult:
    """schemathesis's state machine over one running module: sequences of calls that feed each
    answer's ids into the next call through the OpenAPI links (e.g. create -> read -> confirm), with
    schemathesis's default checks, stateful ones included (a created resource can be read, a deleted
    one is gone). Every scenario may start with `create` (method, path) on valid input;
    `before_call` may prepare what a generated case needs (e.g. stock for an order). The run goes on
    past `scenarios` (up to MAX_SCENARIOS_FACTOR times as many) until every link named by a prefix in
    `required_links` has been followed to a 2xx at least once: which sequences Hypothesis draws is
    random, and a small run may otherwise never confirm an order it created."""
    result = StatefulResult(module)
    schema = schemathesis.openapi.from_url(api.url + OPENAPI_PATH, timeout=15)
    authorized = {"Authorization": f"Bearer {api.token}"}
    method, path = create
    create_operation = schema[path][method]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        # schemathesis starts scenarios only at operations whose inputs it expects to exist: an
        # order's product_id names inventory's products, which orders' own schema never produces,
        # so it would never start with a create. This rule does, on valid input.
        @rule(
            target=Bundle("catch_all"),
            case=create_operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        )
        def start_with_a_create(self, case: Any) -> Any:
            # As schemathesis's own first steps do: recorded, so its stateful checks find the parent.
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)
            self.control.record_step(step, self.recorder)
            return self.step(step)

        def setup(self) -> None:
            result.scenarios += 1

        def before_call(self, case: Any) -> None:
            before_call(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": api.url, "headers": authorized, "timeout": 15}

        def step(self, input: Any) -> Any:
            output = super().step(input)
            status = output.response.status_code
            result.steps += 1
            result.server_errors += status >= 500
            if input.transition is not None and input.is_applied:
                result.linked.setdefault(input.transition.id, Counter())[status] += 1
            return output

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(
                    response,
                    checks=STATEFUL_CHECKS,
                    headers=authorized,
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except FailureGroup as group:
                for failure in group.exceptions:
                    _record(result.failures, f"{case.operation.label} (stateful)", failure, case)

    def covered() -> bool:
        return all(result.linked_successes(link) > 0 for link in required_links)

    def wanted() -> int:
        if result.scenarios < scenarios:
            return scenarios - result.scenarios
        if covered() or result.scenarios >= scenarios * MAX_SCENARIOS_FACTOR:
            return 0
        return max(1, scenarios // 2)

    while wanted():
        try:
            Workflow.run(
                settings=settings(
                    max_examples=wanted(),
                    stateful_step_count=STEPS_PER_SCENARIO,
                    deadline=None,
                    database=None,
                    derandomize=False,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
            )
        except FlakyStrategyDefinition:
            # Which rules can run depends on what the live server answered, so Hypothesis may see
            # a scenario's choices play out differently and stop; the run goes on with a fresh one.
            result.generation_restarts += 1
            if result.generation_restarts > MAX_GENERATION_RESTARTS:
                raise
    return result
