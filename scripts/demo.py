"""`make demo`: validate, apply, materialize every asset in-process, print a summary per table.

Runs on the embedded default (SQLite catalog + warehouse under .lakehouse/). Re-running is safe:
upsert and overwrite tables keep their row counts; day partitions are replaced, not appended.
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.chdir(REPO)
os.environ.setdefault("DAGSTER_HOME", str(REPO / ".lakehouse" / "dagster_home"))
Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
dagster_yaml = Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml"
# One step at a time per concurrency pool: a table's writes and its maintenance share the table's pool.
INSTANCE_CONFIG = "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
if not dagster_yaml.exists() or "concurrency:" not in dagster_yaml.read_text():
    dagster_yaml.write_text(INSTANCE_CONFIG)

from icespec.cli import main  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# The broken-row run fails on purpose: its errors are printed as a summary instead.
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def summary_rows(defs, specs, catalog) -> list[tuple]:
    from icespec.tables.writers import WRITE_MODE_PROPERTY

    rows = []
    for spec in specs:
        table = catalog.load_table(spec.identifier)
        snapshot = table.current_snapshot()
        summary = snapshot.summary if snapshot else None
        partitions = (
            table.inspect.partitions().num_rows if snapshot and not table.spec().is_unpartitioned() else "-"
        )
        rows.append(
            (
                spec.full_name,
                int(summary.get("total-records", 0)) if summary else 0,
                len(table.metadata.snapshots),
                partitions,
                summary.get(WRITE_MODE_PROPERTY, summary.operation.value) if summary else "-",
            )
        )
    return rows


def run() -> int:
    for command in (["validate"], ["apply"]):
        print(f"$ icespec {' '.join(command)}")
        code = main(command)
        if code:
            return code
    from dagster import DagsterInstance

    import icespec_examples.definitions as project
    from icespec.catalogs import Settings, open_catalog
    from icespec.orchestration import PARTITIONED_JOB, UNPARTITIONED_JOB

    defs = project.defs
    instance = DagsterInstance.get()  # DAGSTER_HOME: `dagster dev` shows these runs
    print(f"\n$ materialize job {UNPARTITIONED_JOB}")
    tables_run = defs.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(
        instance=instance, run_config=QUIET
    )
    if not tables_run.success:
        return 1
    try:
        partitioned = defs.resolve_job_def(PARTITIONED_JOB)
    except Exception:  # no day-partitioned template
        partitioned = None
    if partitioned is not None:
        keys = partitioned.partitions_def.get_partition_keys()
        for key in keys[-2:]:  # the two most recent days
            print(f"$ materialize job {PARTITIONED_JOB} partition {key}")
            if not partitioned.execute_in_process(
                instance=instance, partition_key=key, run_config=QUIET
            ).success:
                return 1
    catalog = open_catalog(Settings.from_env())
    rows = summary_rows(defs, project.SPECS, catalog)
    print(f"\n{'table':<28} {'rows':>8} {'snapshots':>10} {'partitions':>11}  last write")
    for name, count, snapshots, partitions, mode in rows:
        print(f"{name:<28} {count:>8} {snapshots:>10} {partitions!s:>11}  {mode}")
    for event in tables_run.get_asset_materialization_events():  # reports downstream of the tables
        meta = event.materialization.metadata
        if "source_rows" in meta:
            totals = ", ".join(
                f"{k.split('/')[1]} {v.value}" for k, v in meta.items() if k.startswith("revenue/")
            )
            print(
                f"report {event.asset_key.to_user_string():<21} {meta['dagster/row_count'].value:>8} rows  {totals}"
            )
    code = independent_read(project.SPECS, catalog)
    if code:
        return code
    # --- quality (issue 4): every table's Soda check results (`icespec check -v`) ---------------
    print("\n$ icespec check --verbose")
    main(["check", "--verbose"])
    # --------------------------------------------------------------------------------------------
    code = broken_row_demo(project.SPECS)
    if code:
        return code
    code = maintenance_demo(project.SPECS, catalog)
    if code:
        return code
    print("\nOpen the same project in the UI: `.venv/bin/dagster dev` (see README).")
    return 0


def independent_read(specs, catalog) -> int:
    """Every table read again by DuckDB's Iceberg extension, which shares no code with pyiceberg."""
    sys.path.insert(0, str(REPO))
    from tests.support.independent_reader import assert_duckdb_reads_the_same

    print("\n$ DuckDB's Iceberg extension reads every table (an engine independent of pyiceberg)")
    for spec in specs:
        table = catalog.load_table(spec.identifier)
        try:
            rows = assert_duckdb_reads_the_same(table).num_rows
        except AssertionError as exc:
            print(f"{spec.full_name:<28} DIFFERS: {exc}")
            return 1
        print(f"{spec.full_name:<28} {rows:>8} rows: same schema and rows as pyiceberg reads")
    return 0


