"""Safe writers: append, overwrite, overwrite_partitions and upsert, checked against the template.

Before anything is written the batch (Arrow, pandas or polars) is conformed to the table:
unexpected columns, missing required columns, impossible casts and nulls in required columns are
rejected with the column names; safe casts (widening, same instant in another zone, ...) are
applied; rows are sorted by the template's sort order.

Every mode writes its Parquet data files once with pyiceberg's own writer
(`_dataframe_to_data_files`) and commits them in ONE snapshot; when another writer commits first
(`CommitFailedException`), the table is refreshed and only the commit is redone (upsert re-reads
the affected files, since they may have changed). Retries follow the table's
`commit.retry.*` properties.

Upsert: the keys of the batch are matched against the live files (reading only the identifier
columns, files pruned by key range), the files holding matched keys are rewritten without those
rows, and the rewritten remainder plus the whole batch are committed as one overwrite snapshot.
No row-by-row Python, no giant filter expression: Arrow hash joins (`pc.is_in`).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.expressions import AlwaysTrue, And, GreaterThanOrEqual, LessThanOrEqual
from pyiceberg.io.pyarrow import ArrowScan, _dataframe_to_data_files, schema_to_pyarrow
from pyiceberg.table import FileScanTask

from icespec.spec import TableSpec
from icespec.tables.diff import SCHEMA_KINDS, diff_table

if TYPE_CHECKING:
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table

WRITE_MODES = ("append", "overwrite", "overwrite_partitions", "upsert")
WRITE_MODE_PROPERTY = "icespec.write-mode"  # recorded in each snapshot's summary
DEFAULT_RETRIES = (
    40  # Iceberg's default is 4; parallel writers on one table need more (bounded by the timeout)
)
DEFAULT_MIN_WAIT_MS = 50
DEFAULT_MAX_WAIT_MS = 2_000
DEFAULT_TOTAL_TIMEOUT_MS = 600_000


# Writers in one process take turns per table: optimistic retries are for other processes, and
# pyiceberg's commit cost grows with the snapshot count, so in-process collisions only waste work.
_TABLE_LOCKS: dict[str, threading.Lock] = {}
_TABLE_LOCKS_GUARD = threading.Lock()


def _table_lock(table: Table) -> threading.Lock:
    with _TABLE_LOCKS_GUARD:
        return _TABLE_LOCKS.setdefault(table.metadata.location, threading.Lock())


class WriteError(ValueError):
    """The batch does not fit the table; nothing was written. The message names the columns."""


@dataclass(frozen=True)
class WriteResult:
    table: str
    mode: str
    snapshot_id: int | None
    rows_written: int  # rows in the batch
    rows_updated: int = 0  # upsert: existing rows replaced
    rows_inserted: int = 0  # upsert: new keys; other modes: rows_written
    rows_deleted: int = 0  # overwrite modes: rows removed
    attempts: int = 1

    def describe(self) -> str:
        text = f"{self.table}: {self.mode} wrote {self.rows_written} rows (snapshot {self.snapshot_id})"
        if self.mode == "upsert":
            text += f": {self.rows_updated} updated, {self.rows_inserted} inserted"
        elif self.rows_deleted:
            text += f", replaced {self.rows_deleted} rows"
        return text

    def metadata(self) -> dict[str, Any]:
        """What only an Iceberg commit has (for Dagster output metadata)."""
        return {"snapshot_id": str(self.snapshot_id), "commit_attempts": self.attempts}


# -- conforming the batch ------------------------------------------------------------------------
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


def _cast_allowed(source: pa.DataType, target: pa.DataType) -> bool:
    """Casts that never change a value's meaning; `safe=True` then rejects overflow and truncation."""
    source = _unwrap(source)
    if source == target or pa.types.is_null(source):
        return True
    t = pa.types
    if t.is_integer(source):
        return t.is_integer(target) or t.is_floating(target) or t.is_decimal(target)
    if t.is_floating(source):
        return t.is_floating(target)
    if t.is_decimal(source):
        return t.is_decimal(target)
    if t.is_string(source) or t.is_large_string(source) or t.is_string_view(source):
        return t.is_string(target) or t.is_large_string(target)
    if t.is_binary(source) or t.is_large_binary(source) or t.is_fixed_size_binary(source):
        return t.is_binary(target) or t.is_large_binary(target) or t.is_fixed_size_binary(target)
    if t.is_date(source):
        return t.is_date(target)
    if t.is_time(source):
        return t.is_time(target)
    if t.is_timestamp(source) and t.is_timestamp(target):
        return (source.tz is None) == (target.tz is None)  # naive <-> zoned would invent a zone
    if (t.is_list(source) or t.is_large_list(source)) and (t.is_list(target) or t.is_large_list(target)):
        return _cast_allowed(source.value_type, target.value_type)
    if t.is_map(source) and t.is_map(target):
        return _cast_allowed(source.key_type, target.key_type) and _cast_allowed(
            source.item_type, target.item_type
        )
    if t.is_struct(source) and t.is_struct(target):
        names = {f.name for f in source}
        target_names = {f.name for f in target}
        return names <= target_names and all(
            _cast_allowed(source.field(f.name).type, target.field(f.name).type) for f in source
        )
    return False


