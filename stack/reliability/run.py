"""`make reliability`: every reliability check at full scale against the packaged PEXes, and a
report of what was sent, acknowledged and found (docs/reliability.md). Exit 1 if a check fails.

    ./pants run stack/reliability:run -- --pex-dir dist --report docs/reliability.md [--quick]
"""

import argparse
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reliability import checks
from reliability.fuzz import STEPS_PER_SCENARIO, FuzzResult
from reliability.processes import MODULES, pex_path


@dataclass(frozen=True)
class Scale:
    orders_before_kill: int
    load_workers: int
    in_flight_at_sigterm: int
    parallel_reservations: int
    units_in_stock: int
    outage_attempts: int
    inventory_timeout_seconds: float
    inventory_retries: int
    fuzz_examples: int
    rate_limit_burst: int
    beyond_rate_limit: int
    honoured_retries: int
    stateful_scenarios: int
    event_confirmations: int


FULL = Scale(2000, 16, 200, 50, 10, 10, 2.0, 1, 100, 20, 40, 10, 200, 500)
# What the tests run (make test): the same checks, small.
QUICK = Scale(200, 8, 32, 50, 10, 3, 1.0, 1, 25, 5, 10, 3, 30, 100)


@dataclass
class Outcome:
    name: str
    passed: bool
    seconds: float
    rows: list[tuple[str, str]]  # (what was measured, value) for the report
    requests: int = 0  # requests the check sent to the service under test
    unexpected_5xx: int = 0  # 5xx answers, besides the 503s a downstream outage calls for
    error: str = ""


Measured = tuple[bool, list[tuple[str, str]], int, int]  # passed, rows, requests, unexpected 5xx


def _server_errors(statuses: Any, expected: int | None = None) -> int:
    return sum(count for status, count in statuses.items() if status >= 500 and status != expected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pex-dir", type=Path, required=True, help="dist/ of `./pants package modules::`")
    parser.add_argument("--report", type=Path, required=True, help="markdown file to write")
    parser.add_argument("--work-dir", type=Path, help="logs and databases (default: <pex-dir>/reliability)")
    parser.add_argument("--quick", action="store_true", help="the small scale the tests use")
    parser.add_argument("--only", help="run only the checks whose name contains this text (e.g. Events)")
    args = parser.parse_args(argv)
    try:
        for module in MODULES:
            pex_path(args.pex_dir, module)
    except FileNotFoundError as error:
        print(f"make reliability: {error}", file=sys.stderr)
        return 2
    scale = QUICK if args.quick else FULL
    work_dir = args.work_dir or args.pex_dir / "reliability"
    shutil.rmtree(work_dir, ignore_errors=True)
    outcomes = run_checks(args.pex_dir.resolve(), work_dir.resolve(), scale, args.only)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render(outcomes, scale, args.quick))
    failed = [outcome.name for outcome in outcomes if not outcome.passed]
    print(f"wrote {args.report}; logs and databases in {work_dir}", file=sys.stderr)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(outcomes)} reliability checks passed", file=sys.stderr)
    return 0


