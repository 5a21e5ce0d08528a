"""The one batch validator every backend's write passes before anything is written.

A batch (Arrow, pandas or polars) is conformed to a target Arrow schema (the live Iceberg table's,
or the template's for BigQuery) and the template:
- columns the target does not have, columns given twice, impossible casts, nulls where the target
  or the template says required: rejected, naming every bad column at once;
- safe casts (widening, the same instant in another zone, ...) are applied with `safe=True`, so an
  overflow or a truncation is an error, never a silent change; a naive timestamp never becomes a
  zoned one (that would invent a zone);
- then the write mode's own rules: an empty overwrite is refused unless allowed, replace-where
  rows must match the filter, an upsert needs identifier fields and one row per key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from icespec.core.modes import WRITE_MODES
from icespec.errors import WriteError
from icespec.spec import Column, TableSpec


class RowFilterLike(Protocol):
    """What the write rules need of a replace-where filter (`icespec.tables.filters.RowFilter`)."""

    @property
    def text(self) -> str: ...

    def count_outside(self, rows: pa.Table) -> tuple[int, int | None]: ...


def to_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__
    if module.startswith("polars"):
        return data.to_arrow()
    if module.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise WriteError(
        f"cannot write a {type(data).__name__}: pass a pyarrow Table, pandas or polars DataFrame"
    )


def _unwrap(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def cast_allowed(source: pa.DataType, target: pa.DataType) -> bool:
    """Casts that never change a value's meaning; `safe=True` then rejects overflow and truncation."""
    source = _unwrap(source)
    if source == target or pa.types.is_null(source):
        return True
    if isinstance(target, pa.BaseExtensionType) and not isinstance(source, pa.BaseExtensionType):
        return cast_allowed(source, target.storage_type)  # uuid: 16 bytes become the extension
    t = pa.types
    if t.is_integer(source):
        return bool(t.is_integer(target) or t.is_floating(target) or t.is_decimal(target))
    if t.is_floating(source):
        return bool(t.is_floating(target))
    if t.is_decimal(source):
        return bool(t.is_decimal(target))
    if t.is_string(source) or t.is_large_string(source) or t.is_string_view(source):
        return bool(t.is_string(target) or t.is_large_string(target))
    if t.is_binary(source) or t.is_large_binary(source) or t.is_fixed_size_binary(source):
        return bool(t.is_binary(target) or t.is_large_binary(target) or t.is_fixed_size_binary(target))
    if t.is_date(source):
        return bool(t.is_date(target))
    if t.is_time(source):
        return bool(t.is_time(target))
    if t.is_timestamp(source) and t.is_timestamp(target):
        return (source.tz is None) == (target.tz is None)  # naive <-> zoned would invent a zone
    if (t.is_list(source) or t.is_large_list(source)) and (t.is_list(target) or t.is_large_list(target)):
        return cast_allowed(source.value_type, target.value_type)
    if t.is_map(source) and t.is_map(target):
        return cast_allowed(source.key_type, target.key_type) and cast_allowed(
            source.item_type, target.item_type
        )
    if t.is_struct(source) and t.is_struct(target):
        names = {f.name for f in source}
        target_names = {f.name for f in target}
        return names <= target_names and all(
            cast_allowed(source.field(f.name).type, target.field(f.name).type) for f in source
        )
    return False


def required_paths(spec: TableSpec) -> set[str]:
    """Dotted paths the template declares required (struct fields included)."""
    paths: set[str] = set()

    def walk(columns: Iterable[Column], prefix: str) -> None:
        for column in columns:
            path = f"{prefix}{column.name}"
            if column.required:
                paths.add(path)
            walk(column.fields or (), f"{path}.")

    walk(spec.columns, "")
    return paths


def _required_nulls(
    array: pa.Array,
    field: pa.Field,
    path: str,
    required: set[str],
    problems: list[str],
    parent_valid: pa.Array | None = None,
) -> None:
    """Nulls where the target or the template says required, at any struct depth (a null parent
    excuses its children)."""
    nulls = array.is_null() if parent_valid is None else pc.and_(array.is_null(), parent_valid)
    count = pc.sum(nulls).as_py() or 0
    if count and (not field.nullable or path in required):
        problems.append(f"'{path}' is required but {count} row(s) are null")
    if pa.types.is_struct(field.type):
        valid = array.is_valid() if parent_valid is None else pc.and_(array.is_valid(), parent_valid)
        for index, child in enumerate(field.type):
            _required_nulls(array.field(index), child, f"{path}.{child.name}", required, problems, valid)


def _fill_struct_children(array: pa.Array, target: pa.DataType) -> pa.Array:
    """A struct missing optional children gets them as nulls (so the cast can line fields up)."""
    if not pa.types.is_struct(target) or not pa.types.is_struct(array.type):
        return array
    children, fields = [], []
    for child in target:
        index = array.type.get_field_index(child.name)
        values = array.field(index) if index >= 0 else pa.nulls(len(array), child.type)
        children.append(_fill_struct_children(values, child.type))
        fields.append(pa.field(child.name, children[-1].type, nullable=True))
    return pa.StructArray.from_arrays(
        children, fields=fields, mask=array.is_null() if array.null_count else None
    )