def _required_nulls(
    array: pa.Array, field: pa.Field, path: str, problems: list[str], parent_valid=None
) -> None:
    """Nulls where the template says required, at any struct depth (a null parent excuses its children)."""
    nulls = array.is_null() if parent_valid is None else pc.and_(array.is_null(), parent_valid)
    count = pc.sum(nulls).as_py() or 0
    if not field.nullable and count:
        problems.append(f"'{path}' is required but {count} row(s) are null")
    if pa.types.is_struct(field.type):
        valid = array.is_valid() if parent_valid is None else pc.and_(array.is_valid(), parent_valid)
        for index, child in enumerate(field.type):
            _required_nulls(array.field(index), child, f"{path}.{child.name}", problems, valid)


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


def conform(table: Table, spec: TableSpec, data: Any) -> pa.Table:
    """The batch in the table's Arrow schema, or a WriteError naming every bad column."""
    batch = to_arrow(data)
    pending = [c for c in diff_table(spec, table).changes if c.kind in SCHEMA_KINDS]
    if pending:
        raise WriteError(
            f"{spec.full_name} does not match its template ({pending[0].message}, ...): run `icespec apply` first"
        )
    target = schema_to_pyarrow(table.schema(), include_field_ids=True)
    problems: list[str] = []
    unexpected = [name for name in batch.column_names if target.get_field_index(name) < 0]
    if unexpected:
        problems.append(f"unexpected column(s) not in the template: {', '.join(unexpected)}")
    if len(set(batch.column_names)) != len(batch.column_names):
        problems.append("duplicate column names in the batch")
    arrays: list[pa.ChunkedArray] = []
    for field in target:
        if field.name not in batch.column_names:
            if not field.nullable:
                problems.append(f"required column '{field.name}' is missing")
            arrays.append(pa.chunked_array([pa.nulls(batch.num_rows, field.type)], type=field.type))
            continue
        column = batch.column(field.name)
        if column.type != field.type:
            if not _cast_allowed(column.type, field.type):
                problems.append(f"column '{field.name}': cannot convert {column.type} to {field.type}")
                continue
            try:
                chunks = [_fill_struct_children(chunk, field.type) for chunk in column.chunks]
                column = pc.cast(pa.chunked_array(chunks, type=chunks[0].type if chunks else column.type),
                                 field.type, safe=True)  # fmt: skip
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                problems.append(
                    f"column '{field.name}': cannot convert {column.type} to {field.type} safely ({exc})"
                )
                continue
        _required_nulls(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0), field, field.name,
                        problems)  # fmt: skip
        arrays.append(column)
    if problems:
        raise WriteError(f"{spec.full_name}: batch rejected, nothing written:\n  " + "\n  ".join(problems))
    return pa.Table.from_arrays(arrays, schema=target)


def _sort_key(batch: pa.Table, dotted: str) -> pa.ChunkedArray:
    parts = dotted.split(".")
    array = batch.column(parts[0])
    for part in parts[1:]:
        array = pc.struct_field(array, part)
    return array


def sort_rows(batch: pa.Table, spec: TableSpec) -> pa.Table:
    """Rows in the template's sort order (source column order; fine for monotonic transforms)."""
    keys = [s for s in spec.sort_order if not s.transform.startswith(("bucket", "void"))]
    if not keys or batch.num_rows < 2:
        return batch
    sortable = pa.table({f"k{i}": _sort_key(batch, s.column) for i, s in enumerate(keys)})
    order = [
        (f"k{i}", "ascending" if s.direction == "asc" else "descending",
         "at_start" if s.null_order == "nulls_first" else "at_end")
        for i, s in enumerate(keys)
    ]  # fmt: skip
    return batch.take(pc.sort_indices(sortable, sort_keys=order))


