"""Table maintenance on the pyiceberg catalogs: compact, expire snapshots, delete what expiry
unreferenced, remove orphans (docs/maintenance.md).

pyiceberg 0.12 has the metadata half of expiry (`ExpireSnapshots`, which deletes no file and ignores
the `history.expire.*` properties), no compaction and no orphan removal. This module adds them the way
Iceberg's own actions define them, through pyiceberg's snapshot producers and the table's FileIO:

1. **compact**: small data files (under 75% of `write.target-file-size-bytes`, Iceberg's
   `min-file-size-bytes` default) are bin-packed per partition into files up to the target, rows in
   the template's sort order, committed as ONE `replace` snapshot that changes no row. pyiceberg's
   commit loop re-bases it over concurrent appends; a concurrent commit that removed a file being
   compacted fails its validation and the compaction is planned again.
2. **expire**: the table spec's snapshot retention policy (Iceberg spec, "Snapshot Retention
   Policy"), with the table's `history.expire.*` properties and each ref's own overrides: refs older
   than their max ref age are removed (never `main`); every ref keeps its snapshot and every branch
   keeps its ancestors while they are younger than the max snapshot age or among its newest
   min-snapshots-to-keep. A snapshot no ref reaches is kept until it is older than the max age
   (Iceberg's `ExpireSnapshots` default), so a staged WAP snapshot is never expired young.
3. **unreferenced**: manifest lists of the expired snapshots, their manifests no kept snapshot
   uses, and data/delete files no kept snapshot can read; metadata.json files dropped from the
   metadata log (`write.metadata.previous-versions-max`) and older than the current metadata.
4. **orphans**: files under the table location that no metadata references at all, older than
   `orphan_older_than` (template; `--older-than`): a write in flight has files nothing references
   yet, and they are younger than that.

Deletions go through the table's FileIO; listing (orphans, old metadata) through the FileIO's own
filesystem (pyarrow's or fsspec's), so local, S3 and GCS work alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pyiceberg.exceptions import CommitFailedException, ValidationException
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io.pyarrow import ArrowScan
from pyiceberg.manifest import DataFile, ManifestEntryStatus
from pyiceberg.table import TableProperties
from pyiceberg.table.refs import MAIN_BRANCH, SnapshotRefType
from pyiceberg.table.snapshots import Operation, Summary
from pyiceberg.table.update.snapshot import _OverwriteFiles
from pyiceberg.utils.properties import property_as_int

from icespec.core.conform import sort_rows
from icespec.core.results import MAINTENANCE_STEPS, MaintenanceResult, StepResult
from icespec.errors import IcespecError
from icespec.spec import TableSpec
from icespec.tables.writers import (
    _replan_budget,
    _require_fields,
    _table_lock,
    _write_files,
    delete_written,
)

if TYPE_CHECKING:
    from pyiceberg.table import FileScanTask, Table
    from pyiceberg.table.snapshots import Snapshot

__all__ = ["MAINTENANCE_STEPS", "MaintenanceError", "MaintenanceOptions", "maintain_table", "parse_duration"]

COMPACTION_PROPERTY = "icespec.maintenance"  # in the compaction snapshot's summary

# Iceberg's defaults (TableProperties.java; table spec, "Snapshot Retention Policy").
TARGET_FILE_SIZE_DEFAULT = 512 * 1024 * 1024
MAX_SNAPSHOT_AGE_MS_DEFAULT = 5 * 24 * 3600 * 1000
MIN_SNAPSHOTS_TO_KEEP_DEFAULT = 1
SMALL_FILE_RATIO = 0.75  # RewriteDataFiles' min-file-size-bytes: 75% of the target


class MaintenanceError(IcespecError):
    """A maintenance step could not finish; the table is as the last committed step left it."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> dt.timedelta:
    """'30s', '6h', '3d' → timedelta (the CLI's --older-than and the template's orphan_older_than)."""
    text = text.strip()
    if len(text) < 2 or text[-1] not in _UNITS or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise ValueError(f"'{text}' is not a duration: write a positive number and s, m, h or d (e.g. 3d)")
    return dt.timedelta(seconds=int(text[:-1]) * _UNITS[text[-1]])


