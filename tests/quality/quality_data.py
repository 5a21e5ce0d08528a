"""Data for the quality tests: a probe table exercising every check kind, and rows for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from icespec.schema import arrow_schema
from icespec.spec import TableSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC
LATEST_UPDATE = dt.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
# One hour after the newest row: every freshness rule passes.
FRESH_NOW = LATEST_UPDATE + dt.timedelta(hours=1)

PROBE_TEMPLATE = """
name: probe
namespace: qa
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: region, type: string, required: true, access_level: public}
  - {name: status, type: string, required: true, access_level: public, checks: {accepted_values: [new, done]}}
  - {name: score, type: double, access_level: internal, checks: {min: 0, max: 1}}
  - {name: code, type: string, access_level: public, checks: {regex: '^[A-Z]{3}$', max_length: 3}}
  - {name: email, type: string, pii: true, access_level: restricted}
  - {name: secret_note, type: string, access_level: restricted}
  - name: address
    type: struct
    access_level: internal
    fields:
      - {name: country, type: string, required: true, checks: {max_length: 2}}
      - {name: street, type: string, pii: true}
  - {name: updated_at, type: timestamptz, required: true, access_level: public}
identifier_fields: [id, region]
freshness: {column: updated_at, warn_after: 1d, fail_after: 3d}
"""


def nullable(schema: pa.Schema) -> pa.Schema:
    """The same schema with every field nullable, so tests can put nulls where the spec forbids them."""

    def relax(t: pa.DataType) -> pa.DataType:
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, relax(f.type), nullable=True) for f in t])
        return t

    return pa.schema([pa.field(f.name, relax(f.type), nullable=True, metadata=f.metadata) for f in schema])


def table_from_rows(spec: TableSpec, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=nullable(arrow_schema(spec)))


def clean_probe_rows() -> list[dict]:
    return [
        {
            "id": i,
            "region": "eu" if i % 2 else "us",
            "status": "new" if i % 3 else "done",
            "score": i / 10,
            "code": "ABC",
            "email": f"person{i}@example.com",
            "secret_note": f"secret-{i}",
            "address": {"country": "DE", "street": f"Hauptstrasse {i}"},
            "updated_at": LATEST_UPDATE - dt.timedelta(hours=i - 1),
        }
        for i in range(1, 9)
    ]