def run_checks(pex_dir: Path, work_dir: Path, scale: Scale, only: str | None = None) -> list[Outcome]:
    def durability() -> Measured:
        r = checks.durability(pex_dir, work_dir / "durability", scale.orders_before_kill, scale.load_workers)
        return (
            r.ok,
            [
                ("POSTs sent", str(r.sent)),
                ("acknowledged (201)", str(r.acknowledged)),
                ("acknowledged when kill -9 hit mid-run", str(r.acknowledged_before_kill)),
                ("in flight at the kill (no answer)", str(r.failed_by_the_kill)),
                ("other connection errors", str(len(r.errors))),
                ("acknowledged and found intact after restart", str(r.found_after_restart)),
                ("acknowledged but missing / altered", f"{len(r.missing)} / {len(r.altered)}"),
                ("stored although the 201 never arrived", str(r.stored_without_acknowledgement)),
                ("5xx seen", str(r.server_errors)),
            ],
            r.sent,
            r.server_errors,
        )

    def durability_with_retries(engine: str) -> Callable[[], Measured]:
        def run() -> Measured:
            r = checks.durability_with_retries(
                pex_dir, work_dir / f"retries-{engine}", scale.orders_before_kill, scale.load_workers, engine
            )
            return (
                r.ok,
                [
                    ("orders database", engine),
                    ("keys (one create each, retried until acknowledged)", str(r.keys)),
                    ("acknowledged (201)", str(r.acknowledged)),
                    ("acknowledged when kill -9 hit mid-run", str(r.acknowledged_before_kill)),
                    ("attempts / keys retried", f"{r.attempts} / {r.retried_keys}"),
                    ("attempts without an answer (the kill, the restart)", str(r.unanswered_attempts)),
                    (
                        f"first 201s discarded (1 key in {checks.LOSE_FIRST_ANSWER_EVERY}) and retried",
                        str(r.answers_lost),
                    ),
                    ("201s replayed from the stored first answer", str(r.replayed)),
                    ("answers", _statuses(r.statuses)),
                    ("keys given up on", str(len(r.gave_up))),
                    ("orders in the database", str(r.stored_orders)),
                    ("duplicates (orders beyond one per key)", str(r.duplicates)),
                    ("missing (acknowledged, not in the database)", str(len(r.missing))),
                ],
                r.attempts,
                r.server_errors,
            )

        return run

    def downstream(mode: str) -> Callable[[], Measured]:
        def run() -> Measured:
            r = checks.downstream_failure(
                pex_dir,
                work_dir / f"inventory-{mode}",
                mode,
                scale.outage_attempts,
                scale.inventory_timeout_seconds,
                scale.inventory_retries,
            )
            return (
                r.ok,
                [
                    ("ORDERS_INVENTORY_TIMEOUT_SECONDS / _RETRIES", f"{r.timeout_seconds:g} / {r.retries}"),
                    ("orders placed during the outage", str(r.attempts)),
                    ("answers", _statuses(r.statuses)),
                    ("slowest answer / bound", f"{r.slowest_seconds:.2f} s / {r.bound_seconds:.2f} s"),
                    ("orders stored during the outage", str(r.stored_during_outage)),
                    ("order placed after inventory came back", "201" if r.recovered else "no"),
                    ("time until then", f"{r.recovery_seconds:.1f} s"),
                    ("orders restarted", "yes" if r.orders_restarted else "no"),
                    ("INVENTORY_RESERVATION_TTL_SECONDS", f"{r.reservation_ttl_seconds:g}"),
                    ("units of the order confirmed after the outage", str(r.confirmed_units)),
                    ("units held for unconfirmed orders right then", str(r.held_unconfirmed_at_recovery)),
                    (
                        "stranded units (held, order not confirmed; from the databases) / waited",
                        f"{r.stranded_units} / {r.stranded_wait_seconds:.1f} s",
                    ),
                    ("inventory's reserved counter then", str(r.reserved_counter)),
                ],
                r.attempts,
                _server_errors(r.statuses, expected=503),
            )

        return run

    def shutdown() -> Measured:
        r = checks.graceful_shutdown(pex_dir, work_dir / "sigterm", scale.in_flight_at_sigterm)
        return (
            r.ok,
            [
                ("requests in flight at SIGTERM", str(r.in_flight)),
                ("answered / 201", f"{r.answered} / {r.created}"),
                ("connection resets", str(r.resets)),
                ("other connection errors", str(len(r.other_errors))),
                ("answers", _statuses(r.statuses)),
                ("exit status / shutdown time", f"{r.exit_code} / {r.shutdown_seconds:.1f} s"),
                ("201 orders found after restart", str(r.found_after_restart)),
            ],
            r.in_flight,
            _server_errors(r.statuses),
        )

    def concurrency() -> Measured:
        r = checks.concurrency(
            pex_dir, work_dir / "concurrency", scale.parallel_reservations, scale.units_in_stock
        )
        return (
            r.ok,
            [
                ("parallel reservations / units in stock", f"{r.parallel} / {r.units}"),
                ("succeeded (201) / refused (409)", f"{r.succeeded} / {r.refused}"),
                ("answers", _statuses(r.statuses)),
                ("connection errors", str(len(r.errors))),
                ("reserved / available afterwards", f"{r.reserved_after} / {r.available_after}"),
            ],
            r.parallel,
            _server_errors(r.statuses),
        )

    def fuzzing() -> Measured:
        results = checks.fuzzing(pex_dir, work_dir / "fuzzing", scale.fuzz_examples)
        rows = [(f"{r.module}: operations / requests / 5xx", _fuzz_counts(r)) for r in results]
        rows += [(f"{r.module}: answers", _statuses(r.statuses)) for r in results]
        rows += [
            (f"{r.module} FAILED {key}", _one_line(text)) for r in results for key, text in r.failures.items()
        ]
        requests, server_errors = sum(r.requests for r in results), sum(r.server_errors for r in results)
        return all(r.ok for r in results), rows, requests, server_errors

    def rate_limits() -> Measured:
        r = checks.rate_limits(
            pex_dir,
            work_dir / "rate-limits",
            scale.rate_limit_burst,
            scale.beyond_rate_limit,
            scale.honoured_retries,
        )
        return (
            r.ok,
            [
                ("INVENTORY_RATE_LIMIT", f"{r.per_second:g}/s, burst {r.burst}"),
                ("reads back to back / allowed / 429", f"{r.sent} / {r.allowed} / {r.limited}"),
                ("429s with Retry-After (whole seconds)", f"{r.with_retry_after} of {r.statuses[429]}"),
                ("Retry-After values", _statuses(r.retry_after_values)),
                ("retried at once: refused again", f"{r.refused_at_once} of {r.retried_at_once}"),
                ("retried after Retry-After: succeeded", f"{r.honoured_succeeded} of {r.honoured}"),
                ("answers", _statuses(r.statuses)),
            ],
            sum(r.statuses.values()),
            _server_errors(r.statuses),
        )

    def stateful_fuzzing() -> Measured:
        r = checks.stateful_fuzzing(pex_dir, work_dir / "stateful-fuzzing", scale.stateful_scenarios)
        settled_again = sum(r.linked_successes(link) for link in checks.SETTLED_AGAIN)
        rows = [
            ("scenarios / steps / 5xx", f"{r.scenarios} / {r.steps} / {r.server_errors}"),
            ("Hypothesis runs restarted (FlakyStrategyDefinition)", str(r.generation_restarts)),
            ("settled orders changed again (2xx)", str(settled_again)),
        ]
        rows += [(f"via {name}", _statuses(statuses)) for name, statuses in sorted(r.linked.items())]
        rows += [(f"FAILED {key}", _one_line(text)) for key, text in r.failures.items()]
        return r.ok and settled_again == 0, rows, r.steps, r.server_errors

    def events() -> Measured:
        r = checks.event_delivery(pex_dir, work_dir / "events", scale.event_confirmations)
        return (
            r.ok,
            [
                ("broker", "Redis Streams (redis-server, appendfsync always)"),
                ("orders confirmed (in orders' database) / asked", f"{r.confirmed} / {r.confirmations}"),
                ("kill -9 (victim at confirmation #)", ", ".join(f"{v} at {n}" for v, n in r.kills)),
                ("confirm requests / unanswered (producer down)", f"{r.attempts} / {r.unanswered}"),
                ("shipments (in shipping's database)", str(r.shipments)),
                ("lost (confirmed, no shipment)", str(len(r.lost))),
                (
                    "duplicated (beyond one per order) / of unconfirmed orders",
                    f"{r.duplicated} / {r.unexpected}",
                ),
                ("time for the last shipments after the last confirmation", f"{r.settle_seconds:.1f} s"),
                (
                    "outbox unsent / inbox pending / dead letters at the end",
                    f"{r.outbox_unsent} / {r.inbox_pending} / {r.dead_letters}",
                ),
            ],
            r.attempts,
            0,
        )

    plan: list[tuple[str, Callable[[], Measured]]] = [
        ("Durability: kill -9 under load", durability),
        (
            "Durability: kill -9, clients retrying with Idempotency-Key (SQLite)",
            durability_with_retries("sqlite"),
        ),
        (
            "Durability: kill -9, clients retrying with Idempotency-Key (PostgreSQL)",
            durability_with_retries("postgresql"),
        ),
        ("Downstream failure: inventory stopped", downstream("stopped")),
        ("Downstream failure: inventory frozen (SIGSTOP)", downstream("frozen")),
        ("Graceful shutdown: SIGTERM with requests in flight", shutdown),
        ("Concurrency: reservations racing for the last units", concurrency),
        ("Rate limits on: 429 with Retry-After, honoured", rate_limits),
        ("API fuzzing (schemathesis)", fuzzing),
        ("Stateful API fuzzing: orders create -> read -> confirm/cancel", stateful_fuzzing),
        ("Events: kill -9 of orders, shipping and the broker during confirmations", events),
    ]
    outcomes = []
    for name, check in [(name, check) for name, check in plan if only is None or only in name]:
        print(f"--- {name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            passed, rows, requests, unexpected_5xx = check()
            outcome = Outcome(name, passed, time.monotonic() - started, rows, requests, unexpected_5xx)
        except Exception:
            outcome = Outcome(name, False, time.monotonic() - started, [], error=traceback.format_exc())
        for label, value in outcome.rows:
            print(f"    {label}: {value}", file=sys.stderr)
        print(f"    {'passed' if outcome.passed else 'FAILED'} in {outcome.seconds:.1f} s", file=sys.stderr)
        if outcome.error:
            print(outcome.error, file=sys.stderr)
        outcomes.append(outcome)
    return outcomes


def _statuses(counts: Any) -> str:
    return ", ".join(f"{count}x {status}" for status, count in sorted(counts.items())) or "none"


def _fuzz_counts(result: FuzzResult) -> str:
    return f"{result.operations} / {result.requests} / {result.server_errors}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300].replace("|", "\\|")


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:  # not Linux: platform's answers stand
        pass
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("RAM", memory or "unknown"),
        ("OS", platform.platform()),
        ("Python (checks and services)", f"{platform.python_implementation()} {platform.python_version()}"),
        # The machine may be shared: its load over the run puts the timings in context.
        ("load average 1 / 5 / 15 min, when written", " / ".join(f"{load:.2f}" for load in os.getloadavg())),
    ]


