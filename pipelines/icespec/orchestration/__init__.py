"""Dagster definitions built from the templates (the only layer, with icespec.definitions, that imports dagster).

- `table_reconcile`: runs `icespec apply` (idempotent; breaking changes refused). Both jobs start
  with it, so a safe template change (a doc, a new optional column, a property) is applied by
  whichever job runs next.
- one asset per table with a source, key [namespace, name], metadata from the template
  (`table_assets`): it writes its batch and runs the table's blocking Soda checks on the snapshot
  that write committed, in the same step. Tables partitioned by day(...) get daily partitions; a
  partition run replaces exactly its day (replace-where on the day range). A table without a
  source is an external asset: reconciled and watched, never written here.
- your downstream assets (`assets=`; the demo's sales/daily_revenue in examples/) read through
  the IO manager the snapshot their source committed in the same run, and are gated by its
  blocking checks.
- the drift sensor (`drift_sensor`) and the resources everything needs.
- a job and a daily schedule for the unpartitioned tables (and the reports on them), and the same
  for the partitioned ones.
- a maintenance job per namespace and `maintenance.schedule` (`maintenance`): one op per table, in
  the table's concurrency pool, so it never runs while the same table is written.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    DailyPartitionsDefinition,
    Definitions,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from icespec.catalogs import Settings
from icespec.orchestration.drift_sensor import build_drift_sensor, drift_resources
from icespec.orchestration.io_manager import SPEC_REGISTRY, IcebergIOManager, spec_registry_key
from icespec.orchestration.maintenance import maintenance_jobs
from icespec.orchestration.quality_checks import Clock, utc_now
from icespec.orchestration.resources import LakehouseResource, ScheduleSettings, lakehouse_resource
from icespec.orchestration.table_assets import (
    IO_MANAGER_KEY,
    RECONCILE_KEY,
    Source,
    external_table_asset,
    table_asset,
    table_asset_key,
)
from icespec.quality import build_suite, dialect_for
from icespec.spec import Diagnostic, TableSpec, day_partition_column
from icespec.tables.backend import open_lakehouse

__all__ = [
    "IO_MANAGER_KEY",
    "PARTITIONED_JOB",
    "RECONCILE_KEY",
    "UNPARTITIONED_JOB",
    "Source",
    "build_definitions",
    "table_asset_key",
]

PARTITIONED_JOB = "icespec_daily_partitions"
UNPARTITIONED_JOB = "icespec_tables"


TEMPLATES_CHECK = "templates_are_valid"


def _problems_markdown(problems: Sequence[Diagnostic]) -> str:
    return "\n".join(f"- `{problem}`" for problem in sorted(problems)) or "none"


def _reconcile_asset(
    specs: Sequence[TableSpec], broken: Sequence[Diagnostic], extras: Sequence[Diagnostic]
) -> AssetsDefinition:
    """The reconcile asset, with a check that fails (without blocking the valid tables) while any
    template is broken (left out) or any hand-written SodaCL cannot run (the table keeps its other
    checks): the UI shows each problem as PATH:LINE:COL, here and on the asset."""
    broken_files = sorted({problem.path for problem in broken})
    extras_files = sorted({problem.path for problem in extras})
    description = (
        "Create and evolve every table to match its template (`icespec apply` on the configured "
        "backend; breaking changes refused). Idempotent: run it at deploy."
    )
    if broken_files:
        description += f" {len(broken_files)} broken template(s) are left out: see the metadata."
    if extras_files:
        description += f" {len(extras_files)} hand-written SodaCL file(s) have checks that cannot run."
    metadata = {
        "broken_templates": MetadataValue.md(_problems_markdown(broken)),
        "hand_written_check_problems": MetadataValue.md(_problems_markdown(extras)),
    }

    @asset(
        key=RECONCILE_KEY,
        description=description,
        group_name="icespec",
        kinds={"iceberg"},
        metadata=metadata,
        check_specs=[
            AssetCheckSpec(
                TEMPLATES_CHECK,
                asset=RECONCILE_KEY,
                description="Every template in the templates folder is valid (icespec validate), and so "
                "is every hand-written SodaCL check; a broken template is left out of every asset, "
                "schedule and sensor until it is fixed, a broken hand-written check out of its scan",
            )
        ],
    )
    def table_reconcile(context: AssetExecutionContext, lakehouse: LakehouseResource) -> MaterializeResult:
        results = lakehouse.lakehouse().apply(specs)
        for result in results:
            if result.action != "unchanged":
                context.log.info(f"{result.spec.full_name}: {result.action}: "
                                 + "; ".join(c.message for c in result.changes))  # fmt: skip
        for problem in sorted(broken):
            context.log.error(f"broken template left out: {problem}")
        for problem in sorted(extras):
            context.log.error(f"hand-written check left out of its scan: {problem}")
        counts = {a: sum(1 for r in results if r.action == a) for a in ("created", "updated", "unchanged")}
        said = [f"{len(broken_files)} broken template(s): {', '.join(broken_files)}"] if broken_files else []
        if extras_files:
            said.append(f"hand-written checks that cannot run in: {', '.join(extras_files)}")
        check = AssetCheckResult(
            check_name=TEMPLATES_CHECK,
            passed=not broken and not extras,
            severity=AssetCheckSeverity.ERROR,
            description="; ".join(said) or f"all {len(specs)} template(s) valid",
            metadata={**metadata, "problems": len(broken) + len(extras)},
        )
        return MaterializeResult(
            metadata={**counts, "tables": len(results), "broken_templates": len(broken_files)},
            check_results=[check],
        )

    return table_reconcile


def build_definitions(
    specs: Sequence[TableSpec],
    settings: Settings | None = None,
    *,
    sources: Mapping[str, Source] | None = None,
    assets: Sequence[AssetsDefinition] = (),
    extras_dir: str | Path | None = None,
    clock: Clock | None = None,
    broken: Sequence[Diagnostic] = (),
) -> Definitions:
    """Everything Dagster loads for `specs`: assets with their checks, sensor, jobs, schedules, resources.

    `sources` maps "namespace.name" to the function that produces a table's batch: those tables are
    written and checked by their asset. A table without a source is an external asset (created,
    evolved and watched for drift, written by another engine): nothing here ever writes it.
    `assets` are your own assets downstream of the tables (reports): they join the unpartitioned job
    when every table they read is written by it. `extras_dir` (hand-written SodaCL) defaults to
    $ICESPEC_SODA_CHECKS or quality/soda_checks; `clock` (freshness checks' now) to the wall clock.
    `broken` are the problems of templates left out (from `validate_paths`): the reconcile asset
    shows them and its templates check fails.
    """
    from icespec.quality import default_extras_dir
    from icespec.quality.sodacl import ExtrasFileError
    from icespec.quality.sodacl import extras_problems as extras_problems_of

    settings = settings or Settings.from_env()
    specs = list(specs)
    sources = dict(sources or {})
    registry_key = spec_registry_key(specs)
    SPEC_REGISTRY[registry_key] = {s.full_name: s for s in specs}
    partitions = DailyPartitionsDefinition(start_date=ScheduleSettings.read().partitions_start.isoformat())
    backend = open_lakehouse(settings)  # validates the backend's settings now, contacts nothing
    dialect = dialect_for(settings)
    extras = extras_dir if extras_dir is not None else default_extras_dir()
    extras_problems: list[Diagnostic] = []
    unknown = sorted(set(sources) - {s.full_name for s in specs})
    if unknown:
        raise ValueError(f"sources for tables without a template: {', '.join(unknown)}")
    written = [s for s in specs if s.full_name in sources]
    table_assets: list[AssetsDefinition | AssetSpec] = []
    for spec in specs:
        if spec.full_name not in sources:
            table_assets.append(
                external_table_asset(spec, settings=settings, location=backend.location(spec))
            )
            continue
        try:
            suite = build_suite(spec, dialect, extras)
        except ExtrasFileError as exc:  # the table runs its generated checks; the reconcile check fails
            extras_problems.append(exc.diagnostic())
            suite = build_suite(spec, dialect, None)
        extras_problems += extras_problems_of(suite)
        table_assets.append(
            table_asset(
                spec,
                settings=settings,
                location=backend.location(spec),
                partitions=partitions,
                suite=suite,
                source=sources[spec.full_name],
                clock=clock or utc_now,
            )
        )
    partitioned_keys = [table_asset_key(s) for s in written if day_partition_column(s) is not None]
    unpartitioned_keys = [RECONCILE_KEY] + [
        table_asset_key(s) for s in written if day_partition_column(s) is None
    ]
    downstream = [a for a in assets if set(a.dependency_keys) <= set(unpartitioned_keys)]
    unpartitioned_keys += [key for a in downstream for key in a.keys]
    jobs = [define_asset_job(UNPARTITIONED_JOB, selection=unpartitioned_keys,
                             description="Reconcile tables, write every unpartitioned table, then the "
                                         "assets downstream of them (blocked by a failing check)")]  # fmt: skip
    schedules = [
        ScheduleDefinition(job=jobs[0], cron_schedule="0 1 * * *", name=f"{UNPARTITIONED_JOB}_daily")
    ]
    if partitioned_keys:
        daily = define_asset_job(PARTITIONED_JOB, selection=[RECONCILE_KEY, *partitioned_keys],
                                 partitions_def=partitions,
                                 description="Reconcile tables, then replace yesterday's day of every "
                                             "day-partitioned table")  # fmt: skip
        jobs.append(daily)
        schedules.append(
            build_schedule_from_partitioned_job(daily, hour_of_day=2, name=f"{PARTITIONED_JOB}_schedule")
        )
    maintain_jobs, maintain_schedules = maintenance_jobs(specs, settings)
    jobs += maintain_jobs
    schedules += maintain_schedules
    lakehouse = lakehouse_resource(settings)
    return Definitions(
        assets=[_reconcile_asset(specs, broken, extras_problems), *table_assets, *assets],
        sensors=[build_drift_sensor(specs, settings, templates_broken=bool(broken))],
        jobs=jobs,
        schedules=schedules,
        resources={
            "lakehouse": lakehouse,
            IO_MANAGER_KEY: IcebergIOManager(lakehouse=lakehouse, registry_key=registry_key),
            **drift_resources(),
        },
    )
