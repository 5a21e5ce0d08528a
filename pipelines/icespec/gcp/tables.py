"""The gcp backend behind `icespec.tables.backend.Lakehouse`: BigQueryLakehouse, with the results and
errors every other backend gives (ApplyResult, ApplyError, WriteError), so commands stay generic.

The BigQuery client is made on first use: Dagster definitions load (and `location`) without
contacting Google or looking for credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from icespec.catalogs.settings import Settings
from icespec.core.changes import TablePlan
from icespec.core.results import MAINTENANCE_STEPS, ApplyResult, MaintenanceResult, StepResult, WriteResult
from icespec.gcp.backend import BigQueryLakehouse, GcpBackendError
from icespec.gcp.settings import GcpSettings
from icespec.spec import TableSpec
from icespec.tables.apply import ApplyError
from icespec.tables.writers import WriteError, to_arrow

if TYPE_CHECKING:
    import pyarrow as pa

    from icespec.tables.backend import DayRange


def open_bigquery_tables(
    settings: Settings, *, catalog: Any = None, read_only: bool = False
) -> BigQueryTables:
    """The gcp backend's factory (its registry entry's `lakehouse`): no pyiceberg catalog; plan, drift and
    check only read BigQuery, so `read_only` changes nothing here."""
    return BigQueryTables.from_settings(settings)


@dataclass
class BigQueryTables:
    settings: GcpSettings

    @property
    def backend(self) -> str:
        return self.settings.backend

    @classmethod
    def from_settings(cls, settings: Settings) -> BigQueryTables:
        return cls(GcpSettings.from_settings(settings))

    @cached_property
    def lakehouse(self) -> BigQueryLakehouse:
        return BigQueryLakehouse(self.settings)

    def plan(self, spec: TableSpec, *, data_impact: bool = False) -> TablePlan:
        return self.lakehouse.plan(spec)  # BigQuery refuses every change that touches existing values

    def apply(
        self, specs: Sequence[TableSpec], *, allow_breaking: bool = False, rewrite_incompatible: bool = False
    ) -> list[ApplyResult]:
        plans = [self.lakehouse.plan(spec) for spec in specs]
        breaking = [(p, c) for p in plans for c in p.changes if c.breaking]
        if breaking:
            # BigQuery cannot drop, retype or require a column in place, with or without --allow-breaking.
            raise ApplyError(
                "changes BigQuery cannot make in place (refused with or without --allow-breaking); "
                "nothing was changed:\n"
                + "\n".join(
                    f"  {p.spec.full_name} ({p.spec.source_path}"
                    + (f":{c.yaml_line}" if c.yaml_line else "")
                    + f"): {c.message}"
                    for p, c in breaking
                )
            )
        results = []
        for plan in plans:
            try:
                applied = self.lakehouse.apply(plan.spec)
            except GcpBackendError as error:
                raise ApplyError(str(error)) from error
            action = "created" if not applied.exists else "updated" if applied.changes else "unchanged"
            results.append(ApplyResult(plan.spec, action, applied.changes if action != "unchanged" else ()))
        return results

    def write(
        self,
        spec: TableSpec,
        data: Any,
        mode: str = "append",
        *,
        where: str | None = None,
        allow_empty: bool = False,
    ) -> WriteResult:
        try:
            return self.lakehouse.write(spec, to_arrow(data), mode, where=where, allow_empty=allow_empty)
        except GcpBackendError as error:
            raise WriteError(str(error)) from error

    def read(
        self, spec: TableSpec, *, between: DayRange | None = None, snapshot_id: int | None = None
    ) -> pa.Table:
        if snapshot_id is not None:
            from icespec.tables.backend import SnapshotNotFound

            raise SnapshotNotFound(
                f"{spec.full_name}: BigQuery tables have no Iceberg snapshots to read by id"
            )
        where = None
        if between is not None:
            from icespec.gcp.sql_filter import to_sql
            from icespec.schema import iceberg_schema
            from icespec.tables.filters import parse_row_filter

            schema = iceberg_schema(spec)
            where = to_sql(parse_row_filter(between.where(spec), schema).bound, schema)
        return self.lakehouse.read(spec, where)

    def location(self, spec: TableSpec) -> str:
        if self.settings.gcp_storage_uri:  # as BigQueryLakehouse.storage_uri, without making a client
            return f"{self.settings.gcp_storage_uri}/{spec.namespace}/{spec.name}/"
        return self.table_id(spec)

    def table_id(self, spec: TableSpec) -> str:
        return f"{self.settings.gcp_project}.{spec.namespace}.{spec.name}"

    def maintain(self, spec: TableSpec, options: Any = None) -> MaintenanceResult:
        """Nothing to do: BigQuery maintains the storage of its tables for Apache Iceberg itself."""
        note = (
            "BigQuery manages this table's storage (it optimizes and garbage-collects the files of BigQuery "
            "tables for Apache Iceberg itself): icespec has nothing to run"
        )
        return MaintenanceResult(
            spec.full_name,
            dry_run=bool(getattr(options, "dry_run", False)),
            steps=[StepResult(step, "skipped", note=note) for step in MAINTENANCE_STEPS],
            note=note,
        )

    def table_metadata(self, spec: TableSpec) -> dict[str, Any]:
        sql = f"SELECT COUNT(*) FROM `{self.table_id(spec)}`"  # exact, also where table stats lag
        row = next(iter(self.lakehouse.client.query(sql, retry=self.lakehouse.retry).result()))
        return {
            "table_location": self.location(spec),
            "table_id": self.table_id(spec),
            "row_count": int(row[0]),
        }
