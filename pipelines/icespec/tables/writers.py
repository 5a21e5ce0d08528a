"""Safe writers: append, overwrite (whole table or replace-where), overwrite_partitions and upsert.

Every write is checked first (`icespec.tables.conform`): nothing is written for a batch that does
not fit. Then each mode commits ONE snapshot:

- **append**: pyiceberg's own `Transaction.append` (fast or merge append, per the table's
  `commit.manifest-merge.enabled`).
- **overwrite**: replaces every row. A 0-row batch would empty the table, so it is refused unless
  `allow_empty=True` (CLI `--allow-empty`): a failed upstream must never wipe a table.
- **overwrite with `where`** (replace-where): replaces exactly the rows for which the expression
  (pyiceberg's row-filter syntax) is TRUE. Files holding only matching rows are dropped, files
  holding some are rewritten without them, and the batch is added, all in one snapshot. A batch
  row outside the expression is refused (nothing written): it would not be replaced next time.
- **overwrite_partitions**: Spark's dynamic partition overwrite: every live file in a partition
  tuple (under the current spec) that the batch writes to is replaced; other partitions stay. On a
  table partitioned `day(ts), hour(ingested_at)` a batch replaces only the (day, hour) pairs it
  holds, so re-running a day with fewer hours leaves the old hours: use replace-where on the day
  for that (the Dagster daily partitions do).
- **upsert**: the batch's identifier values (nested paths such as `acct.id` included) are matched
  against the live files (identifier columns only, files pruned by key range); each file holding a
  matched key is rewritten without those rows, one file at a time, and the rewritten remainders plus
  the batch are committed as one overwrite snapshot.

Concurrency has one retry owner. pyiceberg's commit loop retries a commit that lost a race, per
the table's own `commit.retry.*` properties (Iceberg's defaults when unset), after checking with
Iceberg's conflict validation that the plan still holds (`write.delete.isolation-level`,
serializable by default: any file added meanwhile conflicts). Every commit also requires that no
column was added or retyped since its batch was conformed (Iceberg's last assigned field id).
When the plan no longer holds (`ValidationException`: a file this write replaces was replaced, or
rows were added that an upsert could match) or a column was added or retyped under it (the commit
fails that requirement), pyiceberg cannot re-base it and the
writer plans again from the refreshed table, re-conforming the batch to the new layout, up to
`commit.retry.num-retries` times within `commit.retry.total-timeout-ms`. Any other
`CommitFailedException` that reaches the writer means pyiceberg spent the table's retry budget; it
is reported as such, never retried a second time. Data files written for an attempt that did not
land are deleted (an append's own files are written by pyiceberg's `Transaction.append`: the rare
failed append leaves them for orphan-file removal).

Data files of the non-append modes are written with pyiceberg's `_dataframe_to_data_files`: no
public pyiceberg API writes data files without committing them, and committing them ourselves is
what makes replace-where, overwrite and upsert a single snapshot (`Transaction.overwrite` commits a
delete and an append as two snapshots).
"""

from __future__ import annotations

import bisect
import contextlib
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.conversions import from_bytes
from pyiceberg.exceptions import CommitFailedException, ValidationException
from pyiceberg.expressions import AlwaysTrue, And, GreaterThanOrEqual, LessThanOrEqual
from pyiceberg.io.pyarrow import ArrowScan, _dataframe_to_data_files
from pyiceberg.table import TableProperties
from pyiceberg.table.update import AssertLastAssignedFieldId
from pyiceberg.utils.properties import property_as_int

from icespec.core.conform import (
    check_mode,
    check_write,
    distinct_keys,
    key_columns,
    sort_rows,
    to_arrow,
)
from icespec.core.modes import WRITE_MODES
from icespec.core.results import WriteResult
from icespec.errors import WriteError
from icespec.spec import TableSpec
from icespec.tables.conform import conform
from icespec.tables.filters import RowFilter, parse_write_filter

if TYPE_CHECKING:
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import FileScanTask, Table, Transaction

__all__ = [
    "WRITE_MODES",
    "WRITE_MODE_PROPERTY",
    "WriteError",
    "WriteResult",
    "default_write_mode",
    "to_arrow",
    "write_table",
]

