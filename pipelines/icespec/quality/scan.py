"""Run a table's checks with Soda Core's Scan API, in process, and turn Soda's results into ours.

Local backend: the snapshot is read with pyiceberg into Arrow and registered in an in-memory DuckDB
(no copy to disk). Cloud backends: Soda queries the engine (Athena, Trino, BigQuery) directly.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icespec.backends import get_backend
from icespec.quality.config import SodaDataSource, sample_allowed_columns, soda_data_source
from icespec.quality.dialects import DUCKDB, dialect_for
from icespec.quality.soda_runtime import soda
from icespec.quality.sodacl import CheckSuite, GeneratedCheck, build_suite
from icespec.spec import TableSpec

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog

    from icespec.catalogs.settings import Settings

soda()  # Soda's modules below must load with usage statistics already off
from soda.sampler.sample_ref import SampleRef  # noqa: E402
from soda.sampler.sampler import Sampler  # noqa: E402

OUTCOMES = ("pass", "warn", "fail", "error")
# Soda's scan exit codes, which `icespec check` returns as they are.
EXIT_PASS, EXIT_WARN, EXIT_FAIL, EXIT_ERROR = 0, 1, 2, 3
SAMPLE_ROWS = 5  # failed rows kept per check: enough to see the problem, small enough for metadata


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class FailedRowsSample:
    """Some failing rows, with every restricted or pii column (and anything unknown) left out."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total_rows: int  # failing rows Soda found (can exceed len(rows))
    hidden_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [_jsonable(list(r)) for r in self.rows],
            "total_rows": self.total_rows,
            "hidden_columns": list(self.hidden_columns),
        }


@dataclass(frozen=True)
class CheckResult:
    key: str  # unique within the table, [a-z0-9_]
    name: str
    kind: str
    column: str | None
    outcome: str  # pass | warn | fail | error (not evaluated)
    definition: str  # the SodaCL of the check
    message: str  # one readable line: what was measured and what was expected
    metrics: dict[str, Any] = field(default_factory=dict)  # JSON-able metric values
    sample: FailedRowsSample | None = None
    source: str = "template"

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    @property
    def severity(self) -> str | None:
        """None when passing; "warn" for a Soda warning; "error" for a failure or a check that could not run."""
        return {"pass": None, "warn": "warn"}.get(self.outcome, "error")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "column": self.column,
            "outcome": self.outcome,
            "severity": self.severity,
            "message": self.message,
            "metrics": _jsonable(self.metrics),
            "sample": self.sample.to_dict() if self.sample else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class ScanResult:
    table: str  # namespace.name
    engine: str
    exit_code: int  # Soda's: 0 pass, 1 warn, 2 fail, 3 error
    checks: tuple[CheckResult, ...]
    errors: tuple[str, ...] = ()
    logs: str = ""

    @property
    def outcome(self) -> str:
        return {EXIT_PASS: "pass", EXIT_WARN: "warn", EXIT_FAIL: "fail"}.get(self.exit_code, "error")

    def check(self, key: str) -> CheckResult:
        found = next((c for c in self.checks if c.key == key), None)
        if found is None:
            raise KeyError(
                f"no check {key!r} in {self.table}; checks: {', '.join(c.key for c in self.checks)}"
            )
        return found

    def counts(self) -> dict[str, int]:
        return {o: sum(1 for c in self.checks if c.outcome == o) for o in OUTCOMES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "engine": self.engine,
            "exit_code": self.exit_code,
            "outcome": self.outcome,
            "counts": self.counts(),
            "checks": [c.to_dict() for c in self.checks],
            "errors": list(self.errors),
        }


