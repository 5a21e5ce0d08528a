"""The IO manager: asset outputs (Arrow/pandas/polars) go through the backend's safe writers
(`icespec.tables.backend.Lakehouse`: pyiceberg catalogs or BigQuery)."""

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from dagster import ConfigurableIOManager, InputContext, OutputContext, ResourceDependency

from icespec.orchestration.resources import LakehouseResource
from icespec.samples import day_partition_column
from icespec.spec import TableSpec
from icespec.tables.backend import IcebergLakehouse
from icespec.tables.writers import WriteError, default_write_mode

# Specs by registry key, then by "namespace.name"; build_definitions fills it (specs are not config).
SPEC_REGISTRY: dict[str, dict[str, TableSpec]] = {}
WRITE_MODE_METADATA = "icespec/write_mode"


def _day_bounds(partition_key: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(dt.date.fromisoformat(partition_key), dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


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
        if obj is None:
            return
        spec = self.spec_for(context.asset_key)
        lakehouse = self.lakehouse.lakehouse()
        mode = (context.definition_metadata or {}).get(WRITE_MODE_METADATA) or default_write_mode(spec)
        if context.has_partition_key:
            obj = self._check_partition(spec, obj, context.partition_key)
            if mode == "overwrite_partitions" and not spec.partition_spec:
                mode = "overwrite"
        result = lakehouse.write(spec, obj, mode)
        table = lakehouse.table_metadata(spec)
        context.add_output_metadata(
            {
                "write_mode": result.mode,
                "rows_written": result.rows_written,
                "rows_updated": result.rows_updated,
                "rows_inserted": result.rows_inserted,
                "rows_replaced": result.rows_deleted,
                **result.metadata(),  # snapshot_id (read by the quality checks) or BigQuery's job_id
                "table_location": table["table_location"],
                "dagster/row_count": table["row_count"],
            }
        )

    def _check_partition(self, spec: TableSpec, obj: Any, partition_key: str) -> Any:
        """A day partition's batch must hold only that day's rows (otherwise other days get replaced)."""
        column = day_partition_column(spec)
        if column is None:
            return obj
        from icespec.tables.writers import to_arrow

        batch = to_arrow(obj)
        if column not in batch.column_names or batch.num_rows == 0:
            return batch
        values = batch.column(column)
        start, end = _day_bounds(partition_key)
        if pa.types.is_timestamp(values.type):
            if values.type.tz is None:
                start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
            outside = pc.sum(pc.or_(pc.less(values, pa.scalar(start, values.type)),
                                    pc.greater_equal(values, pa.scalar(end, values.type)))).as_py()  # fmt: skip
        else:
            outside = pc.sum(pc.not_equal(values, pa.scalar(start.date(), values.type))).as_py()
        if outside:
            raise WriteError(
                f"{spec.full_name}: {outside} row(s) of partition {partition_key} have {column} outside that day"
            )
        return batch

    def load_input(self, context: InputContext) -> pa.Table:
        spec = self.spec_for(context.asset_key)
        column = day_partition_column(spec)
        between = None
        if context.has_asset_partitions and column:
            keys = context.asset_partition_keys
            start, _ = _day_bounds(min(keys))
            _, end = _day_bounds(max(keys))
            between = (column, start, end)
        lakehouse = self.lakehouse.lakehouse()
        snapshot_id = None if between else _last_written_snapshot(context)
        if snapshot_id is not None and isinstance(lakehouse, IcebergLakehouse):
            table = lakehouse.catalog.load_table(spec.identifier)
            if table.snapshot_by_id(snapshot_id) is not None:
                # The snapshot the upstream materialization wrote (what its checks scanned), not a later one.
                context.add_input_metadata({"snapshot_id": str(snapshot_id)})
                return table.scan(snapshot_id=snapshot_id).to_arrow()
            context.log.warning(
                f"{spec.full_name} has no snapshot {snapshot_id} (its last materialization wrote another "
                "lakehouse, or the snapshot expired): reading the current snapshot"
            )
        return lakehouse.read(spec, between=between)


def _last_written_snapshot(context: InputContext) -> int | None:
    """`snapshot_id` of the upstream asset's latest materialization, if it recorded one."""
    event = context.instance.get_latest_materialization_event(context.asset_key)
    materialization = event.asset_materialization if event else None
    value = (materialization.metadata or {}).get("snapshot_id") if materialization else None
    raw = getattr(value, "value", value)
    return int(raw) if raw not in (None, "", "None") else None