WRITE_MODE_PROPERTY = "icespec.write-mode"  # recorded in each snapshot's summary
REPLACE_WHERE_PROPERTY = "icespec.replace-where"  # the expression of a replace-where, in the summary

# Writers in one process take turns per table: optimistic retries are for other processes, and
# pyiceberg's commit cost grows with the snapshot count, so in-process collisions only waste work.
_TABLE_LOCKS: dict[str, threading.Lock] = {}
_TABLE_LOCKS_GUARD = threading.Lock()


def _table_lock(table: Table) -> threading.Lock:
    with _TABLE_LOCKS_GUARD:
        return _TABLE_LOCKS.setdefault(table.metadata.location, threading.Lock())


@dataclass
class _Plan:
    """One plan of a write: the files it removes and adds, the counts it reports."""

    deletes: list[DataFile] = field(default_factory=list)
    adds: list[DataFile] = field(default_factory=list)
    rows_deleted: int = 0
    rows_updated: int = 0

    @property
    def empty(self) -> bool:
        return not self.deletes and not self.adds


# -- reading and writing files --------------------------------------------------------------------
def _live_tasks(table: Table, row_filter: Any = None) -> list[FileScanTask]:
    if table.current_snapshot() is None:
        return []
    return list(table.scan(row_filter=row_filter if row_filter is not None else AlwaysTrue()).plan_files())


def _read(table: Table, task: FileScanTask, columns: tuple[str, ...] | None = None) -> pa.Table:
    """One file's live rows (its delete files applied), all columns or only `columns` (dotted paths ok)."""
    schema = table.schema() if columns is None else table.schema().select(*columns)
    return ArrowScan(table.metadata, table.io, schema, AlwaysTrue()).to_table([task])


def _write_files(table: Table, rows: pa.Table, target: pa.Schema) -> list[DataFile]:
    if rows.num_rows == 0:
        return []
    rows = rows if rows.schema.equals(target) else rows.cast(target)
    return list(_dataframe_to_data_files(table.metadata, rows, table.io, write_uuid=uuid.uuid4()))


def delete_written(table: Table, files: list[DataFile]) -> None:
    """Remove data files of an attempt that did not land (best effort: an orphan left behind is
    harmless and removed by maintenance)."""
    for data_file in files:
        with contextlib.suppress(Exception):
            table.io.delete(data_file.file_path)


# -- planning each mode -----------------------------------------------------------------------------
def _plan_overwrite(table: Table, batch: pa.Table) -> _Plan:
    live = _live_tasks(table)
    return _Plan(
        deletes=[t.file for t in live],
        adds=_write_files(table, batch, batch.schema),
        rows_deleted=sum(t.file.record_count for t in live),
    )


def _plan_replace_where(table: Table, batch: pa.Table, row_filter: RowFilter) -> _Plan:
    plan = _Plan()
    for task in _live_tasks(table, row_filter.unbound):  # files pruned by partition and column stats
        probe = _read(table, task, row_filter.columns)
        matches = row_filter.matches(probe)
        hits = pc.sum(matches).as_py() or 0
        if not hits:
            continue
        plan.deletes.append(task.file)
        plan.rows_deleted += hits
        if hits < probe.num_rows:  # rewrite the rows that stay, one file at a time
            kept = _read(table, task).filter(pc.invert(matches))
            plan.adds += _write_files(table, kept, batch.schema)
    plan.adds += _write_files(table, batch, batch.schema)
    return plan


def _plan_overwrite_partitions(table: Table, batch: pa.Table) -> _Plan:
    """Live data files in the partition tuples the batch writes to (current spec only)."""
    adds = _write_files(table, batch, batch.schema)
    spec_id = table.metadata.default_spec_id
    partitions = {f.partition for f in adds}
    plan = _Plan(adds=adds)
    for task in _live_tasks(table):
        if task.file.spec_id != spec_id:
            delete_written(table, adds)
            raise WriteError(
                f"{table.name()}: files written under an older partition spec exist; overwrite_partitions "
                "cannot tell which of them a partition covers: use overwrite (with --where) instead"
            )
        if task.file.partition in partitions:
            plan.deletes.append(task.file)
            plan.rows_deleted += task.file.record_count
    return plan