@dataclass(frozen=True)
class MaintenanceOptions:
    dry_run: bool = False
    older_than: dt.timedelta | None = None  # orphan age; None: the template's orphan_older_than
    now: dt.datetime | None = None  # the clock retention and orphan ages are measured against
    steps: tuple[str, ...] = MAINTENANCE_STEPS

    def clock(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _key(path: str) -> str:
    """A file path as listing and metadata both spell it: no scheme (s3/s3a/file), no `//`."""
    parsed = urlparse(path)
    if parsed.scheme and len(parsed.scheme) > 1:  # not a Windows drive letter
        return f"{parsed.netloc}{parsed.path}".lstrip("/")
    return path.lstrip("/")


# -- compact ------------------------------------------------------------------------------------
class _RewriteFiles(_OverwriteFiles):
    """An overwrite producer whose snapshot says `replace`: files changed, rows did not (Iceberg
    spec, "Snapshots": replace is "data and delete files were added and removed without changing
    table data; i.e., compaction"). pyiceberg builds summaries only for append/overwrite/delete, so
    the summary is built as an overwrite and then named replace; totals are unchanged by definition.

    Validation follows Iceberg's RewriteFiles: the files being replaced must still be live and have
    no new deletes; files appended meanwhile are no conflict (the commit is re-based over them)."""

    def _summary(self, snapshot_properties: dict[str, str] = {}) -> Any:  # noqa: B006 - pyiceberg's signature
        summary = super()._summary(snapshot_properties)
        return Summary(Operation.REPLACE, **summary.additional_properties)

    def _validate_concurrency(self) -> None:
        from pyiceberg.table.update.validate import (
            _validate_data_files_exist,
            _validate_no_new_deletes_for_data_files,
        )

        window = self._commit_window
        if window is None or window.is_empty() or window.head is None:
            return
        table = self._transaction._table
        _validate_data_files_exist(table, window.head, self._deleted_data_files, window.base)
        _validate_no_new_deletes_for_data_files(
            table, window.head, None, self._deleted_data_files, window.base
        )


@dataclass
class _Bin:
    spec_id: int
    partition: Any
    tasks: list[FileScanTask] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(t.file.file_size_in_bytes for t in self.tasks)


def _target_size(table: Table) -> int:
    return (
        property_as_int(
            table.properties, TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, TARGET_FILE_SIZE_DEFAULT
        )
        or TARGET_FILE_SIZE_DEFAULT
    )


def _compaction_bins(table: Table) -> list[_Bin]:
    """Small live files grouped per (spec, partition), packed first-fit by size up to the target;
    a bin of one file is no compaction and is dropped."""
    if table.current_snapshot() is None:
        return []
    target = _target_size(table)
    small = [t for t in table.scan().plan_files() if t.file.file_size_in_bytes < target * SMALL_FILE_RATIO]
    groups: dict[tuple[int, Any], list[FileScanTask]] = {}
    for task in small:
        groups.setdefault((task.file.spec_id, task.file.partition), []).append(task)
    bins: list[_Bin] = []
    for (spec_id, partition), tasks in groups.items():
        if len(tasks) < 2:
            continue
        current: _Bin | None = None
        for task in sorted(tasks, key=lambda t: t.file.file_path):
            if current is None or current.size + task.file.file_size_in_bytes > target:
                current = _Bin(spec_id, partition)
                bins.append(current)
            current.tasks.append(task)
    return [b for b in bins if len(b.tasks) > 1]


@dataclass
class CompactionPlan:
    """Small files grouped into bins, and (unless a dry run) the files their rows were rewritten to."""

    bins: list[_Bin]
    last_column_id: int  # the newest field id the rewrite was written under
    written: list[DataFile] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "files_compacted": sum(len(b.tasks) for b in self.bins),
            "bytes_compacted": sum(b.size for b in self.bins),
            "partitions": len({(b.spec_id, b.partition) for b in self.bins}),
            "files_written": len(self.written),
            "bytes_written": sum(f.file_size_in_bytes for f in self.written),
        }


