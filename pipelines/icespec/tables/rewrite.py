"""A column's type changed in a way Iceberg cannot promote, on a table that holds rows.

Iceberg has no in-place conversion for such a change (string -> long, long -> int, ...): dropping
the column and adding it again gives a new field id, and every existing value is gone (a required
column then makes every scan fail). So `apply` refuses it on a table with rows, even with
`--allow-breaking`, unless asked for a real rewrite (`--rewrite-incompatible`):

1. every live data file is read once (one at a time) and each value of the column is converted
   with pyarrow's safe cast (`safe=True`: no overflow, no truncation, no invented zone);
2. if any value cannot be converted, nothing is committed and the count (with examples) is shown;
3. otherwise, in ONE transaction: the old column is dropped, the new one added under the same name,
   and every data file is replaced by a rewritten one holding the converted values.

`icespec plan` runs step 1 as a dry run, so the plan says how many values convert before anything
is applied. Only top-level primitive columns can be rewritten; a nested field or a list/map element
is refused with the advice to add a new column.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io.pyarrow import ArrowScan, _dataframe_to_data_files, schema_to_pyarrow
from pyiceberg.schema import Schema
from pyiceberg.types import (
    IcebergType,
    NestedField,
    PrimitiveType,
    TimestampNanoType,
    TimestampType,
    TimestamptzNanoType,
    TimestamptzType,
)

from icespec.tables.writers import delete_written

if TYPE_CHECKING:
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table, Transaction

    from icespec.core.changes import Change

TIMESTAMPS = (TimestampType, TimestamptzType, TimestampNanoType, TimestamptzNanoType)
FAILURE_BUDGET = 10_000  # unconvertible values counted exactly per column; beyond, "more than"
EXAMPLES = 5
REWRITE_PROPERTY = "icespec.rewrite"  # in the rewrite snapshot's summary: which columns were converted


@dataclass(frozen=True)
class Conversion:
    """What converting one column's existing values would do (a dry run over every live file)."""

    path: str
    before: str  # Iceberg type text
    after: str
    files: int
    rows: int
    values: int  # non-null values to convert
    unconvertible: int
    more_than: bool  # counting stopped at FAILURE_BUDGET
    examples: tuple[str, ...]

    @property
    def convertible(self) -> bool:
        return self.unconvertible == 0

    def describe(self) -> str:
        text = (
            f"{self.rows} rows in {self.files} data file(s); {self.values} non-null value(s) of "
            f"'{self.path}' to convert {self.before} -> {self.after}: "
        )
        if self.convertible:
            return text + "all convert (--rewrite-incompatible rewrites the files with them)"
        count = f"more than {self.unconvertible}" if self.more_than else str(self.unconvertible)
        shown = ", ".join(self.examples)
        return text + f"{count} cannot be converted (e.g. {shown}); a rewrite would be refused"


def not_rewritable(change: Change, table: Table, live_path: str, target_type: IcebergType) -> str | None:
    """None when the change can be rewritten, else why not."""
    if "." in change.path:
        return f"'{change.path}' is nested: it cannot be rewritten in place; add a new column instead"
    field = table.schema().find_field(live_path)
    if not isinstance(field.field_type, PrimitiveType) or not isinstance(target_type, PrimitiveType):
        return f"'{change.path}' is not a primitive column: add a new column instead"
    zones = {isinstance(t, TimestamptzType | TimestamptzNanoType) for t in (field.field_type, target_type)}
    timestamps = all(isinstance(t, TIMESTAMPS) for t in (field.field_type, target_type))
    if timestamps and len(zones) == 2:
        return (
            f"'{change.path}' {change.before} -> {change.after} would invent a time zone (or drop one): "
            "add a new column and fill it with the zone you mean"
        )
    return None