# -- committing with retries ---------------------------------------------------------------------
def _retry_settings(table: Table) -> tuple[int, float, float, float]:
    props = table.properties

    def number(key: str, default: int) -> int:
        try:
            return int(props.get(key, default))
        except ValueError:
            return default

    return (
        number("commit.retry.num-retries", DEFAULT_RETRIES),
        number("commit.retry.min-wait-ms", DEFAULT_MIN_WAIT_MS) / 1000,
        number("commit.retry.max-wait-ms", DEFAULT_MAX_WAIT_MS) / 1000,
        number("commit.retry.total-timeout-ms", DEFAULT_TOTAL_TIMEOUT_MS) / 1000,
    )


def _write_files(table: Table, batch: pa.Table) -> list[DataFile]:
    if batch.num_rows == 0:
        return []
    return list(_dataframe_to_data_files(table.metadata, batch, table.io, write_uuid=uuid.uuid4()))


def _live_tasks(table: Table, row_filter: Any = None) -> list[FileScanTask]:
    if table.current_snapshot() is None:
        return []
    return list(table.scan(row_filter=row_filter or AlwaysTrue()).plan_files())


def _read(table: Table, tasks: list[FileScanTask], columns: tuple[str, ...] | None = None) -> pa.Table:
    schema = table.schema() if columns is None else table.schema().select(*columns)
    return ArrowScan(table.metadata, table.io, schema, AlwaysTrue()).to_table(tasks)


class _Attempt:
    """One try: which files to delete and add, the counts to report."""

    def __init__(
        self, deletes: list[DataFile], adds: list[DataFile], updated: int = 0, deleted_rows: int = 0
    ):
        self.deletes = deletes
        self.adds = adds
        self.updated = updated
        self.deleted_rows = deleted_rows


def _commit(table: Table, attempt: _Attempt, mode: str) -> None:
    summary = {WRITE_MODE_PROPERTY: mode}
    tx = table.transaction()
    update = tx.update_snapshot(snapshot_properties=summary)
    producer = update.overwrite() if attempt.deletes else update.fast_append()
    with producer as snapshot:
        for data_file in attempt.deletes:
            snapshot.delete_data_file(data_file)
        for data_file in attempt.adds:
            snapshot.append_data_file(data_file)
    tx.commit_transaction()


def _partition_deletes(table: Table, new_files: list[DataFile]) -> list[DataFile]:
    """Live data files in the partitions the new files belong to (current spec only)."""
    spec_id = table.metadata.default_spec_id
    partitions = {f.partition for f in new_files}
    deletes = []
    for task in _live_tasks(table):
        if task.file.spec_id != spec_id:
            raise WriteError(
                f"{table.name()}: files written under an older partition spec exist; overwrite_partitions "
                "needs them rewritten first (use overwrite)"
            )
        if task.file.partition in partitions:
            deletes.append(task.file)
    return deletes


def _key_filter(keys: pa.Table, identifier: tuple[str, ...]) -> Any:
    """A range filter on a single key, so pyiceberg prunes files by column statistics."""
    if len(identifier) != 1 or keys.num_rows == 0:
        return AlwaysTrue()
    column = keys.column(0)
    if not (
        pa.types.is_integer(column.type) or pa.types.is_string(column.type) or pa.types.is_date(column.type)
    ):
        return AlwaysTrue()
    bounds = pc.min_max(column)
    return And(
        GreaterThanOrEqual(identifier[0], bounds["min"].as_py()),
        LessThanOrEqual(identifier[0], bounds["max"].as_py()),
    )


def _matched_rows(live_keys: pa.Table, incoming_keys: pa.Table) -> pa.Array:
    """Boolean mask over live rows whose identifier values occur in the batch (an Arrow hash join)."""
    if live_keys.num_columns == 1:
        return pc.is_in(
            live_keys.column(0).combine_chunks(), value_set=incoming_keys.column(0).combine_chunks()
        )
    numbered = live_keys.append_column("__row", pa.array(range(live_keys.num_rows), pa.int64()))
    hits = numbered.join(incoming_keys, keys=live_keys.column_names, join_type="left semi").column("__row")
    return pc.is_in(numbered.column("__row").combine_chunks(), value_set=hits.combine_chunks())


def _distinct_keys(keys: pa.Table) -> int:
    return keys.group_by(keys.column_names).aggregate([]).num_rows


