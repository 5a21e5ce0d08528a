"""Which backend: one `Lakehouse` per Settings, so commands and Dagster never branch on the backend.

`open_lakehouse(settings)` opens the implementation the backend's registry entry names
(`icespec.backends.registry`):
- the pyiceberg catalogs (local, aws-glue, aws-nessie) → `IcebergLakehouse` (`icespec.tables`
  plan/apply and the safe writers);
- gcp → `icespec.gcp.tables.BigQueryTables` (BigQuery tables for Apache Iceberg).

Both plan with the same `TablePlan`/`Change`, raise `ApplyError` / `WriteError` with the backend's
own reason (e.g. a write mode BigQuery cannot do), and return results with the same counters.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from icespec.backends import get_backend
from icespec.catalogs import Settings
from icespec.catalogs.settings import IcebergSettings, settings_as
from icespec.core.changes import TablePlan
from icespec.core.results import MAINTENANCE_STEPS, ApplyResult, MaintenanceResult, StepResult, WriteResult
from icespec.errors import NotFoundError
from icespec.spec import TableSpec
from icespec.tables.governance import Governance, governance_for

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

    from icespec.tables.maintain import MaintenanceOptions

__all__ = ["DayRange", "IcebergLakehouse", "Lakehouse", "SnapshotNotFound", "WriteOutcome", "open_lakehouse"]


class SnapshotNotFound(NotFoundError):
    """The snapshot asked for is not in the table (expired, or written to another lakehouse)."""


@dataclass(frozen=True)
class DayRange:
    """Rows whose `column` lies in whole UTC days [first, end): a Dagster daily partition range."""

    column: str
    first: dt.date
    end: dt.date  # exclusive

    def where(self, spec: TableSpec) -> str:
        """The range in pyiceberg's row-filter syntax, literals in the column's own type."""
        from icespec.schema import iceberg_schema
        from icespec.tables.filters import day_range_text

        field_type = iceberg_schema(spec).find_field(self.column).field_type
        return day_range_text(self.column, field_type, self.first, self.end)


WriteOutcome = WriteResult  # what every backend's write returns (icespec.core.results)


@runtime_checkable
class Lakehouse(Protocol):
    backend: str

    def plan(self, spec: TableSpec, *, data_impact: bool = False) -> TablePlan:
        """The table against its template (also what drift reports). `data_impact`: say what each
        change does to the rows already there (may read the affected columns)."""
        ...

    def apply(
        self, specs: Sequence[TableSpec], *, allow_breaking: bool = False, rewrite_incompatible: bool = False
    ) -> list[ApplyResult]:
        """Create/evolve every table; breaking changes anywhere refuse the whole run up front.
        `rewrite_incompatible`: carry out incompatible type changes by converting the stored values."""
        ...

    def write(
        self,
        spec: TableSpec,
        data: Any,
        mode: str = "append",
        *,
        where: str | None = None,
        allow_empty: bool = False,
    ) -> WriteOutcome:
        """One atomic write. `where` (pyiceberg's row-filter syntax, mode overwrite) replaces only the
        rows it matches; a 0-row overwrite is refused unless `allow_empty`."""
        ...

    def read(
        self, spec: TableSpec, *, between: DayRange | None = None, snapshot_id: int | None = None
    ) -> pa.Table:
        """Rows of the table (or of `between`), at `snapshot_id` when given (backends with snapshots)."""
        ...

    def location(self, spec: TableSpec) -> str:
        """Where the table lives, known without contacting the backend."""
        ...

    def table_metadata(self, spec: TableSpec) -> dict[str, Any]:
        """What the table holds now: `row_count` and `table_location` at least."""
        ...

    def maintain(self, spec: TableSpec, options: MaintenanceOptions | None = None) -> MaintenanceResult:
        """Compact, expire snapshots, delete unreferenced and orphan files (docs/maintenance.md); steps
        the backend leaves to something else are reported as skipped, with why."""
        ...


@dataclass
class IcebergLakehouse:
    """The pyiceberg backends; the catalog opens on first use.

    Plans include the backend's governance step (aws-glue: Lake Formation column tags) as a dry
    run, so `icespec plan`, `icespec drift` and the drift sensor all see it through `plan`.
    """

    settings: IcebergSettings
    _catalog: Catalog | None = field(default=None, repr=False)
    _opening: threading.Lock = field(default_factory=threading.Lock, repr=False)  # drift plans in threads
    governance: Governance | None = field(default=None, repr=False)
    read_only: bool = False  # plan, drift, check: never create a catalog or a folder

    def __post_init__(self) -> None:
        if self.governance is None:
            self.governance = governance_for(self.settings)

    @property
    def backend(self) -> str:
        return self.settings.backend

    @property
    def catalog(self) -> Catalog:
        with self._opening:
            if self._catalog is None:
                from icespec.catalogs import open_catalog

                self._catalog = open_catalog(self.settings, create=not self.read_only)
        return self._catalog

    def plan(self, spec: TableSpec, *, data_impact: bool = False) -> TablePlan:
        from icespec.catalogs import CatalogMissing
        from icespec.tables.plan import diff_table, plan_table

        try:
            catalog = self.catalog
        except CatalogMissing:  # a read-only look at a lakehouse not created yet: every table is new
            return diff_table(spec, None)
        return plan_table(spec, catalog, self.governance, data_impact=data_impact)

    def apply(
        self, specs: Sequence[TableSpec], *, allow_breaking: bool = False, rewrite_incompatible: bool = False
    ) -> list[ApplyResult]:
        from icespec.tables.apply import apply_plan
        from icespec.tables.plan import plan_tables

        plans = plan_tables(specs, self.catalog)  # breaking check only: governance changes never break
        return apply_plan(
            plans,
            self.catalog,
            allow_breaking=allow_breaking,
            rewrite_incompatible=rewrite_incompatible,
            governance=self.governance,
        )

    def _table(self, spec: TableSpec) -> Table:
        from icespec.tables.plan import load_live_table
        from icespec.tables.writers import WriteError

        table = load_live_table(self.catalog, spec)
        if table is None:
            raise WriteError(f"table {spec.full_name} does not exist yet; run `icespec apply` first")
        return table

    def write(
        self,
        spec: TableSpec,
        data: Any,
        mode: str = "append",
        *,
        where: str | None = None,
        allow_empty: bool = False,
    ) -> WriteOutcome:
        from icespec.tables.writers import write_table

        return write_table(self._table(spec), spec, data, mode, where=where, allow_empty=allow_empty)

    def read(
        self, spec: TableSpec, *, between: DayRange | None = None, snapshot_id: int | None = None
    ) -> pa.Table:
        from pyiceberg.expressions import AlwaysTrue

        from icespec.tables.filters import parse_row_filter

        table = self._table(spec)
        if snapshot_id is not None and table.snapshot_by_id(snapshot_id) is None:
            raise SnapshotNotFound(
                f"{spec.full_name} has no snapshot {snapshot_id} (expired, or another lakehouse)"
            )
        row_filter: Any = AlwaysTrue()
        if between is not None:  # the scan binds it again to the schema of the snapshot it reads
            row_filter = parse_row_filter(between.where(spec), table.schema()).unbound
        return table.scan(row_filter=row_filter, snapshot_id=snapshot_id).to_arrow()

    def location(self, spec: TableSpec) -> str:
        # Where the catalog places a table by default: {warehouse}/{namespace}.db/{name}.
        return f"{(self.settings.warehouse or '').rstrip('/')}/{spec.namespace}.db/{spec.name}"

    def maintain(self, spec: TableSpec, options: MaintenanceOptions | None = None) -> MaintenanceResult:
        from icespec.tables.maintain import MaintenanceOptions, maintain_table

        backend = get_backend(self.backend)
        handed_over = backend.maintenance_engines.get(spec.maintenance.engine)
        if handed_over:  # the cloud does all of it: do not even load the table
            return MaintenanceResult(
                spec.full_name,
                dry_run=bool(options and options.dry_run),
                steps=[StepResult(step, "skipped", note=handed_over) for step in MAINTENANCE_STEPS],
                note=handed_over,
            )
        table = self._table(spec)
        return maintain_table(
            table, spec, options or MaintenanceOptions(), skipped=dict(backend.maintenance_skips)
        )

    def table_metadata(self, spec: TableSpec) -> dict[str, Any]:
        table = self._table(spec)
        snapshot = table.current_snapshot()
        rows = int(snapshot.summary.get("total-records") or 0) if snapshot and snapshot.summary else 0
        return {
            "table_location": table.location(),
            "row_count": rows,
            "snapshot_id": str(snapshot.snapshot_id) if snapshot else "None",
        }


def open_lakehouse(
    settings: Settings | None = None, *, catalog: Catalog | None = None, read_only: bool = False
) -> Lakehouse:
    """The backend `settings` selects (SettingsError naming what is missing, before any I/O).

    `read_only`: for commands that only look (plan, drift, check): no catalog or folder is created."""
    settings = settings or Settings.from_env()
    lakehouse: Lakehouse = get_backend(settings.backend).hook("lakehouse")(
        settings, catalog=catalog, read_only=read_only
    )
    return lakehouse


def open_iceberg_lakehouse(
    settings: Settings, *, catalog: Catalog | None = None, read_only: bool = False
) -> IcebergLakehouse:
    """The factory of every pyiceberg-catalog backend (its registry entry's `lakehouse`)."""
    return IcebergLakehouse(
        settings_as(settings, IcebergSettings, "a pyiceberg lakehouse"), catalog, read_only=read_only
    )