def _textual(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def convert(array: pa.Array, target: pa.DataType) -> pa.Array:
    """pyarrow's safe cast, plus a round trip for non-text values: a value that does not come back
    unchanged (a double losing digits as a float, 1e300 becoming inf) is lost, not converted, so
    the cast raises. Text is parsed, so '007' -> 7 is a conversion, not a loss."""
    converted = pc.cast(array, target, safe=True)
    if _textual(array.type) or _textual(target) or len(array) == 0:
        return converted  # text is parsed or printed: '007' -> 7 and 10:30 -> '10:30:00' are conversions
    back = pc.cast(converted, array.type, safe=False)
    same = pc.equal(back, array)
    if pa.types.is_floating(array.type):
        same = pc.or_(same, pc.and_(pc.is_nan(back), pc.is_nan(array)))
    lost = pc.and_(array.is_valid(), pc.invert(pc.fill_null(same, False)))
    if pc.any(lost).as_py():
        index = pc.index(lost, True).as_py()
        raise pa.ArrowInvalid(
            f"{array[index].as_py()!r} does not survive as {target} (it comes back as {back[index].as_py()!r})"
        )
    return converted


def try_cast(
    array: pa.Array, target: pa.DataType, budget: int = FAILURE_BUDGET
) -> tuple[pa.Array | None, int, bool, list[Any]]:
    """(converted or None, failures, more_than, examples): `convert`, value by value where it fails.
    Failing slices are split in halves, so the cost grows with the failures, not the rows."""
    failures: list[int] = []
    more = False

    def visit(offset: int, length: int) -> None:
        nonlocal more
        if more or length == 0:
            return
        try:
            convert(array.slice(offset, length), target)
            return
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if length == 1:
                failures.append(offset)
                more = len(failures) >= budget
                return
        half = length // 2
        visit(offset, half)
        visit(offset + half, length - half)

    try:
        return convert(array, target), 0, False, []
    except pa.ArrowNotImplementedError:  # no conversion at all between the types
        non_null = len(array) - array.null_count
        return None, non_null, False, [f"no conversion from {array.type} to {target}"]
    except pa.ArrowInvalid:
        visit(0, len(array))
    examples = [repr(array[i].as_py()) for i in failures[:EXAMPLES]]
    return None, len(failures), more, examples


def assess(table: Table, change: Change, target_type: IcebergType, live_path: str) -> Conversion:
    """Dry run of converting the column's existing values (`live_path`: its name in the live table)."""
    field = table.schema().find_field(live_path)
    target = schema_to_pyarrow(target_type, include_field_ids=False)
    tasks = list(table.scan().plan_files()) if table.current_snapshot() else []
    rows = values = failures = 0
    more = False
    examples: list[str] = []
    projected = Schema(field)
    for task in tasks:  # one file's column in memory at a time
        array = ArrowScan(table.metadata, table.io, projected, AlwaysTrue()).to_table([task]).column(0)
        array = array.combine_chunks()
        rows += len(array)
        values += len(array) - array.null_count
        if more:
            continue
        _, failed, capped, found = try_cast(array, target, FAILURE_BUDGET - failures)
        failures += failed
        more = more or capped
        examples += found[: EXAMPLES - len(examples)]
    return Conversion(
        change.path, change.before, change.after, len(tasks), rows, values, failures, more, tuple(examples)
    )


def rewrite_files(
    tx: Transaction, table: Table, retyped: dict[int, NestedField]
) -> tuple[list[DataFile], list[DataFile]]:
    """Stage, in `tx` (whose schema already has the new columns), the replacement of every live data
    file by one holding the converted values. `retyped`: new field id -> the old field it replaces.

    Returns (deleted files, written files); the caller commits, or deletes the written ones."""
    new_schema = tx.table_metadata.schema()
    read_fields = [
        NestedField(retyped[f.field_id].field_id, f.name, retyped[f.field_id].field_type, required=False)
        if f.field_id in retyped
        else f
        for f in new_schema.fields
    ]
    read_schema = Schema(*read_fields)  # the new layout, with the old field (and its id) where retyped
    target = schema_to_pyarrow(new_schema, include_field_ids=True)
    deletes: list[DataFile] = []
    written: list[DataFile] = []
    tasks = list(table.scan().plan_files()) if table.current_snapshot() else []
    try:  # nothing is staged until every file is written; any failure removes what was written
        for task in tasks:
            rows = ArrowScan(table.metadata, table.io, read_schema, AlwaysTrue()).to_table([task])
            arrays = []
            for index, new_field in enumerate(new_schema.fields):
                column = rows.column(index)
                wanted = target.field(index).type
                if new_field.field_id in retyped:
                    column = pa.chunked_array([convert(c, wanted) for c in column.chunks], wanted)
                elif column.type != wanted:
                    column = pc.cast(column, wanted, safe=True)
                arrays.append(column)
            converted = pa.Table.from_arrays(arrays, schema=target)
            deletes.append(task.file)
            written += _dataframe_to_data_files(
                tx.table_metadata, converted, table.io, write_uuid=uuid.uuid4()
            )
    except Exception:
        delete_written(table, written)
        raise
    with tx.update_snapshot(
        snapshot_properties={REWRITE_PROPERTY: "convert incompatible type change"}
    ).overwrite() as snap:
        for data_file in deletes:
            snap.delete_data_file(data_file)
        for data_file in written:
            snap.append_data_file(data_file)
    return deletes, written