def maintenance_demo(specs, catalog) -> int:
    """`icespec maintain` on the demo's tables, then DuckDB reads every table again."""
    print("\n$ icespec maintain")
    code = main(["maintain"])
    if code:
        return code
    return independent_read(specs, catalog)


# --- what a broken row does: blocking checks on orders keep sales/daily_revenue from running ------
BROKEN_ROW_LAKEHOUSE = REPO / ".lakehouse" / "broken-row-demo"
BROKEN_STATUS = "lost"  # not in orders' accepted_values (a null would be refused by the writer itself)
REPORT_STEP = "sales__daily_revenue"


@contextmanager
def scratch_lakehouse(path: Path):
    """Local settings on a wiped `path`; the environment points there only inside the block (the
    lakehouse resource reads ICESPEC_* variables at run time), so the demo's data is never touched."""
    variables = ("ICESPEC_BACKEND", "ICESPEC_LAKEHOUSE_DIR", "ICESPEC_CATALOG_URI", "ICESPEC_WAREHOUSE")
    saved = {name: os.environ.get(name) for name in variables}
    shutil.rmtree(path, ignore_errors=True)
    for name in variables:
        os.environ.pop(name, None)
    os.environ["ICESPEC_LAKEHOUSE_DIR"] = str(path)
    try:
        from icespec.catalogs import Settings

        yield Settings.from_env()
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def broken_row_demo(specs) -> int:
    import pyarrow as pa
    from dagster import AssetKey, DagsterInstance

    from icespec.orchestration import UNPARTITIONED_JOB, build_definitions
    from icespec_examples.samples import sample_batch

    orders = next((s for s in specs if s.full_name == "sales.orders"), None)
    print("\n" + "=" * 100)
    print(f"What a broken row does (scratch lakehouse {BROKEN_ROW_LAKEHOUSE.relative_to(REPO)}, wiped first)")
    print("=" * 100)
    if orders is None:
        print("no sales.orders template: nothing to show")
        return 0
    orders_key, report_key = AssetKey(["sales", "orders"]), AssetKey(["sales", "daily_revenue"])

    def orders_with_a_broken_row(spec, _partition_key):
        batch = sample_batch(spec)
        status = batch["status"].to_pylist()
        status[0] = BROKEN_STATUS
        index = batch.schema.get_field_index("status")
        return batch.set_column(index, batch.schema.field(index), pa.array(status, batch["status"].type))

    with scratch_lakehouse(BROKEN_ROW_LAKEHOUSE) as settings:
        defs = build_definitions([orders], settings, sources={orders.full_name: orders_with_a_broken_row})
        print(f"$ materialize job {UNPARTITIONED_JOB}: table_reconcile, sales/orders (1 of 200 rows has "
              f"status={BROKEN_STATUS!r}) with its Soda checks, sales/daily_revenue")  # fmt: skip
        result = defs.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(
            instance=DagsterInstance.ephemeral(),  # keeps these runs out of the demo's DAGSTER_HOME
            raise_on_error=False,
            run_config=SILENT,
        )
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    print(f"sales/orders written: {orders_key in materialized}; "
          f"{len(evaluations)} checks, {len(failed)} failed:")  # fmt: skip
    for check in failed:
        metric = check.metadata.get("metric/value")
        print(f"  {check.severity.value:<5} {check.check_name}")
        print(f"        {check.description}")
        if metric is not None:
            print(f"        metric/value = {metric.value}")
    blocked = report_key not in materialized and result.is_node_untouched(REPORT_STEP)
    blocker = ", ".join(sorted(result.get_failed_step_keys()))
    print(f"sales/daily_revenue: {'did NOT run (blocked by failing ' + blocker + ')' if blocked else 'RAN'}")
    expected = (
        not result.success
        and orders_key in materialized
        and [e.check_name for e in failed] == ["soda_accepted_values_status"]
        and all(e.severity.value == "ERROR" for e in failed)
        and blocked
    )
    if not expected:
        print("UNEXPECTED: the broken row should fail soda_accepted_values_status (ERROR), block the report")
        return 1
    print("As expected: the run failed on the orders check, and the report never read the bad data.")
    return 0


if __name__ == "__main__":
    sys.exit(run())
