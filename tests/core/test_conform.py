"""The one batch validator: casts that keep meaning are made, the rest refused (both backends)."""

from __future__ import annotations

import uuid

import pyarrow as pa
import pytest

from icespec.core.conform import conform_batch
from icespec.errors import WriteError
from icespec.schema import arrow_schema
from icespec.spec import parse_spec

SPEC = parse_spec(
    "name: t\nnamespace: n\ncolumns:\n  - {name: id, type: uuid, required: true}\n  - {name: at, type: timestamptz}\n",
    "t.yaml",
)


def test_sixteen_bytes_become_a_uuid_column():
    value = uuid.uuid4()
    batch = pa.table({"id": pa.array([value.bytes], pa.binary(16))})
    conformed = conform_batch(SPEC, batch, arrow_schema(SPEC))
    assert conformed.schema.field("id").type == arrow_schema(SPEC).field("id").type
    assert conformed.column("id").to_pylist() == [value]


def test_a_naive_timestamp_never_becomes_a_zoned_one():
    batch = pa.table(
        {"id": pa.array([uuid.uuid4().bytes], pa.binary(16)), "at": pa.array([0], pa.timestamp("us"))}
    )
    with pytest.raises(WriteError, match=r"column 'at': cannot convert timestamp\[us\]"):
        conform_batch(SPEC, batch, arrow_schema(SPEC))
