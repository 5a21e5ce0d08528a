"""One Dagster asset per table: write this run's batch, then check the snapshot that write committed.

The asset's body does both in one step, with the checks declared on the asset (`check_specs`):
1. the batch comes from the table's source (`Source`: a function of the spec and the partition key;
   the default is the demo's sample data);
2. it is written through the backend's safe writers: a daily partition replaces exactly its day
   (overwrite with replace-where on the day range, so stale rows of other hours or files never
   survive a re-run); other tables use the template's write mode. An empty batch only empties a
   table (or a day) whose template says `allow_empty: true`; otherwise the step fails and nothing
   is written;
3. the blocking Soda checks scan the snapshot id the commit itself returned, so a concurrent
   commit in between is never what gets checked.

No `from __future__ import annotations` here: Dagster inspects the context annotation at runtime.
"""

from collections.abc import Callable
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    asset,
)

from icespec.backends import get_backend
from icespec.catalogs import Settings
from icespec.errors import IcespecError
from icespec.orchestration.io_manager import WRITE_MODE_METADATA, day_range, write_metadata
from icespec.orchestration.quality_checks import Clock, evaluate_quality_checks, quality_check_specs
from icespec.orchestration.resources import LakehouseResource
from icespec.quality import CheckSuite
from icespec.spec import TableSpec, day_partition_column
from icespec.tables.writers import default_write_mode

IO_MANAGER_KEY = "iceberg_io_manager"
RECONCILE_KEY = AssetKey(["icespec", "table_reconcile"])
Source = Callable[[TableSpec, "str | None"], Any]  # (spec, daily partition key or None) -> batch


def table_asset_key(spec: TableSpec) -> AssetKey:
    return AssetKey([spec.namespace, spec.name])


def table_pool(spec: TableSpec) -> str:
    """The Dagster concurrency pool of everything that commits to the table (its writes and its
    maintenance): at the instance's pool limit of 1 they never run at the same time."""
    return f"icespec/{spec.namespace}.{spec.name}"


def _tag_value(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(text))
    return cleaned[:63]


def _column_schema(spec: TableSpec) -> TableSchema:
    return TableSchema(
        columns=[
            TableColumn(
                name=column.name,
                type=column.type,
                description=column.description or None,
                constraints=TableColumnConstraints(nullable=not column.required),
                tags={
                    "access_level": column.effective_access_level,
                    "pii": str(column.effective_pii).lower(),
                },
            )
            for column in spec.columns
        ]
    )


def _snapshot_of(result: Any) -> "int | None":
    raw = result.metadata().get("snapshot_id")
    return int(raw) if raw not in (None, "", "None") else None


def _table_metadata(spec: TableSpec, settings: Settings, location: str) -> dict[str, Any]:
    return {
        "dagster/column_schema": _column_schema(spec),
        "dagster/table_name": spec.full_name,
        "icespec/template": spec.source_path or "",
        "icespec/owner": spec.owner or "",
        "icespec/backend": settings.backend,
        "icespec/table_location": location,
        "icespec/identifier_fields": ", ".join(spec.identifier_fields),
        "icespec/partition_spec": ", ".join(f"{p.transform}({p.column})" for p in spec.partition_spec),
    }


def external_table_asset(spec: TableSpec, *, settings: Settings, location: str) -> AssetSpec:
    """A table icespec creates, evolves and watches for drift but does not write (no source was given:
    another engine writes it). It shows in the catalog and lineage; it is never materialized here, so a
    deployment without sources can never write sample or empty data into it."""
    return AssetSpec(
        key=table_asset_key(spec),
        description=spec.description or None,
        group_name=spec.namespace,
        deps=[RECONCILE_KEY],
        owners=[f"team:{_tag_value(spec.owner)}"] if spec.owner else None,
        tags={_tag_value(k): _tag_value(v) for k, v in spec.tags.items()},
        kinds={"iceberg", get_backend(settings.backend).table_kind},
        metadata={
            **_table_metadata(spec, settings, location),
            "icespec/written_by": "another engine (no source)",
        },
    )


def table_asset(
    spec: TableSpec,
    *,
    settings: Settings,
    location: str,
    partitions: DailyPartitionsDefinition,
    suite: CheckSuite,
    source: Source,
    clock: Clock,
) -> AssetsDefinition:
    key = table_asset_key(spec)
    partitioned = day_partition_column(spec) is not None
    mode = default_write_mode(spec)

    @asset(
        key=key,
        description=spec.description or None,
        group_name=spec.namespace,
        deps=[RECONCILE_KEY],
        io_manager_key=IO_MANAGER_KEY,  # downstream inputs are read by the Iceberg IO manager
        pool=table_pool(spec),
        partitions_def=partitions if partitioned else None,
        check_specs=quality_check_specs(key, suite),
        owners=[f"team:{_tag_value(spec.owner)}"] if spec.owner else None,
        tags={_tag_value(k): _tag_value(v) for k, v in spec.tags.items()},
        kinds={"iceberg", get_backend(settings.backend).table_kind},
        metadata={
            **_table_metadata(spec, settings, location),
            WRITE_MODE_METADATA: "overwrite where <day>" if partitioned else mode,
        },
    )
    def write_and_check(context: AssetExecutionContext, lakehouse: LakehouseResource):
        partition_key = context.partition_key if context.has_partition_key else None
        batch = source(spec, partition_key)
        day = day_range(spec, partition_key) if partition_key else None
        write_mode, where = ("overwrite", day.where(spec)) if day is not None else (mode, None)
        backend = lakehouse.lakehouse()
        try:
            result = backend.write(spec, batch, write_mode, where=where, allow_empty=spec.allow_empty)
        except IcespecError as exc:  # the batch does not fit, or the backend refused it: nothing was written
            raise Failure(description=str(exc)) from exc
        snapshot_id = _snapshot_of(result)  # what the checks scan and downstream reads
        yield MaterializeResult(metadata=write_metadata(result, backend.table_metadata(spec)))
        yield from evaluate_quality_checks(
            key,
            spec,
            suite,
            lakehouse.settings,
            snapshot_id=snapshot_id,
            now=clock(),
            log=context.log,
            # embedded: the scan reads the snapshot through the catalog this run already opened
            catalog=lakehouse.catalog() if get_backend(lakehouse.settings.backend).embedded else None,
        )

    return write_and_check