def plan_compaction(table: Table, spec: TableSpec, *, write: bool = True) -> CompactionPlan:
    """Bin the small files and (with `write`) rewrite each bin's rows, sorted, into new files.

    One bin is in memory at a time: at most about the target file size of rows."""
    plan = CompactionPlan(_compaction_bins(table), table.metadata.last_column_id)
    if not write:
        return plan
    schema = table.schema().as_arrow()
    try:
        for bin_ in plan.bins:  # pyiceberg reads a bin's files in parallel, deletes applied
            rows = ArrowScan(table.metadata, table.io, table.schema(), AlwaysTrue()).to_table(bin_.tasks)
            plan.written += _write_files(table, sort_rows(rows.cast(schema), spec), schema)
    except BaseException:
        delete_written(table, plan.written)
        raise
    return plan


def commit_compaction(table: Table, plan: CompactionPlan) -> Table:
    """One replace snapshot: the bins' files out, the rewritten files in. pyiceberg re-bases it over
    concurrent appends; a concurrent commit that removed or deleted from a compacted file fails its
    validation (`ValidationException`), and then the rewritten files are deleted."""
    try:
        tx = table.transaction()
        _require_fields(tx, plan.last_column_id)
        producer = _RewriteFiles(
            operation=Operation.OVERWRITE, transaction=tx, io=table.io,
            snapshot_properties={COMPACTION_PROPERTY: "compact"},
        )  # fmt: skip
        for bin_ in plan.bins:
            for task in bin_.tasks:
                producer.delete_data_file(task.file)
        for data_file in plan.written:
            producer.append_data_file(data_file)
        producer.commit()
        return tx.commit_transaction()
    except (ValidationException, CommitFailedException):
        delete_written(table, plan.written)  # the commit did not land (pyiceberg's guarantee)
        raise


def compact(table: Table, spec: TableSpec, *, dry_run: bool = False) -> StepResult:
    """Bin-pack small files (see module doc) into one replace snapshot; planned again, within the
    table's commit.retry.* budget, when a concurrent commit invalidates the plan."""
    max_replans, total_seconds = _replan_budget(table)
    started, replans = time.monotonic(), 0
    with _table_lock(table):
        while True:
            plan = plan_compaction(table, spec, write=not dry_run)
            if dry_run or not plan.bins:
                return StepResult("compact", "dry-run" if dry_run else "done", counts=plan.counts,
                                  note="" if plan.bins else "no partition has two or more small files")  # fmt: skip
            try:
                commit_compaction(table, plan)
            except (ValidationException, CommitFailedException) as exc:
                table.refresh()
                replans += 1
                if replans > max_replans or time.monotonic() - started > total_seconds:
                    raise MaintenanceError(
                        f"{spec.full_name}: compaction kept losing to concurrent commits ({exc}); gave up "
                        f"after {replans} plans; the table is unchanged"
                    ) from exc
                continue
            return StepResult("compact", "done", counts={**plan.counts, "replans": replans})


# -- expire -------------------------------------------------------------------------------------
def _table_retention(table: Table) -> tuple[int, int, int | None]:
    props = table.properties
    max_age = property_as_int(props, "history.expire.max-snapshot-age-ms", MAX_SNAPSHOT_AGE_MS_DEFAULT)
    min_keep = property_as_int(props, "history.expire.min-snapshots-to-keep", MIN_SNAPSHOTS_TO_KEEP_DEFAULT)
    max_ref_age = property_as_int(props, "history.expire.max-ref-age-ms", None)
    return max_age or 0, max(1, min_keep or 1), max_ref_age


@dataclass(frozen=True)
class RetentionPlan:
    expired_refs: tuple[str, ...]
    expired_snapshots: tuple[int, ...]
    kept_snapshots: tuple[int, ...]


