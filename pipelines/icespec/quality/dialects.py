"""What differs between the query engines Soda runs on: type names in schema checks and a few SQL functions.

Type names are the ones each engine reports in its information_schema for an Iceberg table, so a
Soda schema check compares like with like. DuckDB's are verified by the tests (the Arrow table a
pyiceberg scan returns, registered in DuckDB); Athena (engine v3) and Trino report Trino's names;
BigQuery reports GoogleSQL names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icespec.backends import BACKENDS, get_backend
from icespec.errors import SettingsError
from icespec.spec.types import IcebergType, ListType, MapType, PrimitiveType, StructType


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    name: str  # the Soda data source type: duckdb, athena, trino, bigquery
    primitives: dict[str, str]

    def type_name(self, t: IcebergType) -> str:
        if isinstance(t, PrimitiveType):
            if t.name == "decimal":
                return self._decimal(t.precision, t.scale)
            return self.primitives[t.name]
        if isinstance(t, ListType):
            return self._list(self.type_name(t.element))
        if isinstance(t, MapType):
            return self._map(self.type_name(t.key), self.type_name(t.value))
        if isinstance(t, StructType):
            return self._struct([(f.name, self.type_name(f.type)) for f in t.fields])
        raise TypeError(f"not an icespec type: {t!r}")

    # Engine-specific spellings, overridden per engine below -------------------------------------
    def _decimal(self, precision: int | None, scale: int | None) -> str:
        return f"decimal({precision},{scale})"

    def _list(self, element: str) -> str:
        return f"array({element})"

    def _map(self, key: str, value: str) -> str:
        return f"map({key}, {value})"

    def _struct(self, fields: list[tuple[str, str]]) -> str:
        return "row(" + ", ".join(f"{name} {kind}" for name, kind in fields) + ")"

    def length(self, expr: str) -> str:
        return f"length({expr})"

    def regex_matches(self, expr: str, pattern: str) -> str:
        return f"regexp_like({expr}, {_sql_string(pattern)})"

    def literal(self, value: object) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return repr(value)
        return _sql_string(str(value))


class _DuckDB(Dialect):
    def _list(self, element: str) -> str:
        return f"{element}[]"

    def _struct(self, fields: list[tuple[str, str]]) -> str:
        return "struct(" + ", ".join(f"{name} {kind}" for name, kind in fields) + ")"

    def regex_matches(self, expr: str, pattern: str) -> str:
        return f"regexp_matches({expr}, {_sql_string(pattern)})"


class _BigQuery(Dialect):
    def _decimal(self, precision: int | None, scale: int | None) -> str:
        # Iceberg decimals up to (38, 9) map to NUMERIC, wider ones to BIGNUMERIC.
        base = "NUMERIC" if (precision or 0) - (scale or 0) <= 29 and (scale or 0) <= 9 else "BIGNUMERIC"
        return f"{base}({precision}, {scale})"

    def _list(self, element: str) -> str:
        return f"ARRAY<{element}>"

    def _map(self, key: str, value: str) -> str:
        return f"ARRAY<STRUCT<key {key}, value {value}>>"

    def _struct(self, fields: list[tuple[str, str]]) -> str:
        return "STRUCT<" + ", ".join(f"{name} {kind}" for name, kind in fields) + ">"

    def length(self, expr: str) -> str:
        return f"LENGTH({expr})"

    def regex_matches(self, expr: str, pattern: str) -> str:
        return f"REGEXP_CONTAINS({expr}, r{_sql_string(pattern)})"


_TRINO_PRIMITIVES = {
    "boolean": "boolean",
    "int": "integer",
    "long": "bigint",
    "float": "real",
    "double": "double",
    "date": "date",
    "time": "time(6)",
    "timestamp": "timestamp(6)",
    "timestamptz": "timestamp(6) with time zone",
    "timestamp_ns": "timestamp(9)",
    "timestamptz_ns": "timestamp(9) with time zone",
    "string": "varchar",
    "uuid": "uuid",
    "fixed": "varbinary",
    "binary": "varbinary",
}

DUCKDB = _DuckDB(
    "duckdb",
    {
        "boolean": "boolean",
        "int": "integer",
        "long": "bigint",
        "float": "float",
        "double": "double",
        "date": "date",
        "time": "time",
        "timestamp": "timestamp",
        "timestamptz": "timestamp with time zone",
        "timestamp_ns": "timestamp_ns",
        "timestamptz_ns": "timestamp with time zone",
        "string": "varchar",
        "uuid": "blob",  # Arrow's uuid extension type reaches DuckDB 1.0 as bytes
        "fixed": "blob",
        "binary": "blob",
    },
)
ATHENA = Dialect("athena", _TRINO_PRIMITIVES)
TRINO = Dialect("trino", _TRINO_PRIMITIVES)
BIGQUERY = _BigQuery(
    "bigquery",
    {
        "boolean": "BOOL",
        "int": "INT64",
        "long": "INT64",
        "float": "FLOAT64",
        "double": "FLOAT64",
        "date": "DATE",
        "time": "TIME",
        "timestamp": "DATETIME",
        "timestamptz": "TIMESTAMP",
        "timestamp_ns": "DATETIME",
        "timestamptz_ns": "TIMESTAMP",
        "string": "STRING",
        "uuid": "BYTES",
        "fixed": "BYTES",
        "binary": "BYTES",
    },
)

DIALECTS = {d.name: d for d in (DUCKDB, ATHENA, TRINO, BIGQUERY)}


def engine_dialect(settings: Any = None) -> Dialect:
    """The SQL of the engine that scans the backend's tables where they live (its registry entry's
    `quality_engine`; docs/quality.md)."""
    if settings is None:
        return DUCKDB
    engine = get_backend(settings.backend).quality_engine
    if engine not in DIALECTS:
        raise SettingsError(f"ICESPEC_BACKEND={settings.backend!r}: icespec has no quality engine {engine!r}")
    return DIALECTS[engine]


# Derived from the registry: the scanning engine of every backend.
DIALECT_BY_BACKEND = {
    name: DIALECTS[b.quality_engine] for name, b in BACKENDS.items() if b.quality_engine in DIALECTS
}


def dialect_for(settings: Any = None) -> Dialect:
    """The SQL a scan on these settings runs in. DuckDB in process for the local backend and for
    a BigQuery emulator: bqemulator cannot run Soda's BigQuery SQL (its jobs.query ignores the
    default dataset and its INFORMATION_SCHEMA queries fail), so there the rows are read through
    the gcp backend and checked in DuckDB; real BigQuery runs Soda's BigQuery data source."""
    dialect = engine_dialect(settings)
    if settings is not None and settings.scan_in_process:
        return DUCKDB
    return dialect
