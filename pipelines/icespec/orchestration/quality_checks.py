"""Soda checks as blocking Dagster asset checks: one check per generated (or hand-written) Soda check.

One `multi_asset_check` per table runs one Soda scan after the table is materialized, over the
snapshot that materialization wrote (its `snapshot_id` metadata), and reports every check:
- Soda pass → passed;
- Soda warn → failed with severity WARN: shown, never fails the run, never blocks downstream;
- Soda fail, or a check Soda could not evaluate → failed with severity ERROR: blocking, so assets
  downstream of the table do not run.
Each result carries the check's metric values, the reason and a failed-row sample with restricted
and pii columns removed.

No `from __future__ import annotations` here: Dagster inspects the context annotation at runtime.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from icespec.catalogs import Settings
from icespec.orchestration.resources import LakehouseResource
from icespec.quality import CheckSuite, build_suite, dialect_for
from icespec.spec import TableSpec

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _metadata_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value if value is not None else MetadataValue.null()
    return MetadataValue.json(value)


def result_metadata(check: Any) -> dict[str, Any]:
    """The Dagster metadata of one CheckResult: outcome, reason, metric values, SodaCL, safe sample."""
    metadata: dict[str, Any] = {
        "soda_outcome": check.outcome,
        "reason": check.message,
        "check_kind": check.kind,
        "sodacl": MetadataValue.md(f"```yaml\n{check.definition}\n```"),
    }
    if check.column:
        metadata["column"] = check.column
    for name, value in check.to_dict()["metrics"].items():
        metadata[f"metric/{name}"] = _metadata_value(value)
    if check.sample is not None:
        metadata["failed_rows_sample"] = MetadataValue.json(check.sample.to_dict())
    return metadata


def _snapshot_of_last_materialization(context: AssetCheckExecutionContext, key: AssetKey) -> "int | None":
    event = context.instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event else None
    value = (materialization.metadata or {}).get("snapshot_id") if materialization else None
    raw = getattr(value, "value", value)
    return int(raw) if raw not in (None, "", "None") else None


def table_quality_checks(
    spec: TableSpec,
    settings: Settings,
    *,
    extras_dir: str | Path | None = None,
    clock: Clock = _utc_now,
) -> AssetChecksDefinition:
    """The blocking asset checks of one table (asset key [namespace, name])."""
    from icespec.orchestration import table_asset_key

    key = table_asset_key(spec)
    suite: CheckSuite = build_suite(spec, dialect_for(settings), extras_dir)
    specs = [
        AssetCheckSpec(
            name=f"soda_{check.key}",
            asset=key,
            blocking=True,
            description=f"{check.name} (Soda, {'from the template' if check.source == 'template' else check.source})",
            metadata={"check_kind": check.kind, **({"column": check.column} if check.column else {})},
        )
        for check in suite.checks
    ]

    @multi_asset_check(
        specs=specs,
        name=f"soda_scan_{spec.namespace}_{spec.name}",
        description=f"Soda scan of {spec.full_name}: checks generated from {spec.source_path or 'its template'}",
    )
    def soda_scan(
        context: AssetCheckExecutionContext, lakehouse: LakehouseResource
    ) -> Iterator[AssetCheckResult]:
        from icespec.quality import scan_table
        from icespec.quality.report import format_result

        backend_settings = lakehouse.settings
        local = backend_settings.backend == "local"
        result = scan_table(
            spec,
            backend_settings,
            catalog=lakehouse.catalog() if local else None,
            snapshot_id=_snapshot_of_last_materialization(context, key) if local else None,
            now=clock(),
            suite=suite,
        )
        report = format_result(result, samples=False)
        (context.log.info if result.exit_code == 0 else context.log.warning)(report)
        for check in result.checks:
            yield AssetCheckResult(
                asset_key=key,
                check_name=f"soda_{check.key}",
                passed=check.passed,
                severity=AssetCheckSeverity.WARN if check.outcome == "warn" else AssetCheckSeverity.ERROR,
                description=f"{check.name}: {check.message}",
                metadata=result_metadata(check),
            )

    return soda_scan


def build_quality_checks(
    specs: Sequence[TableSpec],
    settings: Settings,
    *,
    extras_dir: str | Path | None = None,
    clock: Clock = _utc_now,
) -> list[AssetChecksDefinition]:
    """Blocking Soda asset checks for every table; extras default to $ICESPEC_SODA_CHECKS or quality/soda_checks."""
    if extras_dir is None:
        from icespec.quality import default_extras_dir

        extras_dir = default_extras_dir()
    return [table_quality_checks(spec, settings, extras_dir=extras_dir, clock=clock) for spec in specs]