def plan_retention(table: Table, now: dt.datetime) -> RetentionPlan:
    """The Iceberg spec's retention policy (module doc, step 2)."""
    metadata = table.metadata
    now_ms = _ms(now)
    max_age, min_keep, max_ref_age = _table_retention(table)
    by_id = {s.snapshot_id: s for s in metadata.snapshots}
    expired_refs = []
    retained: set[int] = set()
    for name, ref in metadata.refs.items():
        snapshot = by_id.get(ref.snapshot_id)
        ref_age_limit = ref.max_ref_age_ms if ref.max_ref_age_ms is not None else max_ref_age
        if (
            name != MAIN_BRANCH
            and ref_age_limit is not None
            and snapshot is not None
            and now_ms - snapshot.timestamp_ms > ref_age_limit
        ):
            expired_refs.append(name)
            continue
        retained.add(ref.snapshot_id)
        if ref.snapshot_ref_type != SnapshotRefType.BRANCH:
            continue
        branch_age = ref.max_snapshot_age_ms if ref.max_snapshot_age_ms is not None else max_age
        branch_keep = ref.min_snapshots_to_keep if ref.min_snapshots_to_keep is not None else min_keep
        for position, ancestor in enumerate(_ancestors(ref.snapshot_id, by_id)):
            if position >= branch_keep and now_ms - ancestor.timestamp_ms > branch_age:
                break
            retained.add(ancestor.snapshot_id)
    reachable = {a.snapshot_id for ref in metadata.refs.values() for a in _ancestors(ref.snapshot_id, by_id)}
    for snapshot in metadata.snapshots:  # on no ref's history (e.g. a staged WAP snapshot): by age only
        if snapshot.snapshot_id not in reachable and now_ms - snapshot.timestamp_ms <= max_age:
            retained.add(snapshot.snapshot_id)
    expired = tuple(s.snapshot_id for s in metadata.snapshots if s.snapshot_id not in retained)
    return RetentionPlan(tuple(expired_refs), expired, tuple(sorted(retained)))


def _ancestors(snapshot_id: int | None, by_id: dict[int, Snapshot]) -> Iterator[Snapshot]:
    seen: set[int] = set()
    while snapshot_id is not None and snapshot_id in by_id and snapshot_id not in seen:
        seen.add(snapshot_id)
        snapshot = by_id[snapshot_id]
        yield snapshot
        snapshot_id = snapshot.parent_snapshot_id


def expire(table: Table, now: dt.datetime, *, dry_run: bool = False) -> tuple[StepResult, list[Snapshot]]:
    """Apply the retention plan; returns the step and the snapshots it removed from metadata."""
    plan = plan_retention(table, now)
    by_id = {s.snapshot_id: s for s in table.metadata.snapshots}
    expired = [by_id[i] for i in plan.expired_snapshots]
    counts = {"snapshots_expired": len(expired), "refs_removed": len(plan.expired_refs),
              "snapshots_kept": len(plan.kept_snapshots)}  # fmt: skip
    note = f"refs past their max age: {', '.join(plan.expired_refs)}" if plan.expired_refs else ""
    if dry_run or (not expired and not plan.expired_refs):
        return StepResult("expire", "dry-run" if dry_run else "done", counts=counts, note=note), expired
    with _table_lock(table):
        if plan.expired_refs:
            refs = table.manage_snapshots()
            for name in plan.expired_refs:
                if table.metadata.refs[name].snapshot_ref_type == SnapshotRefType.TAG:
                    refs = refs.remove_tag(name)
                else:
                    refs = refs.remove_branch(name)
            refs.commit()
        if expired:
            table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in expired]).commit()
    return StepResult("expire", "done", counts=counts, note=note), expired


# -- reachability ---------------------------------------------------------------------------------
def _manifests_of(table: Table, snapshots: Iterable[Snapshot]) -> dict[str, Any]:
    manifests: dict[str, Any] = {}
    for snapshot in snapshots:
        for manifest in snapshot.manifests(table.io):
            manifests.setdefault(manifest.manifest_path, manifest)
    return manifests


def _entries(table: Table, manifests: Iterable[Any]) -> Iterator[Any]:
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="icespec-manifests") as pool:
        for entries in pool.map(lambda m: m.fetch_manifest_entry(table.io, discard_deleted=False), manifests):
            yield from entries


def _live_files(table: Table, manifests: Iterable[Any]) -> set[str]:
    return {
        e.data_file.file_path for e in _entries(table, manifests) if e.status != ManifestEntryStatus.DELETED
    }


def referenced_files(table: Table) -> set[str]:
    """Every file any metadata of the table points at: metadata files in the log, statistics, and
    every snapshot's manifest list, manifests and files (whatever the entry's status)."""
    metadata = table.metadata
    files = {table.metadata_location, *(log.metadata_file for log in metadata.metadata_log)}
    files |= {s.statistics_path for s in metadata.statistics}
    files |= {s.statistics_path for s in getattr(metadata, "partition_statistics", [])}
    files |= {s.manifest_list for s in metadata.snapshots}
    manifests = _manifests_of(table, metadata.snapshots)
    files |= set(manifests)
    files |= {e.data_file.file_path for e in _entries(table, manifests.values())}
    return {_key(f) for f in files}