def conform_batch(spec: TableSpec, data: Any, target: pa.Schema) -> pa.Table:
    """The batch in `target` (field ids and all), or a WriteError naming every bad column."""
    batch = to_arrow(data)
    names = batch.column_names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise WriteError(
            f"{spec.full_name}: batch rejected, nothing written: column(s) {', '.join(duplicated)} "
            "appear more than once"
        )
    required = required_paths(spec)
    problems: list[str] = []
    unexpected = [name for name in names if target.get_field_index(name) < 0]
    if unexpected:
        problems.append(f"unexpected column(s) not in the template: {', '.join(unexpected)}")
    arrays: list[pa.ChunkedArray] = []
    for field in target:
        if field.name not in names:
            if not field.nullable or field.name in required:
                problems.append(f"required column '{field.name}' is missing")
            arrays.append(pa.chunked_array([pa.nulls(batch.num_rows, field.type)], type=field.type))
            continue
        column = batch.column(field.name)
        if column.type != field.type:
            if not cast_allowed(column.type, field.type):
                problems.append(f"column '{field.name}': cannot convert {column.type} to {field.type}")
                continue
            try:
                chunks = [_fill_struct_children(chunk, field.type) for chunk in column.chunks]
                column = pc.cast(
                    pa.chunked_array(chunks, type=chunks[0].type if chunks else column.type),
                    field.type,
                    safe=True,
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                problems.append(
                    f"column '{field.name}': cannot convert {column.type} to {field.type} safely ({exc})"
                )
                continue
        whole = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        _required_nulls(whole, field, field.name, required, problems)
        arrays.append(column)
    if problems:
        raise WriteError(f"{spec.full_name}: batch rejected, nothing written:\n  " + "\n  ".join(problems))
    return pa.Table.from_arrays(arrays, schema=target)


def column_at(rows: pa.Table, dotted: str) -> pa.ChunkedArray:
    """The column at a dotted path (`acct.id` is field `id` of struct column `acct`)."""
    parts = dotted.split(".")
    array = rows.column(parts[0])
    for part in parts[1:]:
        array = pc.struct_field(array, part)
    return array


def _storage(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """An extension column (uuid) as its storage (16 bytes), which Arrow's hash kernels can compare."""
    if isinstance(column.type, pa.BaseExtensionType):
        return pa.chunked_array([chunk.storage for chunk in column.chunks], column.type.storage_type)
    return column


def key_columns(rows: pa.Table, identifier: tuple[str, ...]) -> pa.Table:
    """The identifier values as a flat table (k0, k1, ...), nested paths included."""
    return pa.table({f"k{i}": _storage(column_at(rows, path)) for i, path in enumerate(identifier)})


def distinct_keys(keys: pa.Table) -> int:
    if keys.num_columns == 1:
        return int(pc.count_distinct(keys.column(0)).as_py())
    return int(keys.group_by(keys.column_names).aggregate([]).num_rows)


def check_mode(spec: TableSpec, mode: str, where: str | None) -> None:
    """A known write mode, and a replace-where filter only with overwrite (before any data is read)."""
    if mode not in WRITE_MODES:
        raise WriteError(f"unknown write mode {mode!r}: use one of {', '.join(WRITE_MODES)}")
    if where is not None and mode != "overwrite":
        raise WriteError(
            f"{spec.full_name}: a `where` filter replaces rows, so it goes with mode overwrite, not {mode}"
        )


def check_write(
    spec: TableSpec, batch: pa.Table, mode: str, row_filter: RowFilterLike | None, allow_empty: bool
) -> None:
    """The write mode's rules over a conformed batch; a WriteError (nothing written) when one fails."""
    if mode == "overwrite" and batch.num_rows == 0 and not allow_empty:
        scope = f"the rows where {row_filter.text}" if row_filter else "every row"
        raise WriteError(
            f"{spec.full_name}: refusing to replace {scope} with an empty batch (0 rows); nothing was "
            "written. If the table (or that range) really should become empty, pass --allow-empty "
            "(allow_empty=True)."
        )
    if row_filter is not None and batch.num_rows:
        outside, first = row_filter.count_outside(batch)
        if outside:
            raise WriteError(
                f"{spec.full_name}: {outside} of {batch.num_rows} batch row(s) do not match the replace-where "
                f"filter {row_filter.text!r} (the first is row {first}); nothing was written. Replace-where "
                "only writes rows it would replace: widen the filter or drop those rows."
            )
    if mode == "upsert":
        identifier = tuple(spec.identifier_fields)
        if not identifier:
            raise WriteError(f"{spec.full_name}: upsert needs identifier_fields in the template")
        duplicates = batch.num_rows - distinct_keys(key_columns(batch, identifier))
        if duplicates:
            raise WriteError(
                f"{spec.full_name}: the batch repeats {duplicates} identifier value(s) of "
                f"({', '.join(identifier)}); upsert needs one row per key, nothing was written"
            )


def sort_rows(batch: pa.Table, spec: TableSpec) -> pa.Table:
    """Rows in the template's sort order (source column order; fine for monotonic transforms)."""
    keys = [s for s in spec.sort_order if not s.transform.startswith(("bucket", "void"))]
    if not keys or batch.num_rows < 2:
        return batch
    sortable = pa.table({f"k{i}": column_at(batch, s.column) for i, s in enumerate(keys)})
    order = [
        (f"k{i}", "ascending" if s.direction == "asc" else "descending",
         "at_start" if s.null_order == "nulls_first" else "at_end")
        for i, s in enumerate(keys)
    ]  # fmt: skip
    return batch.take(pc.sort_indices(sortable, sort_keys=order))
