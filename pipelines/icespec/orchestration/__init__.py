"""Dagster definitions built from the templates (the only layer, with icespec.definitions, that imports dagster).

- `table_reconcile`: runs `icespec apply` (idempotent) — materialize it at deploy.
- one asset per table, key [namespace, name], metadata from the template; its output goes through
  the IO manager (the backend's safe writers: pyiceberg catalogs or BigQuery, by ICESPEC_BACKEND). Tables partitioned by day(...) get daily partitions and are
  written with overwrite_partitions for that day.
- blocking Soda asset checks for every table (`quality_checks`), run after each materialization.
- downstream reports (`reports.REPORTS`, e.g. sales/daily_revenue) read through the IO manager and
  gated by their source table's blocking checks.
- the drift sensor (`drift_sensor`) and the resources everything needs.
- a job and a daily schedule for the unpartitioned tables (and the reports on them), and the same
  for the partitioned ones.
"""

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DailyPartitionsDefinition,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from icespec.catalogs import Settings
from icespec.orchestration.drift_sensor import build_drift_sensor, drift_resources
from icespec.orchestration.io_manager import SPEC_REGISTRY, WRITE_MODE_METADATA, IcebergIOManager
from icespec.orchestration.quality_checks import Clock, build_quality_checks
from icespec.orchestration.reports import report_assets
from icespec.orchestration.resources import LakehouseResource, lakehouse_resource
from icespec.samples import day_partition_column, sample_batch
from icespec.spec import TableSpec
from icespec.tables.backend import Lakehouse, open_lakehouse
from icespec.tables.writers import default_write_mode

__all__ = [
    "IO_MANAGER_KEY",
    "PARTITIONED_JOB",
    "RECONCILE_KEY",
    "UNPARTITIONED_JOB",
    "build_definitions",
    "table_asset_key",
]

RECONCILE_KEY = AssetKey(["icespec", "table_reconcile"])
IO_MANAGER_KEY = "iceberg_io_manager"
PARTITIONED_JOB = "icespec_daily_partitions"
UNPARTITIONED_JOB = "icespec_tables"
DEFAULT_PARTITIONS_START = "2024-01-01"


def table_asset_key(spec: TableSpec) -> AssetKey:
    return AssetKey([spec.namespace, spec.name])


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


def _table_asset(
    spec: TableSpec, lakehouse: Lakehouse, partitions: DailyPartitionsDefinition
) -> AssetsDefinition:
    partitioned = day_partition_column(spec) is not None
    mode = default_write_mode(spec)

    @asset(
        key=table_asset_key(spec),
        description=spec.description or None,
        group_name=spec.namespace,
        deps=[RECONCILE_KEY],
        io_manager_key=IO_MANAGER_KEY,
        partitions_def=partitions if partitioned else None,
        owners=[f"team:{_tag_value(spec.owner)}"] if spec.owner else None,
        tags={_tag_value(k): _tag_value(v) for k, v in spec.tags.items()},
        kinds={"iceberg", "bigquery" if lakehouse.backend == "gcp" else "pyarrow"},
        metadata={
            "dagster/column_schema": _column_schema(spec),
            "dagster/table_name": spec.full_name,
            "icespec/template": spec.source_path or "",
            "icespec/owner": spec.owner or "",
            "icespec/backend": lakehouse.backend,
            "icespec/table_location": lakehouse.location(spec),
            "icespec/identifier_fields": ", ".join(spec.identifier_fields),
            "icespec/partition_spec": ", ".join(f"{p.transform}({p.column})" for p in spec.partition_spec),
            WRITE_MODE_METADATA: mode,
        },
    )
    def table_asset(context: AssetExecutionContext):
        # Example data, deterministic per partition: replace with your source for real tables.
        return sample_batch(spec, context.partition_key if context.has_partition_key else None)

    return table_asset


def _reconcile_asset(specs: Sequence[TableSpec]) -> AssetsDefinition:
    @asset(
        key=RECONCILE_KEY,
        description="Create and evolve every table to match its template (`icespec apply` on the "
        "configured backend; breaking changes refused). Idempotent: run it at deploy.",
        group_name="icespec",
        kinds={"iceberg"},
    )
    def table_reconcile(context: AssetExecutionContext, lakehouse: LakehouseResource) -> MaterializeResult:
        results = lakehouse.lakehouse().apply(specs)
        for result in results:
            if result.action != "unchanged":
                context.log.info(f"{result.spec.full_name}: {result.action}: "
                                 + "; ".join(c.message for c in result.changes))  # fmt: skip
        counts = {a: sum(1 for r in results if r.action == a) for a in ("created", "updated", "unchanged")}
        return MaterializeResult(metadata={**counts, "tables": len(results)})

    return table_reconcile


def build_definitions(
    specs: Sequence[TableSpec],
    settings: Settings | None = None,
    *,
    extras_dir: str | Path | None = None,
    clock: Clock | None = None,
) -> Definitions:
    """Everything Dagster loads for `specs`: assets, checks, reports, sensor, jobs, schedules, resources.

    `extras_dir` (hand-written SodaCL) defaults to $ICESPEC_SODA_CHECKS or quality/soda_checks;
    `clock` (freshness checks' now) to the wall clock.
    """
    settings = settings or Settings.from_env()
    specs = list(specs)
    registry_key = hashlib.sha256("|".join(sorted(s.full_name for s in specs)).encode()).hexdigest()[:16]
    SPEC_REGISTRY[registry_key] = {s.full_name: s for s in specs}
    partitions = DailyPartitionsDefinition(
        start_date=os.environ.get("ICESPEC_PARTITIONS_START", DEFAULT_PARTITIONS_START)
    )
    backend = open_lakehouse(settings)  # validates the backend's settings now, contacts nothing
    table_assets = [_table_asset(spec, backend, partitions) for spec in specs]
    partitioned_keys = [table_asset_key(s) for s in specs if day_partition_column(s) is not None]
    unpartitioned_keys = [RECONCILE_KEY] + [
        table_asset_key(s) for s in specs if day_partition_column(s) is None
    ]
    reports = [r for r in report_assets(specs) if set(r.dependency_keys) <= set(unpartitioned_keys)]
    unpartitioned_keys += [r.key for r in reports]
    jobs = [define_asset_job(UNPARTITIONED_JOB, selection=unpartitioned_keys,
                             description="Reconcile tables, write every unpartitioned table, then the "
                                         "reports on them (blocked by a failing check)")]  # fmt: skip
    schedules = [
        ScheduleDefinition(job=jobs[0], cron_schedule="0 1 * * *", name=f"{UNPARTITIONED_JOB}_daily")
    ]
    if partitioned_keys:
        daily = define_asset_job(PARTITIONED_JOB, selection=partitioned_keys, partitions_def=partitions,
                                 description="Write yesterday's partition of every day-partitioned table")  # fmt: skip
        jobs.append(daily)
        schedules.append(
            build_schedule_from_partitioned_job(daily, hour_of_day=2, name=f"{PARTITIONED_JOB}_schedule")
        )
    quality = {"extras_dir": extras_dir, **({"clock": clock} if clock else {})}
    lakehouse = lakehouse_resource(settings)
    return Definitions(
        assets=[_reconcile_asset(specs), *table_assets, *reports],
        asset_checks=build_quality_checks(specs, settings, **quality),
        sensors=[build_drift_sensor(specs, settings)],
        jobs=jobs,
        schedules=schedules,
        resources={
            "lakehouse": lakehouse,
            IO_MANAGER_KEY: IcebergIOManager(lakehouse=lakehouse, registry_key=registry_key),
            **drift_resources(),
        },
    )