class _SafeSampler(Sampler):
    """Keeps a few failed rows per check, showing only columns on an allow-list.

    The data source config already excludes restricted/pii columns from Soda's own queries; this is
    the second lock for hand-written queries (`SELECT email AS e ...` shows no column `e`).
    """

    def __init__(self, allowed: set[str]):
        self.allowed = allowed
        # Keyed by the SampleRef handed back to Soda: Soda's own check_name is the SodaCL line, which
        # two checks can share ("failed rows"), while each check keeps its own SampleRef.
        self.samples: dict[int, FailedRowsSample] = {}

    def store_sample(self, sample_context: Any) -> SampleRef:
        sample = sample_context.sample
        schema = sample.get_schema()
        names = [c.name for c in schema.columns]
        keep = [i for i, n in enumerate(names) if n in self.allowed]
        rows = tuple(tuple(row[i] for i in keep) for row in list(sample.get_rows())[:SAMPLE_ROWS])
        total = sample.get_rows_count()
        reference = SampleRef(
            name=sample_context.sample_name,
            schema=schema,
            total_row_count=total,
            stored_row_count=len(rows),
            type=SampleRef.TYPE_NOT_PERSISTED,
            message="kept in the icespec scan result (restricted and pii columns removed)",
        )
        self.samples[id(reference)] = FailedRowsSample(
            columns=tuple(names[i] for i in keep),
            rows=rows,
            total_rows=total,
            hidden_columns=tuple(n for n in names if n not in self.allowed),
        )
        return reference

    def samples_by_check_name(self, scan: Any) -> dict[str, FailedRowsSample]:
        return {
            check.name: self.samples[id(check.failed_rows_sample_ref)]
            for check in scan.get_checks_warn_or_fail()
            if check.failed_rows_sample_ref is not None and id(check.failed_rows_sample_ref) in self.samples
        }


def _sodacl_of(check: GeneratedCheck) -> str:
    import yaml

    return yaml.safe_dump([check.entry], sort_keys=False, width=120).strip()


_THRESHOLD_WORDS = {
    "greaterThan": ">",
    "greaterThanOrEqual": ">=",
    "lessThan": "<",
    "lessThanOrEqual": "<=",
    "equal": "=",
    "notEqual": "!=",
}


def _threshold_text(threshold: Any) -> str:
    if not isinstance(threshold, dict):
        return str(threshold)
    if set(threshold) == {"greaterThan", "lessThan"} and threshold["greaterThan"] == threshold["lessThan"]:
        return f"!= {threshold['lessThan']:g}"  # how Soda encodes "= N"
    return " and ".join(
        f"{_THRESHOLD_WORDS.get(k, k)} {v:g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in threshold.items()
    )