def _delete(table: Table, paths: Sequence[str]) -> None:
    def remove(path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            table.io.delete(path)

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="icespec-delete") as pool:
        list(pool.map(remove, paths))


# -- listing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListedFile:
    path: str  # as the filesystem spells it, with the location's scheme
    size: int
    modified: dt.datetime


def list_files(table: Table, location: str) -> list[ListedFile]:
    """Every file under `location` (recursively), through the table FileIO's filesystem."""
    from pyiceberg.io.fsspec import FsspecFileIO
    from pyiceberg.io.pyarrow import PyArrowFileIO

    io = table.io
    parsed = urlparse(location)
    scheme = parsed.scheme or "file"
    prefix = f"{scheme}://" if scheme != "file" else "file://"
    if isinstance(io, PyArrowFileIO):
        from pyarrow import fs as pafs

        scheme, netloc, path = io.parse_location(location)
        filesystem = io.fs_by_scheme(scheme, netloc)
        selector = pafs.FileSelector(path.rstrip("/"), recursive=True, allow_not_found=True)
        found = []
        for info in filesystem.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            modified = info.mtime or dt.datetime.now(dt.UTC)
            if modified.tzinfo is None:
                modified = modified.replace(tzinfo=dt.UTC)
            found.append(ListedFile(f"{prefix}{info.path}" if scheme != "file" else f"file://{info.path}",
                                    int(info.size or 0), modified))  # fmt: skip
        return found
    if isinstance(io, FsspecFileIO):
        filesystem = io.get_fs(scheme)
        root = f"{parsed.netloc}{parsed.path}" if scheme != "file" else parsed.path
        found = []
        for path, detail in filesystem.find(root.rstrip("/"), detail=True).items():
            modified = detail.get("LastModified") or detail.get("mtime") or detail.get("updated")
            if isinstance(modified, int | float):
                modified = dt.datetime.fromtimestamp(modified, dt.UTC)
            elif isinstance(modified, str):
                modified = dt.datetime.fromisoformat(modified.replace("Z", "+00:00"))
            found.append(ListedFile(f"{prefix}{path}", int(detail.get("size") or 0), modified))
        return found
    raise MaintenanceError(
        f"cannot list files through {type(io).__name__}: orphan removal needs pyarrow's or fsspec's FileIO"
    )


def _under(location: str) -> str:
    return _key(location).rstrip("/") + "/"


# -- unreferenced -------------------------------------------------------------------------------
def delete_unreferenced(table: Table, expired: Sequence[Snapshot], *, dry_run: bool = False) -> StepResult:
    """Files only the expired snapshots could reach, and metadata.json files the log dropped.

    What stays is computed from the snapshots not in `expired`, so a dry run (where `table` still
    holds them) counts what a real run deletes."""
    expired_ids = {s.snapshot_id for s in expired}
    kept = [s for s in table.metadata.snapshots if s.snapshot_id not in expired_ids]
    kept_manifests = _manifests_of(table, kept)
    candidates: list[str] = [s.manifest_list for s in expired]
    gone_manifests = {p: m for p, m in _manifests_of(table, expired).items() if p not in kept_manifests}
    candidates += list(gone_manifests)
    readable = {_key(p) for p in _live_files(table, kept_manifests.values())}
    dead = {e.data_file.file_path: e.data_file for e in _entries(table, gone_manifests.values())}
    dead_files = [p for p in dead if _key(p) not in readable]
    # a file a kept manifest marks DELETED stays listed only in kept manifests: those go too once no
    # kept snapshot reads them (their only reader was an expired parent)
    for entry in _entries(table, kept_manifests.values()):
        path = entry.data_file.file_path
        if entry.status == ManifestEntryStatus.DELETED and _key(path) not in readable and path not in dead:
            dead[path] = entry.data_file
            dead_files.append(path)
    old_metadata = _dropped_metadata(table)
    counts = {
        "manifest_lists": len(expired),
        "manifests": len(gone_manifests),
        "data_files": sum(1 for p in dead_files if dead[p].content == 0),
        "delete_files": sum(1 for p in dead_files if dead[p].content != 0),
        "metadata_files": len(old_metadata),
        "bytes": sum(dead[p].file_size_in_bytes for p in dead_files) + sum(f.size for f in old_metadata),
    }
    if not dry_run:
        _delete(table, [*candidates, *dead_files, *(f.path for f in old_metadata)])
    return StepResult("unreferenced", "dry-run" if dry_run else "done", counts=counts)


