"""The independent reader: DuckDB's Iceberg extension reads what icespec wrote, and must agree.

pyiceberg reading back what pyiceberg wrote proves little: a table whose metadata another engine
cannot read, or reads differently, passes that test. DuckDB's `iceberg_scan` shares no code with
pyiceberg (C++, its own Avro manifest and Parquet readers). It runs in its own virtual environment
(`make duckdb-iceberg-venv`) through `duckdb_iceberg_read.py`, and hands its rows back as an Arrow
IPC file; here they are compared with pyiceberg's read, row for row, as multisets.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import subprocess
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO / ".venv-duckdb-iceberg" / "bin" / "python"
SCRIPT = REPO / "scripts" / "duckdb_iceberg_read.py"


def _require_venv() -> None:
    if not VENV_PYTHON.exists():
        raise RuntimeError(
            f"DuckDB's Iceberg reader is not installed at {VENV_PYTHON}: run `make duckdb-iceberg-venv` "
            "(`make test` does it)"
        )


def read_with_duckdb(
    metadata_locations: list[str], s3: dict[str, str] | None = None
) -> list[tuple[pa.Table, list]]:
    """(rows, [[column, duckdb type], ...]) of each table, read by DuckDB's iceberg_scan."""
    _require_venv()
    with tempfile.TemporaryDirectory(prefix="duckdb-read-") as folder:
        tables = [
            {"metadata": m, "out": str(Path(folder) / f"{i}.arrow")} for i, m in enumerate(metadata_locations)
        ]
        request = Path(folder) / "request.json"
        request.write_text(json.dumps({"tables": tables, "s3": s3}))
        done = subprocess.run(
            [str(VENV_PYTHON), str(SCRIPT), str(request)], capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise AssertionError(f"DuckDB could not read the table(s):\n{done.stderr[-4000:]}")
        summaries = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        results = []
        for item, summary in zip(tables, summaries, strict=True):
            with pa.memory_map(item["out"]) as source:
                results.append((pa.ipc.open_file(source).read_all(), summary["columns"]))
        return results


def duckdb_type(field_type: Any) -> str:
    """The DuckDB type an Iceberg type reads as (DuckDB's Iceberg type mapping)."""
    from pyiceberg import types as pi

    simple = {
        pi.BooleanType: "BOOLEAN", pi.IntegerType: "INTEGER", pi.LongType: "BIGINT", pi.FloatType: "FLOAT",
        pi.DoubleType: "DOUBLE", pi.DateType: "DATE", pi.TimeType: "TIME", pi.TimestampType: "TIMESTAMP",
        pi.TimestamptzType: "TIMESTAMP WITH TIME ZONE", pi.StringType: "VARCHAR", pi.UUIDType: "UUID",
        pi.BinaryType: "BLOB", pi.FixedType: "BLOB",
    }  # fmt: skip
    for kind, name in simple.items():
        if isinstance(field_type, kind):
            return name
    if isinstance(field_type, pi.DecimalType):
        return f"DECIMAL({field_type.precision},{field_type.scale})"
    if isinstance(field_type, pi.ListType):
        return f"{duckdb_type(field_type.element_type)}[]"
    if isinstance(field_type, pi.MapType):
        return f"MAP({duckdb_type(field_type.key_type)}, {duckdb_type(field_type.value_type)})"
    if isinstance(field_type, pi.StructType):
        return "STRUCT(" + ", ".join(f"{f.name} {duckdb_type(f.field_type)}" for f in field_type.fields) + ")"
    raise ValueError(f"no DuckDB type known for {field_type}")


def canonical(value: Any) -> Any:
    """A hashable, engine-neutral form of one value (DuckDB and pyiceberg give Python values that
    differ in form only: a map as pairs or a dict, a zone object or another, a uuid as bytes or text)."""
    if isinstance(value, dict):
        return tuple(sorted((k, canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        items = [canonical(v) for v in value]
        if items and all(isinstance(v, tuple) and len(v) == 2 for v in items) and isinstance(value, list):
            return ("pairs", tuple(sorted(items, key=repr)))
        return tuple(items)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes) and len(value) == 16:
        return str(uuid.UUID(bytes=value))
    if isinstance(value, float) and value != value:
        return "NaN"
    return value


def rows_multiset(table: pa.Table, columns: list[str] | None = None) -> Counter:
    columns = columns or table.column_names
    return Counter(tuple(canonical(row[c]) for c in columns) for row in table.select(columns).to_pylist())


def assert_duckdb_reads_the_same(
    pyiceberg_table: Any, s3: dict[str, str] | None = None, expected: Counter | None = None
) -> pa.Table:
    """DuckDB's read of the table's current metadata equals pyiceberg's: row count, column names,
    an aggregate and every row (as a multiset); `expected` (a reference model) too when given."""
    pyiceberg_table.refresh()
    ours = pyiceberg_table.scan().to_arrow()
    ((theirs, duck_columns),) = read_with_duckdb([pyiceberg_table.metadata_location], s3)
    expected_columns = [[f.name, duckdb_type(f.field_type)] for f in pyiceberg_table.schema().fields]
    assert duck_columns == expected_columns, (
        f"DuckDB sees {duck_columns}, the table's schema is {expected_columns}"
    )
    assert theirs.num_rows == ours.num_rows, f"DuckDB reads {theirs.num_rows} rows, pyiceberg {ours.num_rows}"
    ours_rows, theirs_rows = rows_multiset(ours), rows_multiset(theirs)
    assert theirs_rows == ours_rows, (
        f"rows differ: only DuckDB {list((theirs_rows - ours_rows).elements())[:3]}, "
        f"only pyiceberg {list((ours_rows - theirs_rows).elements())[:3]}"
    )
    if expected is not None:
        assert theirs_rows == expected, (
            f"DuckDB differs from the model: only DuckDB {list((theirs_rows - expected).elements())[:3]}, "
            f"only the model {list((expected - theirs_rows).elements())[:3]}"
        )
    return theirs
