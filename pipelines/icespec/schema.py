"""Builders: normalized spec → pyiceberg Schema, PartitionSpec, SortOrder, properties, and Arrow.

Everything is pyiceberg's own machinery: its types, `assign_fresh_schema_ids` (the same id
assignment a catalog performs on create, so ids here equal the ids a new table gets), its
transforms, and its Arrow conversion (`schema_to_pyarrow`, which stores field ids in metadata).
"""

from __future__ import annotations

import itertools
from typing import Any

import pyarrow as pa
from pyiceberg import types as pi
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.partitioning import PARTITION_FIELD_ID_START, PartitionField, PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.table.sorting import NullOrder, SortDirection, SortField, SortOrder
from pyiceberg.transforms import parse_transform

from icespec.spec import Column, TableSpec
from icespec.spec.types import (
    IcebergType,
    ListType,
    MapType,
    PrimitiveType,
    StructType,
    to_pyiceberg_primitive,
)


def _to_pyiceberg(t: IcebergType, ids: itertools.count[int]) -> pi.IcebergType:
    if isinstance(t, PrimitiveType):
        return to_pyiceberg_primitive(t)
    if isinstance(t, StructType):
        return pi.StructType(
            *[
                pi.NestedField(
                    next(ids), f.name, _to_pyiceberg(f.type, ids), required=f.required, doc=f.doc or None
                )
                for f in t.fields
            ]
        )
    if isinstance(t, ListType):
        return pi.ListType(next(ids), _to_pyiceberg(t.element, ids), element_required=t.element_required)
    if isinstance(t, MapType):
        return pi.MapType(
            next(ids),
            _to_pyiceberg(t.key, ids),
            next(ids),
            _to_pyiceberg(t.value, ids),
            value_required=t.value_required,
        )
    raise TypeError(f"not an icespec type: {t!r}")  # the spec layer never builds one


def iceberg_field(column: Column, field_id: int, ids: itertools.count[int]) -> pi.NestedField:
    return pi.NestedField(
        field_id,
        column.name,
        _to_pyiceberg(column.iceberg_type, ids),
        required=column.required,
        doc=column.description or None,
    )


def iceberg_schema(spec: TableSpec) -> Schema:
    """The table's Iceberg schema with ids assigned as a catalog assigns them on create."""
    ids = itertools.count(1)
    provisional = Schema(
        *[iceberg_field(c, next(ids), ids) for c in spec.columns],
        identifier_field_ids=[],
    )
    identifier_ids = [provisional.find_field(name).field_id for name in spec.identifier_fields]
    provisional = Schema(*provisional.fields, identifier_field_ids=identifier_ids)
    return assign_fresh_schema_ids(provisional)


def partition_spec(spec: TableSpec, schema: Schema | None = None) -> PartitionSpec:
    schema = schema or iceberg_schema(spec)
    fields = [
        PartitionField(
            source_id=schema.find_field(p.column).field_id,
            field_id=PARTITION_FIELD_ID_START + index,
            transform=parse_transform(p.transform),
            name=p.name,
        )
        for index, p in enumerate(spec.partition_spec)
    ]
    return PartitionSpec(*fields, spec_id=0)


def sort_order(spec: TableSpec, schema: Schema | None = None) -> SortOrder:
    schema = schema or iceberg_schema(spec)
    if not spec.sort_order:
        return SortOrder(order_id=0)
    return SortOrder(
        *[
            SortField(
                source_id=schema.find_field(s.column).field_id,
                transform=parse_transform(s.transform),
                direction=SortDirection.ASC if s.direction == "asc" else SortDirection.DESC,
                null_order=NullOrder.NULLS_FIRST if s.null_order == "nulls_first" else NullOrder.NULLS_LAST,
            )
            for s in spec.sort_order
        ],
        order_id=1,
    )


def table_properties(spec: TableSpec) -> dict[str, str]:
    """Iceberg properties managed by the template (already normalized to Iceberg names)."""
    return dict(spec.properties)


def arrow_schema(spec: TableSpec, schema: Schema | None = None) -> pa.Schema:
    """PyArrow schema: field ids in field metadata, nullable = not required."""
    return schema_to_pyarrow(schema or iceberg_schema(spec), include_field_ids=True)


def inspect_document(spec: TableSpec) -> dict[str, Any]:
    """What `icespec inspect --json` prints: the spec and everything built from it."""
    schema = iceberg_schema(spec)
    return {
        "spec": spec.to_dict(),
        "schema": schema.model_dump(mode="json", by_alias=True, exclude_none=True),
        "partition_spec": partition_spec(spec, schema).model_dump(mode="json", by_alias=True),
        "sort_order": sort_order(spec, schema).model_dump(mode="json", by_alias=True),
        "properties": table_properties(spec),
        "arrow_schema": str(arrow_schema(spec, schema)),
    }
