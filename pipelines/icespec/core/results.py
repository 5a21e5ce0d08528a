"""What `apply` and `write` return, the same on every backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from icespec.core.changes import Change
from icespec.spec import TableSpec


@dataclass
class ApplyResult:
    spec: TableSpec
    action: str  # created | updated | unchanged
    changes: tuple[Change, ...] = ()
    governance: Any = None  # the governance step's own records (aws-glue: `ColumnTagChange`s)
    notes: list[str] = field(default_factory=list)
    governance_changes: tuple[Change, ...] = ()  # the same, as plan changes (set_column_tags, ...)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.spec.full_name,
            "action": self.action,
            "changes": [c.to_dict() for c in self.changes],
            "governance": [c.to_dict() for c in self.governance_changes],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class WriteResult:
    """One write. The counters mean the same on every backend; what the backend committed is an
    Iceberg snapshot (`snapshot_id`) or a BigQuery DML job (`job_id`), as `commit_kind` says."""

    table: str  # namespace.name (BigQuery: project.dataset.name)
    mode: str
    snapshot_id: int | None  # the Iceberg snapshot this write committed (None: nothing committed)
    rows_written: int  # rows in the batch
    rows_updated: int = 0  # upsert: batch rows whose key already existed
    rows_inserted: int = 0  # upsert: batch rows with a new key; other modes: rows_written
    rows_deleted: int = 0  # live rows removed (overwrite modes; upsert: the rows it replaced)
    replans: int = 0  # times the write was planned again because a concurrent commit made its plan stale
    where: str | None = None  # replace-where expression
    total_rows: int | None = None  # rows in the table after the write, where the commit says
    commit_kind: str = "snapshot"  # "snapshot" (Iceberg) or "job" (a BigQuery DML statement)
    job_id: str | None = None
    null_lists_as_empty: int = 0  # BigQuery has no NULL ARRAY: NULL lists/maps stored as []

    @property
    def committed(self) -> bool:
        return (self.snapshot_id if self.commit_kind == "snapshot" else self.job_id) is not None

    def describe(self) -> str:
        if not self.committed:
            return f"{self.table}: {self.mode}: nothing to write (0 rows), no {self.commit_kind} committed"
        scope = f" where {self.where}" if self.where else ""
        commit = self.snapshot_id if self.commit_kind == "snapshot" else self.job_id
        text = (
            f"{self.table}: {self.mode}{scope} wrote {self.rows_written} rows ({self.commit_kind} {commit})"
        )
        if self.mode == "upsert":
            text += f": {self.rows_updated} updated, {self.rows_inserted} inserted"
        elif self.rows_deleted:
            text += f", replaced {self.rows_deleted} rows"
        if self.null_lists_as_empty:
            text += f"; {self.null_lists_as_empty} NULL list/map value(s) stored as [] (BigQuery has no NULL ARRAY)"
        return text

    def metadata(self) -> dict[str, Any]:
        """What only this backend's commit has (for Dagster output metadata)."""
        if self.commit_kind == "job":
            return {"job_id": str(self.job_id), "null_lists_as_empty": self.null_lists_as_empty}
        facts: dict[str, Any] = {"snapshot_id": str(self.snapshot_id), "replans": self.replans}
        if self.where:
            facts["replace_where"] = self.where
        return facts


MAINTENANCE_STEPS = ("compact", "expire", "unreferenced", "orphans")  # in the order they run


@dataclass
class StepResult:
    """One maintenance step on one table (docs/maintenance.md)."""

    step: str  # compact | expire | unreferenced | orphans
    status: str  # done | dry-run | skipped | failed
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""  # why it was skipped, what failed, or what it means

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "counts": dict(self.counts), "note": self.note}


@dataclass
class MaintenanceResult:
    """`maintain` on one table, the same shape on every backend."""

    table: str
    dry_run: bool = False
    steps: list[StepResult] = field(default_factory=list)
    snapshots_before: int = 0
    snapshots_after: int = 0
    data_files_before: int = 0
    data_files_after: int = 0
    error: str | None = None  # "TABLE: STEP failed: ..." when a step failed (the run stopped there)
    note: str = ""  # what the backend says of maintenance (e.g. managed by BigQuery)

    @property
    def failed_step(self) -> str | None:
        return next((s.step for s in self.steps if s.status == "failed"), None)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.step == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "dry_run": self.dry_run,
            "snapshots_before": self.snapshots_before,
            "snapshots_after": self.snapshots_after,
            "data_files_before": self.data_files_before,
            "data_files_after": self.data_files_after,
            "steps": [s.to_dict() for s in self.steps],
            "error": self.error,
            "note": self.note,
        }