def _key_filter(incoming: pa.Table, identifier: tuple[str, ...]) -> Any:
    """A range filter on a single key, so pyiceberg prunes files by column statistics."""
    if len(identifier) != 1 or incoming.num_rows == 0:
        return AlwaysTrue()
    column = incoming.column(0)
    if not (
        pa.types.is_integer(column.type) or pa.types.is_string(column.type) or pa.types.is_date(column.type)
    ):
        return AlwaysTrue()
    bounds = pc.min_max(column)
    return And(
        GreaterThanOrEqual(identifier[0], bounds["min"].as_py()),  # type: ignore[call-arg, arg-type]  # pyiceberg's (term, literal) init
        LessThanOrEqual(identifier[0], bounds["max"].as_py()),  # type: ignore[call-arg, arg-type]
    )


class _KeyBounds:
    """Whether a data file may hold one of the batch's keys, from the file's own key bounds.

    The batch's (single) key values are sorted once; each file's [lower, upper] bounds (its column
    statistics, in Iceberg's value encoding) are looked up with a binary search, so one far-away key
    in the batch does not make every file a candidate the way one min-max range would."""

    def __init__(self, table: Table, identifier: tuple[str, ...], incoming: pa.Table):
        self.field = None
        if len(identifier) != 1 or incoming.num_rows == 0:
            return
        column = incoming.column(0)
        if pa.types.is_date(column.type):
            column = column.cast(pa.int32())  # Iceberg stores dates as days since the epoch
        elif pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())  # and timestamps as microseconds
        elif not (pa.types.is_integer(column.type) or pa.types.is_string(column.type)):
            return
        self.field = table.schema().find_field(identifier[0])
        self.keys = pc.sort_indices(column)
        self.keys = column.take(self.keys).to_pylist()

    def may_contain(self, data_file: DataFile) -> bool:
        if self.field is None:
            return True
        lower = (data_file.lower_bounds or {}).get(self.field.field_id)
        upper = (data_file.upper_bounds or {}).get(self.field.field_id)
        if lower is None or upper is None:
            return True
        low = from_bytes(self.field.field_type, lower)  # type: ignore[arg-type]  # a key field is primitive
        high = from_bytes(self.field.field_type, upper)  # type: ignore[arg-type]  # a truncated string bound still covers the max
        index = bisect.bisect_left(self.keys, low)
        return index < len(self.keys) and self.keys[index] <= high


def _matched_rows(keys: pa.Table, value_set: pa.Table) -> pa.Array:
    """Boolean mask over `keys` rows whose values occur in `value_set`: Acero's multithreaded hash
    semi-join on the row numbers (several times faster than `pc.is_in` on a large value set)."""
    numbered = keys.append_column("__row", pa.array(np.arange(keys.num_rows, dtype=np.int64)))
    hits = numbered.join(value_set, keys=keys.column_names, join_type="left semi").column("__row")
    mask = np.zeros(keys.num_rows, dtype=bool)
    mask[hits.to_numpy()] = True
    return pa.array(mask)


def _plan_upsert(table: Table, batch: pa.Table, identifier: tuple[str, ...]) -> _Plan:
    incoming = key_columns(batch, identifier)
    bounds = _KeyBounds(table, identifier, incoming)
    plan = _Plan()
    found: list[pa.Table] = []  # live keys the batch replaces
    with _FileWriter(table, batch.schema) as writer:
        writer.submit(batch)
        for task in _live_tasks(table, _key_filter(incoming, identifier)):
            if not bounds.may_contain(task.file):
                continue
            rows = _read(table, task)  # one file in memory at a time (plus the writes in flight)
            live_keys = key_columns(rows, identifier)
            matched = _matched_rows(live_keys, incoming)
            hits = pc.sum(matched).as_py() or 0
            if not hits:
                continue
            plan.deletes.append(task.file)
            plan.rows_deleted += hits
            found.append(live_keys.filter(matched))
            writer.submit(rows.filter(pc.invert(matched)))
        plan.adds = writer.files()
    if found:  # batch keys are unique: the distinct keys found are the batch rows that update
        plan.rows_updated = distinct_keys(pa.concat_tables(found))
    return plan