def _metadata_folder(table: Table) -> str:
    location = table.metadata_location
    return location[: location.rfind("/")]


def _dropped_metadata(table: Table) -> list[ListedFile]:
    """metadata.json files neither current nor in the metadata log, older than the current one (a
    commit in flight writes its metadata.json after the version it builds on)."""
    keep = {_key(table.metadata_location), *(_key(log.metadata_file) for log in table.metadata.metadata_log)}
    current_ms = table.metadata.last_updated_ms
    return [
        f for f in list_files(table, _metadata_folder(table))
        if f.path.endswith(".metadata.json") and _key(f.path) not in keep and _ms(f.modified) < current_ms
    ]  # fmt: skip


# -- orphans ------------------------------------------------------------------------------------
def remove_orphans(
    table: Table, now: dt.datetime, older_than: dt.timedelta, *, dry_run: bool = False
) -> StepResult:
    referenced = referenced_files(table)
    cutoff = now - older_than
    listed = list_files(table, table.location())
    orphans = [f for f in listed if _key(f.path) not in referenced]
    old = [f for f in orphans if f.modified < cutoff]
    counts = {"files": len(old), "bytes": sum(f.size for f in old), "kept_young": len(orphans) - len(old)}
    if not dry_run:
        _delete(table, [f.path for f in old])
    return StepResult("orphans", "dry-run" if dry_run else "done", counts=counts,
                      note=f"files nothing references, older than {_describe(older_than)}")  # fmt: skip


def _describe(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- the whole run ------------------------------------------------------------------------------
def _data_files(table: Table) -> int:
    return sum(1 for _ in table.scan().plan_files()) if table.current_snapshot() else 0


def maintain_table(
    table: Table,
    spec: TableSpec,
    options: MaintenanceOptions = MaintenanceOptions(),
    *,
    skipped: dict[str, str] | None = None,
) -> MaintenanceResult:
    """Run the steps in order on one table. `skipped`: step → why this backend leaves it out.

    A step that fails ends the run for this table (later steps would work on a table in an unknown
    state); the result names the step and the error, and what earlier steps did stays done."""
    skipped = dict(skipped or {})
    now = options.clock()
    older_than = options.older_than or parse_duration(spec.maintenance.orphan_older_than)
    result = MaintenanceResult(
        table=spec.full_name,
        dry_run=options.dry_run,
        snapshots_before=len(table.metadata.snapshots),
        data_files_before=_data_files(table),
    )
    steps: dict[str, Callable[[], StepResult]] = {}
    expired: list[Snapshot] = []

    def run_expire() -> StepResult:
        step, removed = expire(table, now, dry_run=options.dry_run)
        expired.extend(removed)
        return step

    steps["compact"] = lambda: compact(table, spec, dry_run=options.dry_run)
    steps["expire"] = run_expire
    steps["unreferenced"] = lambda: delete_unreferenced(table, expired, dry_run=options.dry_run)
    steps["orphans"] = lambda: remove_orphans(table, now, older_than, dry_run=options.dry_run)
    if not spec.maintenance.compact:
        skipped.setdefault("compact", "the template says compact: false")
    for name in MAINTENANCE_STEPS:
        if name in skipped or name not in options.steps:
            result.steps.append(StepResult(name, "skipped", note=skipped.get(name, "not asked for")))
            continue
        try:
            result.steps.append(steps[name]())
        except Exception as exc:  # the run stops at the failed step; the error names it
            result.steps.append(StepResult(name, "failed", note=f"{type(exc).__name__}: {exc}"))
            result.error = f"{spec.full_name}: {name} failed: {exc}"
            break
        if not options.dry_run:
            table.refresh()
    result.snapshots_after = len(table.metadata.snapshots)
    result.data_files_after = _data_files(table)
    return result