def render(outcomes: list[Outcome], scale: Scale, quick: bool) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    total_requests, total_5xx = sum(o.requests for o in outcomes), sum(o.unexpected_5xx for o in outcomes)
    lines = [
        "# Reliability",
        "",
        f"Written by `make reliability` on {now}{' (--quick: test scale)' if quick else ''}. "
        f"{sum(o.passed for o in outcomes)} of {len(outcomes)} checks passed.",
        "",
        "Each check starts the modules' packaged PEXes (the artifacts that ship) as processes on",
        "loopback with SQLite files, as `make dev` runs them (one also on PostgreSQL), and drives them over",
        "HTTP. The same checks run at a small scale in `make test` (`./pants test stack/reliability::`).",
        "",
        "Reproduce:",
        "",
        "```",
        "make reliability",
        "# which runs:",
        "./pants package modules::",
        "./pants run stack/reliability:run -- --pex-dir $PWD/dist --report $PWD/docs/reliability.md",
        "```",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {label} | {value} |" for label, value in machine()],
        "",
        "## Scale",
        "",
        f"{scale.orders_before_kill} order POSTs from {scale.load_workers} threads for kill -9; "
        f"{scale.in_flight_at_sigterm} requests in flight at SIGTERM; {scale.parallel_reservations} parallel "
        f"reservations for {scale.units_in_stock} units; {scale.outage_attempts} orders per inventory "
        "outage; "
        f"{scale.fuzz_examples} fuzzed examples per operation and mode (valid, invalid; a fifth of that "
        "without a token); "
        f"the same {scale.orders_before_kill} creates from {scale.load_workers} retrying clients per "
        f"database for kill -9 with retries; a burst of {scale.rate_limit_burst} plus "
        f"{scale.beyond_rate_limit} reads and {scale.honoured_retries} honoured retries with rate limits "
        f"on; {scale.stateful_scenarios} stateful scenarios of up to {STEPS_PER_SCENARIO} steps; "
        f"{scale.event_confirmations} order confirmations with kill -9 of orders, shipping and the broker.",
        "",
        "## Results",
        "",
        "| Check | Result | Requests sent | Unexpected 5xx | Time |",
        "|---|---|---|---|---|",
        *[
            f"| {o.name} | {'passed' if o.passed else '**FAILED**'} | {o.requests} | {o.unexpected_5xx} "
            f"| {o.seconds:.1f} s |"
            for o in outcomes
        ],
        f"| **Total** | | {total_requests} | {total_5xx} | |",
    ]
    for outcome in outcomes:
        lines += ["", f"### {outcome.name}", "", "| | |", "|---|---|"]
        lines += [f"| {label} | {value} |" for label, value in outcome.rows]
        if outcome.error:
            lines += ["", "```", outcome.error.strip(), "```"]
    lines += ["", *_NOTES]
    return "\n".join(lines) + "\n"