class _FileWriter:
    """Writes data files in the background (two at a time, so reading the next file overlaps the
    writing of the last one), and deletes them all if the plan is abandoned."""

    IN_FLIGHT = 2

    def __init__(self, table: Table, target: pa.Schema):
        self.table = table
        self.target = target
        self.pool = ThreadPoolExecutor(max_workers=self.IN_FLIGHT, thread_name_prefix="icespec-write")
        self.pending: list[Future[list[DataFile]]] = []
        self.written: list[DataFile] = []

    def submit(self, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        while len(self.pending) >= self.IN_FLIGHT:
            self.written += self.pending.pop(0).result()
        self.pending.append(self.pool.submit(_write_files, self.table, rows, self.target))

    def files(self) -> list[DataFile]:
        for future in self.pending:
            self.written += future.result()
        self.pending = []
        return self.written

    def __enter__(self) -> _FileWriter:
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if error is not None:
            for future in self.pending:
                with contextlib.suppress(Exception):
                    self.written += future.result()
            delete_written(self.table, self.written)
        self.pool.shutdown(wait=True)


# -- committing -----------------------------------------------------------------------------------
def _require_fields(tx: Transaction, last_column_id: int) -> None:
    """The commit lands only while the table has no column newer than the batch.

    pyiceberg re-bases a snapshot over any concurrent commit, schema changes included, and no public
    API lets a write assert the schema it was planned on. Without this requirement a batch written
    before a column was added or retyped (`--rewrite-incompatible` drops and re-adds it under a new
    field id; another engine may add a required column) could land after it, leaving files that
    hold the old field and lack the new one. Iceberg's `assert-last-assigned-field-id` fails such a
    commit (`CommitFailedException`) and the writer plans again on the new schema. Changes that
    assign no field id (a doc, a rename, a promotion, a dropped column) still re-base as before:
    files written under them stay readable by field id."""
    # pyiceberg's model takes its fields by name or by their JSON alias; mypy knows only the alias.
    tx._apply((), (AssertLastAssignedFieldId(last_assigned_field_id=last_column_id),))  # type: ignore[call-arg]


def _commit(table: Table, plan: _Plan, summary: dict[str, str], last_column_id: int) -> Table:
    """One overwrite snapshot (files removed and added); returns the table as the commit left it."""
    tx = table.transaction()
    _require_fields(tx, last_column_id)
    with tx.update_snapshot(snapshot_properties=summary).overwrite() as snapshot:
        for data_file in plan.deletes:
            snapshot.delete_data_file(data_file)
        for data_file in plan.adds:
            snapshot.append_data_file(data_file)
    return tx.commit_transaction()


def _append(table: Table, batch: pa.Table, summary: dict[str, str], last_column_id: int) -> Table:
    tx = table.transaction()
    _require_fields(tx, last_column_id)
    tx.append(batch, snapshot_properties=summary)
    return tx.commit_transaction()


def _replan_budget(table: Table) -> tuple[int, float]:
    """(re-plans allowed, seconds allowed): the table's own commit.retry.* properties."""
    props = table.properties
    retries = property_as_int(
        props, TableProperties.COMMIT_NUM_RETRIES, TableProperties.COMMIT_NUM_RETRIES_DEFAULT
    )
    total_ms = property_as_int(
        props, TableProperties.COMMIT_TOTAL_RETRY_TIME_MS, TableProperties.COMMIT_TOTAL_RETRY_TIME_MS_DEFAULT
    )
    return max(0, retries or 0), max(0, total_ms or 0) / 1000


def _check_batch(
    table: Table, spec: TableSpec, data: Any, mode: str, row_filter: RowFilter | None, allow_empty: bool
) -> pa.Table:
    batch = conform(table, spec, data)
    check_write(spec, batch, mode, row_filter, allow_empty)
    return sort_rows(batch, spec)


def _layout(table: Table) -> tuple[int, int, int]:
    """What a batch is conformed and written to: schema, partition spec, and the newest field id."""
    return table.metadata.current_schema_id, table.metadata.default_spec_id, table.metadata.last_column_id


def write_table(
    table: Table,
    spec: TableSpec,
    data: Any,
    mode: str = "append",
    *,
    where: str | None = None,
    allow_empty: bool = False,
) -> WriteResult:
    """Write a batch into `table` (an Iceberg table created from `spec`) in one snapshot.

    `where` (pyiceberg's row-filter syntax) turns an overwrite into a replace-where; `allow_empty`
    lets a 0-row overwrite empty the table (or the `where` range).
    """
    check_mode(spec, mode, where)
    if mode == "overwrite_partitions" and table.spec().is_unpartitioned():
        raise WriteError(f"{spec.full_name} is not partitioned: use overwrite")

    def row_filter_for(current: Table) -> RowFilter | None:
        if where is None:
            return None
        return parse_write_filter(spec.full_name, where, current.schema())

    row_filter = row_filter_for(table)
    batch = _check_batch(table, spec, data, mode, row_filter, allow_empty)
    if batch.num_rows == 0 and mode != "overwrite":
        return WriteResult(spec.full_name, mode, None, 0)
    summary = {WRITE_MODE_PROPERTY: mode, **({REPLACE_WHERE_PROPERTY: where} if where else {})}
    identifier = tuple(spec.identifier_fields)
    max_replans, total_seconds = _replan_budget(table)
    started = time.monotonic()
    replans = 0
    with _table_lock(table):
        while True:
            layout = _layout(table)
            if mode == "append":
                plan = _Plan(adds=[])  # pyiceberg's append writes the files itself
            elif mode == "upsert":
                plan = _plan_upsert(table, batch, identifier)
            elif row_filter is not None:
                plan = _plan_replace_where(table, batch, row_filter)
            elif mode == "overwrite":
                plan = _plan_overwrite(table, batch)
            else:
                plan = _plan_overwrite_partitions(table, batch)
            if mode != "append" and plan.empty:  # an allowed empty overwrite of an empty table
                return WriteResult(spec.full_name, mode, None, 0, replans=replans, where=where)
            try:
                committed = (
                    _append(table, batch, summary, layout[2])
                    if mode == "append"
                    else _commit(table, plan, summary, layout[2])
                )
            except (ValidationException, CommitFailedException) as exc:
                delete_written(table, plan.adds)
                table.refresh()
                evolved = _layout(table) != layout
                if isinstance(exc, CommitFailedException) and not evolved:
                    raise WriteError(
                        f"{spec.full_name}: the commit kept losing to concurrent writers and pyiceberg spent the "
                        f"table's retry budget (commit.retry.* properties) ({exc}); nothing was written. Raise "
                        "commit.retry.num-retries for a table this busy."
                    ) from exc
                replans += 1  # a stale plan, or a table that evolved under the batch: plan again
                if replans > max_replans or time.monotonic() - started > total_seconds:
                    raise WriteError(
                        f"{spec.full_name}: concurrent commits kept invalidating this {mode} ({exc}); gave up "
                        f"after {replans} plans (commit.retry.num-retries={max_replans}); nothing was written"
                    ) from exc
                if evolved:  # the batch must fit the table's new schema and partition spec
                    row_filter = row_filter_for(table)
                    batch = _check_batch(table, spec, data, mode, row_filter, allow_empty)
                continue
            snapshot = committed.current_snapshot()  # the commit's own result: no refresh in between
            total = snapshot.summary.get("total-records") if snapshot and snapshot.summary else None
            updated = plan.rows_updated
            return WriteResult(
                spec.full_name,
                mode,
                snapshot.snapshot_id if snapshot else None,
                batch.num_rows,
                rows_updated=updated,
                rows_inserted=batch.num_rows - updated,
                rows_deleted=plan.rows_deleted,
                replans=replans,
                where=where,
                total_rows=int(total) if total is not None else None,
            )


def default_write_mode(spec: TableSpec) -> str:
    """How scheduled writes land: a `write_mode` tag wins; day partitions are replaced per day (the
    Dagster daily partitions do that with replace-where on the day); tables with identifier fields
    are upserted; anything else is overwritten (re-runs never duplicate)."""
    tagged = spec.tags.get("write_mode")
    if tagged in WRITE_MODES:
        return tagged
    if any(p.transform == "day" for p in spec.partition_spec):
        return "overwrite_partitions"
    return "upsert" if spec.identifier_fields else "overwrite"
