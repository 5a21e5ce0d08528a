"""Dagster: table maintenance jobs on each template's `maintenance.schedule`.

One job per asset group (namespace) and schedule, one op per table in it, so the tables of a job are
maintained in parallel and one failing table fails only its own op. Each op reports what it did as
an `AssetObservation` on the table's asset (so the asset page shows snapshots before/after, files
and bytes removed, files compacted) and as the op's output metadata.

A table's maintenance and its writes share a Dagster concurrency pool named after the table
(`table_pool`): with the instance's pool limit at 1 (`concurrency: pools: default_limit: 1` in
dagster.yaml, docs/maintenance.md), a compaction never runs while the same table is being written,
so neither has to win a commit race against the other.
"""

import re
from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetObservation,
    Failure,
    GraphDefinition,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    Output,
    ScheduleDefinition,
    op,
)

from icespec.backends import get_backend
from icespec.catalogs import Settings
from icespec.orchestration.resources import LakehouseResource
from icespec.orchestration.table_assets import table_asset_key, table_pool
from icespec.spec import TableSpec

MAINTENANCE_JOB_PREFIX = "icespec_maintenance"


def _metadata(result: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "snapshots_before": result.snapshots_before,
        "snapshots_after": result.snapshots_after,
        "data_files_before": result.data_files_before,
        "data_files_after": result.data_files_after,
    }
    for step in result.steps:
        metadata[f"{step.step}_status"] = step.status
        for key, value in step.counts.items():
            metadata[f"{step.step}_{key}"] = value
    notes = sorted({f"{s.step}: {s.note}" for s in result.steps if s.note})
    if notes:
        metadata["notes"] = MetadataValue.md("\n".join(f"- {n}" for n in notes))
    return metadata


def _maintain_op(spec: TableSpec) -> Any:
    @op(
        name=f"maintain_{spec.namespace}__{spec.name}",
        description=f"icespec maintain {spec.full_name}: compact, expire snapshots, delete unreferenced "
        "and orphan files (docs/maintenance.md)",
        pool=table_pool(spec),
        tags={"icespec/table": spec.full_name},
    )
    def maintain_table(context: OpExecutionContext, lakehouse: LakehouseResource):
        result = lakehouse.lakehouse().maintain(spec)
        metadata = _metadata(result)
        yield AssetObservation(
            asset_key=table_asset_key(spec), metadata={"maintenance": "icespec maintain", **metadata}
        )
        if result.error:
            raise Failure(description=result.error, metadata=metadata)
        context.log.info(
            f"{spec.full_name}: snapshots {result.snapshots_before} → {result.snapshots_after}, "
            f"live data files {result.data_files_before} → {result.data_files_after}"
        )
        yield Output(None, metadata=metadata)

    return maintain_table


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")


def maintenance_jobs(
    specs: Sequence[TableSpec], settings: Settings
) -> tuple[list[JobDefinition], list[ScheduleDefinition]]:
    """A job and a schedule per (namespace, maintenance.schedule). A table the backend hands to the
    cloud (`maintenance.engine: glue` on aws-glue: Glue's optimizers run on their own schedule) gets
    no op."""
    handed_over = get_backend(settings.backend).maintenance_engines
    groups: dict[tuple[str, str], list[TableSpec]] = {}
    for spec in specs:
        if spec.maintenance.engine in handed_over:
            continue
        groups.setdefault((spec.namespace, spec.maintenance.schedule), []).append(spec)
    per_namespace: dict[str, int] = {}
    jobs: list[JobDefinition] = []
    schedules: list[ScheduleDefinition] = []
    for (namespace, cron), members in sorted(groups.items()):
        index = per_namespace.get(namespace, 0)
        per_namespace[namespace] = index + 1
        name = f"{MAINTENANCE_JOB_PREFIX}_{_slug(namespace)}" + (f"_{index + 1}" if index else "")
        graph = GraphDefinition(
            name=name,
            node_defs=[_maintain_op(spec) for spec in sorted(members, key=lambda s: s.name)],
            description=f"Maintain the {namespace} tables on '{cron}': "
            + ", ".join(s.name for s in sorted(members, key=lambda s: s.name)),
        )
        job = graph.to_job(tags={"icespec/maintenance": namespace})
        jobs.append(job)
        schedules.append(ScheduleDefinition(job=job, cron_schedule=cron, name=f"{name}_schedule",
                                            execution_timezone="UTC"))  # fmt: skip
    return jobs, schedules
