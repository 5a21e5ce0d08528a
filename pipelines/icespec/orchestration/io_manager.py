"""The IO manager of the table assets.

- `load_input`: a downstream asset reads the snapshot its upstream table asset committed IN THIS
  RUN (found through this run's own materialization events, never "the latest materialization",
  which another run may have written since). When the upstream was not materialized in this run,
  it reads the snapshot of the upstream's latest materialization (of the same partitions), or the
  current table when none recorded one. A day-partitioned input is read as its day range.
- `handle_output`: the table assets built by `build_definitions` write and check their batch in
  the asset itself and return nothing here; an asset of your own that returns a batch (Arrow,
  pandas, polars) under this IO manager is written through the same safe writers, a day
  partition replacing exactly its day (replace-where).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from dagster import (
    AssetRecordsFilter,
    ConfigurableIOManager,
    DagsterEventType,
    InputContext,
    OutputContext,
    ResourceDependency,
)

from icespec.orchestration.resources import LakehouseResource
from icespec.spec import TableSpec, day_partition_column
from icespec.tables.backend import DayRange, SnapshotNotFound
from icespec.tables.writers import WriteError, default_write_mode

# Specs by registry key, then by "namespace.name"; build_definitions fills it (specs are not config).
SPEC_REGISTRY: dict[str, dict[str, TableSpec]] = {}


def spec_registry_key(specs: Sequence[TableSpec]) -> str:
    """A key that changes with any template's content or file, not only with the table names: two
    Definitions from different template sets never share specs, and the key is the same in every
    process that loads the same templates (Dagster's run workers load the code location again)."""
    document = sorted(
        json.dumps({**s.to_dict(), "source_path": s.source_path}, sort_keys=True, default=str) for s in specs
    )
    return hashlib.sha256("\n".join(document).encode()).hexdigest()[:24]


WRITE_MODE_METADATA = "icespec/write_mode"


def day_range(spec: TableSpec, first_key: str, last_key: str | None = None) -> DayRange | None:
    """The UTC days of daily partition keys `first_key`..`last_key`, on the table's day column."""
    column = day_partition_column(spec)
    if column is None:
        return None
    first = dt.date.fromisoformat(first_key)
    last = dt.date.fromisoformat(last_key or first_key)
    return DayRange(column, first, last + dt.timedelta(days=1))


def _snapshot_metadata(metadata: Any) -> int | None:
    value = (metadata or {}).get("snapshot_id")
    raw = getattr(value, "value", value)
    return int(raw) if raw not in (None, "", "None") else None


def snapshot_for_input(context: InputContext) -> tuple[int | None, bool]:
    """(snapshot id, committed in this run): the snapshot the upstream table asset committed in this
    run, else the one its latest materialization recorded."""
    key = context.asset_key
    partitions = set(context.asset_partition_keys) if context.has_asset_partitions else None
    run_id = context.upstream_output.run_id if context.upstream_output else None
    if run_id:
        records = context.instance.get_records_for_run(
            run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
        ).records
        for record in reversed(records):  # newest first
            materialization = record.asset_materialization
            if materialization is None or materialization.asset_key != key:
                continue
            if partitions is not None and materialization.partition not in partitions:
                continue
            return _snapshot_metadata(materialization.metadata), True
    found = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=sorted(partitions) if partitions else None),
        limit=1,
    ).records
    return (_snapshot_metadata(found[0].asset_materialization.metadata) if found else None), False


def write_metadata(result: Any, table: dict[str, Any]) -> dict[str, Any]:
    """Dagster metadata of one write: its counters, the backend's facts (snapshot_id, or BigQuery's
    job_id) and the table's location and row count (the committed snapshot's, where the write knows)."""
    rows = getattr(result, "total_rows", None)
    return {
        "write_mode": result.mode,
        "rows_written": result.rows_written,
        "rows_updated": result.rows_updated,
        "rows_inserted": result.rows_inserted,
        "rows_replaced": result.rows_deleted,
        **result.metadata(),
        "table_location": table["table_location"],
        "dagster/row_count": table["row_count"] if rows is None else rows,
    }


class IcebergIOManager(ConfigurableIOManager):
    lakehouse: ResourceDependency[LakehouseResource]
    registry_key: str

    def spec_for(self, asset_key: Any) -> TableSpec:
        name = ".".join(asset_key.path)
        try:
            return SPEC_REGISTRY[self.registry_key][name]
        except KeyError:
            raise WriteError(f"no template for asset {name}; asset keys are [namespace, name]") from None

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if obj is None:  # the table assets write in the asset itself (MaterializeResult)
            return
        spec = self.spec_for(context.asset_key)
        lakehouse = self.lakehouse.lakehouse()
        mode = (context.definition_metadata or {}).get(WRITE_MODE_METADATA) or default_write_mode(spec)
        where = None
        day = day_range(spec, context.partition_key) if context.has_partition_key else None
        if day is not None:
            mode, where = "overwrite", day.where(spec)
        result = lakehouse.write(spec, obj, mode, where=where, allow_empty=spec.allow_empty)
        context.add_output_metadata(write_metadata(result, lakehouse.table_metadata(spec)))

    def load_input(self, context: InputContext) -> pa.Table:
        spec = self.spec_for(context.asset_key)
        between = None
        if context.has_asset_partitions:
            keys = sorted(context.asset_partition_keys)
            between = day_range(spec, keys[0], keys[-1])
        snapshot_id, this_run = snapshot_for_input(context)
        lakehouse = self.lakehouse.lakehouse()
        if snapshot_id is not None and not this_run:
            try:
                rows = lakehouse.read(spec, between=between, snapshot_id=snapshot_id)
            except SnapshotNotFound as exc:  # an older run's snapshot may have expired since
                context.log.warning(f"{exc}: reading the table's current snapshot instead")
                return lakehouse.read(spec, between=between)
            context.add_input_metadata({"snapshot_id": str(snapshot_id)})
            return rows
        if snapshot_id is not None:
            context.add_input_metadata({"snapshot_id": str(snapshot_id)})
        return lakehouse.read(spec, between=between, snapshot_id=snapshot_id)