_NOTES = [
    "## What the checks mean",
    "",
    "- **Durability**: threads POST orders over keep-alive connections; once half are acknowledged, "
    "orders gets SIGKILL (no shutdown code runs) and is restarted on the same SQLite file, and the "
    "threads send the rest; after the last POST it is killed and restarted once more. Every order "
    "answered 201 must be found with the same customer, items and quantities, still pending. Orders "
    "stored whose 201 never arrived are expected (the crash hit between commit and answer); a client "
    "retrying such a POST with its Idempotency-Key gets the first 201 again instead of a second order, "
    "which the next check measures.",
    "- **Durability with retries**: every create carries its own Idempotency-Key and each client retries "
    "it (same key, same body, exponential backoff) through connection errors, 409 in flight and 503 "
    "until it is answered 201, and discards the first 201 of every tenth create (an answer lost on "
    "the way back) and retries it too; once half are, orders gets SIGKILL and is restarted at once while the "
    "clients keep retrying. Then orders is killed again and its database is read directly: duplicates "
    "(orders beyond one per key) and missing (acknowledged keys without their order) must both be 0, "
    "and every retry of a discarded 201 must have been a replay (Idempotent-Replayed). "
    "Run on SQLite and on a throwaway PostgreSQL server (Debian's packages; ORDERS_DATABASE_URL).",
    "- **Downstream failure**: inventory is SIGKILLed (connection refused) or SIGSTOPped (connection "
    "accepted, nothing answers). Placing an order must answer 503 within "
    "ORDERS_INVENTORY_TIMEOUT_SECONDS x (1 + ORDERS_INVENTORY_RETRIES), plus the client's backoff and "
    "0.5 s, and store nothing; once inventory is back (restarted, or SIGCONT), orders, never restarted, "
    "places orders again, and confirms one. Stranded units: when a frozen inventory thaws it carries "
    "out the reservations orders already gave up on; with INVENTORY_RESERVATION_TTL_SECONDS short, the "
    "check waits out every hold and then counts, in inventory's and orders' databases, units held by "
    "reservations whose order is not confirmed: the reaper must have given every one back (0), and "
    "inventory's reserved counter must agree.",
    "- **Graceful shutdown**: requests are held inside orders (inventory frozen under them), orders gets "
    "SIGTERM, inventory is thawed: every request must be answered 201 on its own connection, no "
    "connection reset, orders exits 0, and the orders are there after a restart.",
    "- **Concurrency**: reservations of one unit each, released together by a barrier on pre-opened "
    "connections, race for fewer units: exactly as many succeed as there are units, the rest get 409, "
    "and the product ends with everything reserved and nothing available.",
    "- **API fuzzing**: schemathesis generates valid and invalid requests from each running module's "
    "/api/openapi.json, with a token and (writes must then be 401) without; checks: no 5xx, status "
    "codes, content types, headers and bodies as documented, invalid input refused. Each path is also "
    "sent the methods it lacks: 405 with an Allow header naming the methods it has.",
    "- **Rate limits on**: inventory runs with INVENTORY_RATE_LIMIT_ENABLED=true and a small "
    "INVENTORY_RATE_LIMIT; reads sent back to back get the burst through and 429 beyond it, every 429 "
    "with Retry-After in whole seconds; a retry at once is refused again, a retry once Retry-After has "
    "passed succeeds.",
    "- **Stateful API fuzzing**: schemathesis's state machine over orders follows the OpenAPI links in "
    "orders' document (create -> read -> confirm/cancel, confirm <-> cancel) with the ids orders "
    "answered, against an inventory stocked with whatever each generated order names; the same checks "
    "as above plus schemathesis's stateful ones (a created order can be read), and a confirmed or "
    "cancelled order must refuse the other transition.",
    "- **Events**: a throwaway Redis (Debian's redis-server, `appendonly yes`, `appendfsync always`) is "
    "the broker (EVENTS_BROKER_URL); orders are placed, then confirmed one by one, and at a random "
    "confirmation each of orders (the producer, whose relay moves its outbox to Redis Streams), shipping "
    "(the consumer, which creates a shipment on OrderConfirmed) and redis-server gets SIGKILL and is "
    "restarted at once on the same port and data. Confirmations that found orders down are retried (a "
    '409 "confirmed" after a lost answer counts as done). Then the databases are read directly: every '
    "order confirmed in orders' database must have exactly one shipment in shipping's (lost and "
    "duplicated 0, no shipment of another order), the outbox must have sent everything, and nothing "
    "may be dead-lettered.",
]


if __name__ == "__main__":
    raise SystemExit(main())
