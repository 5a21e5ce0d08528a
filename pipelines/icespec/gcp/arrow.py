"""Arrow ↔ BigQuery shapes: what a load job accepts, and back to the template's Arrow schema.

BigQuery has no MAP, no 32-bit numbers, no UUID and no nanoseconds, and an ARRAY can neither be
NULL nor hold NULL. Going in, values are widened or re-shaped without loss; a NULL list is stored
as [] (counted and reported by the writer); anything that would lose data (NULL elements,
nanoseconds) is refused with the column path. Coming out, values are narrowed with checked casts.
"""

from __future__ import annotations

import logging
import uuid

import pyarrow as pa
import pyarrow.compute as pc

from icespec.errors import WriteError

logger = logging.getLogger(__name__)


class UnwritableData(WriteError):
    """A batch holds values BigQuery cannot store as given; the message names the column."""


def _combine(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def to_bigquery_array(array: pa.Array | pa.ChunkedArray, path: str) -> pa.Array:
    """A load-job-friendly copy of `array` (column `path`, for messages)."""
    array = _combine(array)
    t = array.type
    if isinstance(t, pa.ExtensionType):
        if t.extension_name == "arrow.uuid":
            texts = [None if v is None else str(uuid.UUID(bytes=v)) for v in array.storage.to_pylist()]
            return pa.array(texts, pa.string())
        return to_bigquery_array(array.storage, path)
    if pa.types.is_map(t):
        entries = pa.StructArray.from_arrays(
            [to_bigquery_array(array.keys, f"{path}.key"), to_bigquery_array(array.items, f"{path}.value")],
            names=["key", "value"],
        )
        return _rebuild_list(array, entries, path, what="map")
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        values = array.flatten()
        if values.null_count:
            raise UnwritableData(
                f"column '{path}' has {values.null_count} null list element(s): BigQuery arrays cannot hold "
                "NULL; drop them or wrap the element in a struct"
            )
        return _rebuild_list(array, to_bigquery_array(values, f"{path}[]"), path, what="list")
    if pa.types.is_struct(t):
        children = [
            to_bigquery_array(array.field(i), f"{path}.{t.field(i).name}") for i in range(t.num_fields)
        ]
        return pa.StructArray.from_arrays(
            children, names=[t.field(i).name for i in range(t.num_fields)], mask=array.is_null()
        )
    if pa.types.is_timestamp(t) and t.unit == "ns":
        nanos = array.cast(pa.int64())
        sub_micro = pc.sum(pc.not_equal(pc.multiply(pc.divide(nanos, 1000), 1000), nanos)).as_py()
        if sub_micro:
            raise UnwritableData(
                f"column '{path}' has {sub_micro} timestamp(s) with nanoseconds: BigQuery stores microseconds; "
                "round them before writing (nothing was written)"
            )
        return array.cast(pa.timestamp("us", tz=t.tz), safe=False)
    if pa.types.is_integer(t):
        return array.cast(pa.int64())
    if pa.types.is_floating(t):
        return array.cast(pa.float64())
    if pa.types.is_large_string(t):
        return array.cast(pa.string())
    if pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return array.cast(pa.binary())
    return array


def _rebuild_list(array: pa.Array, values: pa.Array, path: str, what: str) -> pa.Array:
    """Same lists over converted `values`; a NULL list becomes [] (BigQuery has no NULL ARRAY)."""
    if array.null_count:
        logger.warning(
            "column '%s': %d null %s(s) written as empty (BigQuery has no NULL ARRAY)",
            path,
            array.null_count,
            what,
        )
    offsets = array.offsets.cast(pa.int32())
    start = offsets[0].as_py()
    return pa.ListArray.from_arrays(
        pc.subtract(offsets, start), values.slice(start, offsets[-1].as_py() - start)
    )


def null_list_count(table: pa.Table) -> int:
    """Top-level and nested NULL lists/maps in `table`: the writer reports how many became empty."""

    def count(array: pa.Array) -> int:
        t = array.type
        if isinstance(t, pa.ExtensionType):
            return 0
        if pa.types.is_map(t):
            return int(array.null_count) + count(array.keys) + count(array.items)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return int(array.null_count) + count(array.flatten())
        if pa.types.is_struct(t):
            return sum(count(array.field(i)) for i in range(t.num_fields))
        return 0

    return sum(count(_combine(table.column(name))) for name in table.column_names)


def to_bigquery_table(table: pa.Table) -> pa.Table:
    return pa.table({name: to_bigquery_array(table.column(name), name) for name in table.column_names})


def from_bigquery_array(array: pa.Array | pa.ChunkedArray, target: pa.DataType, path: str) -> pa.Array:
    """`array` as read from BigQuery, converted to the template's Arrow type (checked casts)."""
    array = _combine(array)
    if isinstance(target, pa.ExtensionType):
        if target.extension_name == "arrow.uuid":
            storage = pa.array(
                [None if v is None else uuid.UUID(v).bytes for v in array.to_pylist()], target.storage_type
            )
            return pa.ExtensionArray.from_storage(target, storage)
        return pa.ExtensionArray.from_storage(target, from_bigquery_array(array, target.storage_type, path))
    if pa.types.is_map(target):
        entries = array.flatten()
        keys = from_bigquery_array(entries.field("key"), target.key_type, f"{path}.key")
        items = from_bigquery_array(entries.field("value"), target.item_type, f"{path}.value")
        return pa.MapArray.from_arrays(array.offsets, keys, items, type=target)
    if pa.types.is_list(target) or pa.types.is_large_list(target):
        values = from_bigquery_array(array.flatten(), target.value_type, f"{path}[]")
        offsets = array.offsets.cast(pa.int64() if pa.types.is_large_list(target) else pa.int32())
        builder = pa.LargeListArray if pa.types.is_large_list(target) else pa.ListArray
        return builder.from_arrays(offsets, values, type=target)
    if pa.types.is_struct(target):
        children = [
            from_bigquery_array(
                array.field(target.field(i).name), target.field(i).type, f"{path}.{target.field(i).name}"
            )
            for i in range(target.num_fields)
        ]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())
    try:
        return array.cast(target)  # safe: overflow or lost digits raise instead of truncating
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise UnwritableData(
            f"column '{path}': BigQuery returned {array.type}, not castable to {target}: {error}"
        ) from error


def from_bigquery_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = [from_bigquery_array(table.column(f.name), f.type, f.name) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)
