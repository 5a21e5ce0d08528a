"""Column references of hand-written SodaCL, checked against the template before Soda runs.

Soda computes most of a table's metrics in one aggregation query, so a single extra check naming a
column the table no longer has fails that query and leaves every check of the table "not
evaluated". Each extra's column references are bound by DuckDB's SQL binder against an empty
relation with the template's Arrow schema, so the SQL is parsed by a real engine, not by us: metric
arguments (`max(amount)`, `duplicate_count(a, b)`, `values in (x) ...`), `fail condition:`,
`filter:` and `<metric> expression:` SQL, and `fail query:`/`<metric> query:` SQL against the table.

Only "column not found" counts: other binder errors (a function DuckDB lacks but Athena has, a
query joining another table) are left for the engine that runs the scan, and so are names that are
date parts in some SQL dialect (BigQuery's `DATE_TRUNC(ts, MONTH)`) or a qualified prefix naming
the table or its namespace. The first missing column of each check is reported; a missing field of
a struct is not caught.

The SQL is only bound, never run: each fragment must be exactly one SELECT (else it is left alone),
it is EXPLAINed, and the connection has no access to files or the network, with its configuration
locked, so hand-written SQL can have no effect here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from icespec.spec import TableSpec

# A metric with column arguments at the start of a check line: `max(amount) > 0`, `missing_count(a)`.
_METRIC_CALL = re.compile(r"^\s*([a-z_]+)\s*\(([^()]*)\)", re.IGNORECASE)
# A reference check: `values in (a, b) must exist in other (x, y)`: only the first list is ours.
_REFERENCE = re.compile(r"^\s*values\s+in\s*\(([^()]*)\)", re.IGNORECASE)
_NOT_FOUND = re.compile(r'Referenced column "([^"]+)" not found', re.IGNORECASE)
# In SQL over this table alone, `adress.city` binds as table.column: an unknown prefix is a column too.
_PREFIX_NOT_FOUND = re.compile(r'Referenced table "([^"]+)" not found', re.IGNORECASE)
# Metrics whose arguments are not columns of this table.
_NO_COLUMN_ARGUMENTS = {"row_count", "change", "anomaly", "anomaly_score", "distribution_difference"}
_FIRST_ARGUMENT_ONLY = {"freshness"}  # freshness(column, NOW): the second is a variable
# Identifiers some dialect takes as a date part where DuckDB sees a column (BigQuery: DATE_TRUNC(ts, MONTH)).
_DATE_PARTS = {
    "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "DAYOFWEEK", "DAYOFYEAR", "WEEK",
    "ISOWEEK", "MONTH", "QUARTER", "YEAR", "ISOYEAR", "DATE", "DATETIME", "TIME",
}  # fmt: skip
_SQL_KEYS = ("fail condition", "filter")  # SQL conditions over the table's rows


def _sql_fragments(entry: Any) -> Iterator[tuple[str, str]]:
    """(kind, SQL) pairs of one SodaCL entry to bind: 'select' lists, 'where' conditions, 'query' texts."""
    line, config = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
    line = str(line)
    reference = _REFERENCE.match(line)
    metric = _METRIC_CALL.match(line)
    if reference:
        yield "select", reference.group(1)
    elif metric and metric.group(1).lower() not in _NO_COLUMN_ARGUMENTS and metric.group(2).strip():
        arguments = metric.group(2)
        yield (
            "select",
            arguments.split(",")[0] if metric.group(1).lower() in _FIRST_ARGUMENT_ONLY else arguments,
        )
    if not isinstance(config, dict):
        return
    for key, value in config.items():
        if not isinstance(value, str):
            continue
        key = str(key).strip().lower()
        if key in _SQL_KEYS:
            yield "where", value
        elif key.endswith(" expression"):
            yield "select", value
        elif key == "fail query" or key.endswith(" query"):
            yield "query", value


def _statement(kind: str, sql: str, table: str) -> str:
    if kind == "select":
        return f'SELECT {sql} FROM "{table}"'
    if kind == "where":
        return f'SELECT * FROM "{table}" WHERE ({sql})'
    return sql


def _advice(spec: TableSpec, missing: str) -> str:
    name = missing.split(".")[-1]
    renamed = next(
        (c for c in spec.columns if c.renamed_from and c.renamed_from.lower() == name.lower()), None
    )
    if renamed is not None:
        line = spec.line_of(f"columns.{spec.columns.index(renamed)}.renamed_from")
        where = f" ({spec.source_path}:{line})" if line else ""
        return f"the column was renamed to '{renamed.name}' (renamed_from{where}): use '{renamed.name}' in the check"
    close = difflib.get_close_matches(name, [c.name for c in spec.columns], n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"the table's columns are {', '.join(c.name for c in spec.columns)}"


def _missing_column(connection: Any, spec: TableSpec, kind: str, sql: str) -> str | None:
    """The first column the fragment names that the table lacks, as DuckDB's binder sees it."""
    import duckdb

    statement = _statement(kind, sql, spec.name)
    try:
        parsed = connection.extract_statements(statement)
    except duckdb.Error:
        return None  # not SQL DuckDB can parse: the scan's engine judges it
    if len(parsed) != 1 or parsed[0].type != duckdb.StatementType.SELECT:
        return None  # one SELECT or nothing: never run anything else
    try:
        connection.execute(f"EXPLAIN {statement}")
    except duckdb.Error as exc:
        found = _NOT_FOUND.search(str(exc))
        if found is None and kind != "query":
            prefix = _PREFIX_NOT_FOUND.search(str(exc))
            if prefix and prefix.group(1).lower() not in (spec.name.lower(), spec.namespace.lower()):
                found = prefix
        if found and found.group(1).upper() not in _DATE_PARTS:
            return found.group(1)
    return None


def missing_columns(spec: TableSpec, entries: list[Any]) -> list[str | None]:
    """For each SodaCL entry, None if its column references bind, else what is wrong and what to do."""
    import duckdb
    import pyarrow as pa

    from icespec.schema import arrow_schema

    connection = duckdb.connect(config={"enable_external_access": False})
    try:
        connection.register(spec.name, pa.Table.from_batches([], schema=arrow_schema(spec)))
        connection.execute("SET lock_configuration = true")  # nothing below can turn file access back on
        problems: list[str | None] = []
        for entry in entries:
            problem = None
            for kind, sql in _sql_fragments(entry):
                missing = _missing_column(connection, spec, kind, sql)
                if missing is not None:
                    problem = f"column '{missing}' is not in table {spec.full_name}: {_advice(spec, missing)}"
                    break
            problems.append(problem)
        return problems
    finally:
        connection.close()