def _upsert_attempt(table: Table, spec: TableSpec, batch: pa.Table, identifier: tuple[str, ...]) -> _Attempt:
    incoming_keys = batch.select(list(identifier))
    deletes: list[DataFile] = []
    kept: list[pa.Table] = []
    updated = 0
    for task in _live_tasks(table, _key_filter(incoming_keys, identifier)):
        matched = _matched_rows(_read(table, [task], identifier), incoming_keys)
        hits = pc.sum(matched).as_py() or 0
        if not hits:
            continue
        deletes.append(task.file)
        updated += hits
        kept.append(_read(table, [task]).filter(pc.invert(matched)).cast(batch.schema))
    combined = pa.concat_tables([*kept, batch]) if kept else batch
    return _Attempt(deletes, _write_files(table, sort_rows(combined, spec)), updated)


def write_table(table: Table, spec: TableSpec, data: Any, mode: str = "append") -> WriteResult:
    """Write a batch into `table` (an Iceberg table created from `spec`) in one snapshot."""
    if mode not in WRITE_MODES:
        raise WriteError(f"unknown write mode {mode!r}: use one of {', '.join(WRITE_MODES)}")
    batch = sort_rows(conform(table, spec, data), spec)
    identifier = tuple(spec.identifier_fields)
    if mode == "upsert":
        if not identifier:
            raise WriteError(f"{spec.full_name}: upsert needs identifier_fields in the template")
        duplicates = batch.num_rows - _distinct_keys(batch.select(list(identifier)))
        if duplicates:
            raise WriteError(
                f"{spec.full_name}: the batch repeats {duplicates} identifier value(s); upsert needs unique keys"
            )
    if mode == "overwrite_partitions" and table.spec().is_unpartitioned():
        raise WriteError(f"{spec.full_name} is not partitioned: use overwrite")

    retries, min_wait, max_wait, total_timeout = _retry_settings(table)
    started = time.monotonic()
    written: list[DataFile] | None = None
    written_for: tuple[int, int] | None = None
    for attempt_number in range(1, retries + 2):
        layout = (table.metadata.current_schema_id, table.metadata.default_spec_id)
        if written is None or (written_for != layout and mode != "upsert"):  # files follow schema and spec
            written, written_for = ([] if mode == "upsert" else _write_files(table, batch)), layout
        with _table_lock(table):
            table.refresh()
            if (table.metadata.current_schema_id, table.metadata.default_spec_id) != layout:
                written = None
                continue  # the table evolved meanwhile: write the files again for the new layout
            if mode == "upsert":
                attempt = _upsert_attempt(table, spec, batch, identifier)
            elif mode == "append":
                attempt = _Attempt([], written)
            elif mode == "overwrite":
                attempt = _Attempt([t.file for t in _live_tasks(table)], written)
            else:
                attempt = _Attempt(_partition_deletes(table, written), written)
            attempt.deleted_rows = attempt.deleted_rows or sum(f.record_count for f in attempt.deletes)
            if not attempt.adds and not attempt.deletes:
                return WriteResult(spec.full_name, mode, None, 0, attempts=attempt_number)
            try:
                _commit(table, attempt, mode)
            except CommitFailedException:
                if attempt_number > retries or time.monotonic() - started > total_timeout:
                    raise
                failed = True
            else:
                failed = False
        if failed:
            time.sleep(
                random.uniform(0, min(max_wait, min_wait * 2 ** (attempt_number - 1)))
            )  # jittered backoff
            continue
        snapshot = table.refresh().current_snapshot()
        inserted = batch.num_rows - attempt.updated
        return WriteResult(spec.full_name, mode, snapshot.snapshot_id if snapshot else None, batch.num_rows,
                           rows_updated=attempt.updated, rows_inserted=inserted,
                           rows_deleted=attempt.deleted_rows, attempts=attempt_number)  # fmt: skip
    raise AssertionError("unreachable")


def default_write_mode(spec: TableSpec) -> str:
    """How scheduled writes land: a `write_mode` tag wins; day partitions are replaced per day;
    tables with identifier fields are upserted; anything else is overwritten (re-runs never duplicate)."""
    tagged = spec.tags.get("write_mode")
    if tagged in WRITE_MODES:
        return tagged
    if any(p.transform == "day" for p in spec.partition_spec):
        return "overwrite_partitions"
    return "upsert" if spec.identifier_fields else "overwrite"
