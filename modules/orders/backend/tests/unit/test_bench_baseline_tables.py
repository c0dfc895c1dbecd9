"""`make bench`'s bare baseline (stack/bench/probes/bare_orders.py) repeats these tables, since a
module's internals are private to it; this test fails the moment the two differ, so the kit-vs-bare
comparison never quietly measures a different schema."""

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from bench.probes import bare_orders
from orders.backend.repository.tables import Base


def ddl(metadata: MetaData) -> list[str]:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    statements = []
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        statements += sorted(str(CreateIndex(i).compile(dialect=dialect)) for i in table.indexes)
    return statements


def test_the_bench_baseline_declares_orders_tables_exactly() -> None:
    assert ddl(bare_orders.Base.metadata) == ddl(Base.metadata)
    assert ddl(Base.metadata)  # both are non-empty: orders has tables to compare