def _describe(
    check: GeneratedCheck | None, result: dict[str, Any], outcome: str
) -> tuple[str, dict[str, Any]]:
    """A readable 'why' and the metric values of one Soda check result."""
    diagnostics = result.get("diagnostics") or {}
    definition = str(result.get("definition") or "")
    kind = check.kind if check else "extra"
    metrics: dict[str, Any] = {}
    if "freshness" in diagnostics or kind == "freshness":
        metrics = {
            "freshness_seconds": (diagnostics.get("value") or 0) / 1000,
            "max_column_timestamp": diagnostics.get("maxColumnTimestamp"),
            "now": diagnostics.get("nowTimestamp"),
        }
        age = diagnostics.get("freshness")
        message = (
            f"newest {check.column if check else 'value'} is {diagnostics.get('maxColumnTimestamp')}, "
            f"{age} before {diagnostics.get('nowTimestamp')}"
            if diagnostics.get("maxColumnTimestamp")
            else "no value to measure freshness on (empty table or all nulls)"
        )
        rules = [
            line.strip() for line in definition.splitlines() if line.strip().startswith(("warn:", "fail:"))
        ]
        return f"{message} ({'; '.join(rules)})" if rules else message, metrics
    if kind == "schema" or "column_type_mismatches" in diagnostics:
        metrics = {
            key: diagnostics.get(key)
            for key in ("missing_column_names", "present_column_names", "column_type_mismatches")
            if diagnostics.get(key)
        }
        if outcome == "pass":
            return "columns and types are as in the template", metrics
        parts = []
        if metrics.get("missing_column_names"):
            parts.append(f"missing columns: {', '.join(metrics['missing_column_names'])}")
        if metrics.get("present_column_names"):
            parts.append(f"unexpected columns: {', '.join(metrics['present_column_names'])}")
        for column, mismatch in (metrics.get("column_type_mismatches") or {}).items():
            parts.append(
                f"{column} is {mismatch.get('actual_type')}, expected {mismatch.get('expected_type')}"
            )
        return "; ".join(parts) or "schema differs from the template", metrics
    value = diagnostics.get("value")
    metrics["value"] = value
    for level in ("fail", "warn"):
        if diagnostics.get(level) is not None:
            metrics[f"{level}_when"] = diagnostics[level]
    measured = {
        "row_count": "rows",
        "missing": "null values",
        "duplicate": "duplicated rows",
    }.get(kind, "rows violating the rule")
    if value is None:
        return "not evaluated", metrics
    message = f"{value:g} {measured}" if isinstance(value, int | float) else f"{value} {measured}"
    if kind == "extra" and check is not None:
        line = next(iter(check.entry)) if isinstance(check.entry, dict) else str(check.entry)
        metric = re.match(r"\s*([a-z_]+(?:\([^)]*\))?)", line)
        if line.strip() == "failed rows":
            message = f"{value:g} failing rows" if isinstance(value, int | float) else f"{value} failing rows"
        elif metric:
            message = (
                f"{metric.group(1)} = {value:g}"
                if isinstance(value, int | float)
                else f"{metric.group(1)} = {value}"
            )
    limits = [
        f"{level} when {_threshold_text(metrics[f'{level}_when'])}"
        for level in ("fail", "warn")
        if f"{level}_when" in metrics
    ]
    if limits:
        message += f" ({'; '.join(limits)})"
    return message, metrics


def _not_evaluated(check: GeneratedCheck, reason: str) -> CheckResult:
    return CheckResult(
        check.key,
        check.name,
        check.kind,
        check.column,
        "error",
        _sodacl_of(check),
        f"not evaluated: {reason}",
        source=check.source,
    )


def _collect(suite: CheckSuite, scan: Any, sampler: _SafeSampler, exit_code: int) -> ScanResult:
    soda_results = {c.get("name"): c for c in scan.get_scan_results().get("checks", [])}
    error_logs = tuple(str(log.message) for log in scan.get_error_logs())
    checks: list[CheckResult] = []
    samples = sampler.samples_by_check_name(scan)
    for generated in suite.checks:
        if generated.problem:
            checks.append(
                _not_evaluated(generated, f"{generated.source}:{generated.line}: {generated.problem}")
            )
            continue
        raw = soda_results.get(generated.name)
        if raw is None:
            checks.append(
                _not_evaluated(generated, error_logs[0] if error_logs else "Soda did not evaluate this check")
            )
            continue
        outcome = raw.get("outcome") or "error"
        message, metrics = _describe(generated, raw, outcome)
        sample = samples.get(generated.name)
        if sample is not None:
            metrics["failed_rows"] = sample.total_rows
        checks.append(
            CheckResult(
                generated.key,
                generated.name,
                generated.kind,
                generated.column,
                outcome,
                _sodacl_of(generated),
                message,
                metrics,
                sample,
                generated.source,
            )
        )
    left_out = tuple(f"{c.source}:{c.line}: {c.problem}" for c in suite.checks if c.problem)
    return ScanResult(
        suite.spec.full_name,
        suite.dialect.name,
        EXIT_ERROR if left_out else exit_code,  # a check that could not run is an error, as in Soda
        tuple(checks),
        left_out + error_logs,
        scan.get_logs_text() or "",
    )


