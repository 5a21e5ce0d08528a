"""Soda checks as blocking Dagster asset checks, declared on the table's asset (`check_specs`).

The table asset writes its batch, then runs one Soda scan over the snapshot that very commit
returned (never "the latest materialization", which a concurrent run may have replaced) and
yields one result per generated (or hand-written) Soda check in the same step:
- Soda pass → passed;
- Soda warn → failed with severity WARN: shown, never fails the run, never blocks downstream;
- Soda fail, or a check Soda could not evaluate → failed with severity ERROR: blocking, so the step
  fails and assets downstream of the table do not run.
Each result carries the check's metric values, the reason and a failed-row sample with restricted
and pii columns removed.

Where the scan runs in DuckDB (local, and the BigQuery emulator) it reads the pinned snapshot; on
Athena, Trino and BigQuery Soda queries the engine's table as it is when the scan runs (Soda's
SodaCL names a dataset, not a snapshot): the pin is reported in the metadata, not enforced there.

No `from __future__ import annotations` here: Dagster inspects the context annotation at runtime.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from icespec.catalogs import Settings
from icespec.quality import CheckSuite
from icespec.spec import TableSpec

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
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


def check_name(check: Any) -> str:
    return f"soda_{check.key}"


def quality_check_specs(key: AssetKey, suite: CheckSuite) -> list[AssetCheckSpec]:
    """One blocking check per Soda check of the suite, on the table's asset."""
    return [
        AssetCheckSpec(
            name=check_name(check),
            asset=key,
            blocking=True,
            description=f"{check.name} (Soda, {'from the template' if check.source == 'template' else check.source})",
            metadata={"check_kind": check.kind, **({"column": check.column} if check.column else {})},
        )
        for check in suite.checks
    ]


def evaluate_quality_checks(
    key: AssetKey,
    spec: TableSpec,
    suite: CheckSuite,
    settings: Settings,
    *,
    snapshot_id: int | None,
    now: dt.datetime,
    log: Any,
    catalog: Any = None,
) -> Iterator[AssetCheckResult]:
    """Scan the table at `snapshot_id` (the commit this run made) and yield every check's result."""
    from icespec.quality import scan_table
    from icespec.quality.report import format_result

    result = scan_table(spec, settings, catalog=catalog, snapshot_id=snapshot_id, now=now, suite=suite)
    report = format_result(result, samples=False)
    (log.info if result.exit_code == 0 else log.warning)(report)
    for check in result.checks:
        metadata = result_metadata(check)
        if snapshot_id is not None:
            metadata["snapshot_id"] = str(snapshot_id)
        yield AssetCheckResult(
            asset_key=key,
            check_name=check_name(check),
            passed=check.passed,
            severity=AssetCheckSeverity.WARN if check.outcome == "warn" else AssetCheckSeverity.ERROR,
            description=f"{check.name}: {check.message}",
            metadata=metadata,
        )
