"""Dagster definitions load and materialize; the plan/apply CLI exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from icespec.catalogs import open_catalog
from icespec.cli import main
from icespec.orchestration import PARTITIONED_JOB, RECONCILE_KEY, UNPARTITIONED_JOB, build_definitions
from icespec.tables.writers import default_write_mode
from icespec_examples.reports import report_assets
from icespec_examples.samples import sample_batch, sample_sources

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def test_definitions_load_and_materialize_every_asset(local_settings, example_specs):
    defs = build_definitions(
        example_specs,
        local_settings,
        sources=sample_sources(example_specs),
        assets=report_assets(example_specs),
    )
    keys = {a.key for a in defs.resolve_all_asset_specs()}
    tables = {AssetKey([s.namespace, s.name]) for s in example_specs}
    assert keys == {RECONCILE_KEY, AssetKey(["sales", "daily_revenue"])} | tables
    orders = next(a for a in defs.resolve_all_asset_specs() if a.key == AssetKey(["sales", "orders"]))
    columns = {c.name: c for c in orders.metadata["dagster/column_schema"].columns}
    assert columns["payment_card_last4"].tags == {"access_level": "restricted", "pii": "true"}
    assert orders.owners == ["team:commerce"]
    maintenance = {f"icespec_maintenance_{ns}_schedule" for ns in {s.namespace for s in example_specs}}
    assert {s.name for s in defs.schedules} == {
        f"{UNPARTITIONED_JOB}_daily",
        f"{PARTITIONED_JOB}_schedule",
    } | maintenance


def test_the_maintenance_job_reports_on_each_table_asset_and_shares_its_write_pool(
    local_settings, example_specs
):
    """Each namespace's maintenance job runs one op per table on the template's schedule, observes
    the table's asset with what it did, and sits in the same concurrency pool as the table's writes."""
    defs = build_definitions(example_specs, local_settings, sources=sample_sources(example_specs))
    instance = DagsterInstance.ephemeral()
    for _ in range(2):  # two writes: two snapshots and files to compact on every written table
        assert (
            defs.resolve_job_def(UNPARTITIONED_JOB)
            .execute_in_process(instance=instance, run_config=QUIET)
            .success
        )
    sales = sorted((s for s in example_specs if s.namespace == "sales"), key=lambda s: s.name)
    job = defs.resolve_job_def("icespec_maintenance_sales")
    schedule = next(s for s in defs.schedules if s.name == "icespec_maintenance_sales_schedule")
    assert schedule.cron_schedule == sales[0].maintenance.schedule == "0 3 * * *"
    result = job.execute_in_process(instance=instance, run_config=QUIET)
    assert result.success
    for spec in sales:
        node = f"maintain_sales__{spec.name}"
        (observation,) = result.asset_observations_for_node(node)
        assert observation.asset_key == AssetKey(["sales", spec.name])
        metadata = {k: v.value for k, v in observation.metadata.items()}
        assert metadata["snapshots_before"] >= 2 and metadata["expire_status"] == "done"
        asset_op = defs.resolve_assets_def(AssetKey(["sales", spec.name])).op
        assert job.graph.node_named(node).definition.pool == asset_op.pool == f"icespec/sales.{spec.name}"
    orders = open_catalog(local_settings).load_table(("sales", "orders"))
    assert orders.current_snapshot().summary.operation.value in ("replace", "overwrite")


def test_a_rerun_with_fewer_rows_leaves_what_each_write_mode_promises(local_settings, example_specs):
    """Run every job twice, the second time with 120 of the 200 sample rows: overwritten tables and
    the replaced day hold exactly the 120, upserted tables keep the 80 keys the re-run did not send."""
    rows = {"count": 200}

    def source(spec, partition_key):
        return sample_batch(spec, partition_key, rows=rows["count"])

    defs = build_definitions(
        example_specs, local_settings, sources={s.full_name: source for s in example_specs}
    )
    instance = DagsterInstance.ephemeral()
    daily = defs.resolve_job_def(PARTITIONED_JOB)
    latest_day = daily.partitions_def.get_partition_keys()[-1]  # older days would fail freshness checks
    for count in (200, 120):
        rows["count"] = count
        assert (
            defs.resolve_job_def(UNPARTITIONED_JOB)
            .execute_in_process(instance=instance, run_config=QUIET)
            .success
        )
        assert daily.execute_in_process(instance=instance, partition_key=latest_day, run_config=QUIET).success
    catalog = open_catalog(local_settings)
    for spec in example_specs:
        table = catalog.load_table(spec.identifier)
        expected = 200 if default_write_mode(spec) == "upsert" else 120
        assert table.scan().to_arrow().num_rows == expected, (spec.full_name, default_write_mode(spec))


def test_cli_plan_apply_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "table-templates" / "orders.yaml", templates)
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / "lh"))
    monkeypatch.delenv("ICESPEC_BACKEND", raising=False)
    args = ["--templates", str(templates)]
    assert main([*args, "plan"]) == 2
    assert "create table sales.orders" in capsys.readouterr().out
    assert main([*args, "apply"]) == 0
    assert main([*args, "plan"]) == 0
    path = templates / "orders.yaml"
    path.write_text(
        path.read_text().replace(
            "  - name: payment_card_last4", "  - {name: note, type: string}\n  - name: payment_card_last4"
        )
    )
    capsys.readouterr()
    assert main([*args, "plan", "--json"]) == 2
    assert '"kind": "add_column"' in capsys.readouterr().out
    assert main([*args, "apply"]) == 0
    path.write_text(
        path.read_text()
        .replace(
            "  - name: currency\n    type: string\n    required: true\n",
            "  - name: currency\n    type: string\n    required: false\n",
        )
        .replace("  - {name: note, type: string}\n", "")
    )
    assert main([*args, "apply"]) == 1  # dropping `note` is BREAKING
    assert "breaking changes refused" in capsys.readouterr().err
    monkeypatch.setenv("ICESPEC_BACKEND", "nope")
    assert main([*args, "plan"]) == 1
    assert "ICESPEC_BACKEND='nope'" in capsys.readouterr().err


def test_two_template_sets_with_the_same_table_names_keep_their_own_specs(local_settings, tmp_path: Path):
    """The IO manager finds specs by a key of the templates' content, not of their names only."""
    from icespec.orchestration import IO_MANAGER_KEY
    from icespec.spec import parse_spec

    def orders_with(column: str):
        return parse_spec(
            f"name: orders\nnamespace: sales\ncolumns:\n  - {{name: {column}, type: long}}\n", "orders.yaml"
        )

    first = build_definitions([orders_with("a")], local_settings)
    second = build_definitions([orders_with("b")], local_settings)
    key = AssetKey(["sales", "orders"])
    specs = [d.resources[IO_MANAGER_KEY].spec_for(key) for d in (first, second)]
    assert [s.columns[0].name for s in specs] == ["a", "b"]