def _new_scan(
    suite: CheckSuite, data_source: SodaDataSource, now: dt.datetime | None
) -> tuple[Any, _SafeSampler]:
    scan = soda().Scan()
    scan.set_scan_definition_name(f"icespec_{suite.spec.namespace}_{suite.spec.name}")
    scan.set_data_source_name(data_source.name)  # before the config: Soda reads the sampler settings for it
    scan.add_configuration_yaml_str(
        data_source.to_yaml(), file_path=f"icespec settings ({data_source.dialect.name})"
    )
    sampler = _SafeSampler(set(sample_allowed_columns(suite.spec)))
    scan.sampler = sampler
    if now is not None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
        scan.add_variables({"NOW": now.isoformat()})  # freshness measures against Soda's NOW variable
    scan.add_sodacl_yaml_str(suite.to_sodacl(), file_name=f"{suite.spec.name}.sodacl.yaml")
    return scan, sampler


def scan_arrow(
    spec: TableSpec,
    data: pa.Table,
    *,
    extras_dir: str | Path | None = None,
    now: dt.datetime | None = None,
    suite: CheckSuite | None = None,
) -> ScanResult:
    """Run the table's checks over an Arrow table registered in an in-memory DuckDB (no copy to disk)."""
    import duckdb

    suite = suite or build_suite(spec, DUCKDB, extras_dir)
    data_source = soda_data_source(spec)
    connection = duckdb.connect()
    try:
        connection.register(suite.dataset, data)
        scan, sampler = _new_scan(suite, data_source, now)
        scan.add_duckdb_connection(connection, data_source.name)  # after the config, which it replaces
        exit_code = scan.execute()
        return _collect(suite, scan, sampler, exit_code)
    finally:
        connection.close()


def _error_result(suite: CheckSuite, message: str) -> ScanResult:
    checks = tuple(_not_evaluated(c, message) for c in suite.checks)
    return ScanResult(suite.spec.full_name, suite.dialect.name, EXIT_ERROR, checks, (message,))


def scan_table(
    spec: TableSpec,
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    snapshot_id: int | None = None,
    extras_dir: str | Path | None = None,
    now: dt.datetime | None = None,
    suite: CheckSuite | None = None,
) -> ScanResult:
    """Scan a table where it lives: in DuckDB, the rows at `snapshot_id` (default: current) are read in;
    the cloud backends run the same SodaCL on Athena, Trino or BigQuery (a BigQuery emulator: its rows,
    read through the gcp backend, in DuckDB — see `dialect_for`)."""
    dialect = dialect_for(settings)
    suite = suite or build_suite(spec, dialect, extras_dir)
    if dialect is not DUCKDB:
        data_source = soda_data_source(spec, settings)
        scan, sampler = _new_scan(suite, data_source, now)
        return _collect(suite, scan, sampler, scan.execute())
    if not get_backend(settings.backend).embedded:  # e.g. a BigQuery emulator: read its rows in
        from icespec.tables.backend import open_lakehouse

        lakehouse = open_lakehouse(settings, read_only=True)
        if not lakehouse.plan(spec).exists:
            return _error_result(suite, f"table {spec.full_name} does not exist: run `icespec apply` first")
        return scan_arrow(spec, lakehouse.read(spec, snapshot_id=snapshot_id), now=now, suite=suite)
    from pyiceberg.exceptions import NoSuchTableError

    if catalog is None:
        from icespec.catalogs import CatalogMissing, open_catalog

        try:
            catalog = open_catalog(settings, create=False)  # a check only looks
        except CatalogMissing:
            return _error_result(suite, f"table {spec.full_name} does not exist: run `icespec apply` first")
    try:
        table = catalog.load_table(spec.identifier)
    except NoSuchTableError:
        return _error_result(suite, f"table {spec.full_name} does not exist: run `icespec apply` first")
    data = table.scan(snapshot_id=snapshot_id).to_arrow()  # no snapshot yet: an empty table
    return scan_arrow(spec, data, now=now, suite=suite)
