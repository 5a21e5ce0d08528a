"""The sales/daily_revenue report downstream of sales.orders, through the project's own Definitions on a
temp local lakehouse: clean orders → it materializes with the numbers DuckDB computes over the same
snapshot; one order with a status outside accepted_values → the blocking check fails with ERROR,
names itself and says why, and the report does not run."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance

from icespec.catalogs import Settings, open_catalog
from icespec.orchestration import UNPARTITIONED_JOB, build_definitions
from icespec.spec import load_spec
from icespec_examples.reports import report_assets
from icespec_examples.samples import sample_batch, sample_sources
from tests.quality.quality_data import REPO_ROOT

ORDERS = load_spec(REPO_ROOT / "table-templates" / "orders.yaml")
ORDERS_KEY = AssetKey(["sales", "orders"])
REPORT_KEY = AssetKey(["sales", "daily_revenue"])
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path_factory.mktemp("lakehouse"))})
    defs = build_definitions(
        [ORDERS],
        settings,
        sources=sample_sources([ORDERS]),
        assets=report_assets([ORDERS]),
        extras_dir=REPO_ROOT / "quality" / "soda_checks",
    )
    return settings, defs, DagsterInstance.ephemeral()


def _snapshot_id(result, key: AssetKey) -> int:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key == key)
    return int(event.materialization.metadata["snapshot_id"].value)


def test_clean_orders_materialize_daily_revenue_equal_to_duckdb_over_the_snapshot(project):
    settings, defs, instance = project
    result = defs.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(instance=instance, run_config=QUIET)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    assert REPORT_KEY in {e.asset_key for e in result.get_asset_materialization_events()}

    snapshot_id = _snapshot_id(result, ORDERS_KEY)
    loaded = [e for e in result.all_events if e.event_type_value == "LOADED_INPUT"]
    assert [e.event_specific_data.metadata["snapshot_id"].value for e in loaded] == [str(snapshot_id)]
    orders = open_catalog(settings).load_table(ORDERS.identifier).scan(snapshot_id=snapshot_id).to_arrow()
    connection = duckdb.connect()
    connection.register("orders", orders)
    expected = connection.execute(
        "SELECT order_date, currency, sum(amount) AS revenue, count(*) AS order_count FROM orders "
        "WHERE status <> 'cancelled' GROUP BY order_date, currency ORDER BY order_date, currency"
    ).fetchall()
    report = result.asset_value(REPORT_KEY)
    assert report.column_names == ["order_date", "currency", "revenue", "order_count"]
    assert [tuple(row.values()) for row in report.to_pylist()] == expected
    assert len(expected) > 10 and orders.num_rows == 200  # sample data: 30 days (its currencies are all EUR)
    cancelled = sum(1 for s in orders["status"].to_pylist() if s == "cancelled")
    assert cancelled > 0 and sum(count for *_, count in expected) == orders.num_rows - cancelled
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key == REPORT_KEY
    )
    assert metadata["dagster/row_count"].value == len(expected)
    assert metadata["source_rows"].value == 200


def orders_with_a_broken_row(spec, _partition_key) -> pa.Table:
    batch = sample_batch(spec)
    status = batch["status"].to_pylist()
    status[0] = "lost"  # not in accepted_values (a null would be refused by the writer itself)
    index = batch.schema.get_field_index("status")
    return batch.set_column(index, batch.schema.field(index), pa.array(status, batch["status"].type))


def test_a_broken_order_blocks_daily_revenue_and_names_the_failed_check(project):
    settings, _, instance = project
    # The project's own Definitions, with only the orders source replaced.
    defs = build_definitions(
        [ORDERS],
        settings,
        sources={ORDERS.full_name: orders_with_a_broken_row},
        assets=report_assets([ORDERS]),
        extras_dir=REPO_ROOT / "quality" / "soda_checks",
    )
    result = defs.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    assert not result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert ORDERS_KEY in materialized and REPORT_KEY not in materialized
    assert result.get_failed_step_keys() == {"sales__orders"}  # the write landed, its blocking check failed
    assert result.is_node_untouched("sales__daily_revenue")  # never started
    messages = [record.user_message for record in instance.all_logs(result.run_id)]
    assert "Dependencies for step sales__daily_revenue failed: ['sales__orders']. Not executing." in messages
    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert set(failed) == {"soda_accepted_values_status"}
    check = failed["soda_accepted_values_status"]
    assert check.severity == AssetCheckSeverity.ERROR
    assert check.description.startswith("status is one of placed, paid, shipped, delivered, cancelled: ")
    assert "1 rows violating" in check.metadata["reason"].value
    assert check.metadata["metric/value"].value == 1
    assert check.metadata["failed_rows_sample"].value["rows"][0][
        check.metadata["failed_rows_sample"].value["columns"].index("status")
    ] == "lost"  # fmt: skip
