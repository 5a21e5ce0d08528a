"""Regression tests for the data-path defects of the correctness review (each failed on the old main).

Every table written here is also read by DuckDB's Iceberg extension where the data matters, so the
proof is not pyiceberg reading back what pyiceberg wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tarfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icespec.catalogs import Settings, open_catalog
from icespec.cli import main
from icespec.schema import arrow_schema
from icespec.spec import load_spec
from icespec.tables.apply import ApplyError, apply_specs
from icespec.tables.backend import DayRange, open_lakehouse
from icespec.tables.plan import plan_tables
from icespec.tables.writers import WriteError, write_table
from tests.support.independent_reader import assert_duckdb_reads_the_same

REPO = Path(__file__).resolve().parents[2]
UTC = dt.UTC

CODES = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: code, type: string, required: true, access_level: public}
  - {name: note, type: string, access_level: public}
identifier_fields: [id]
"""


def _codes(ids, codes, notes=None) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "code": codes, "note": notes or [None] * len(ids)})


def _code_table(catalog, settings, make_spec, codes, notes=None):
    spec = make_spec(CODES)
    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    write_table(table, spec, _codes(list(range(len(codes))), codes, notes), "append")
    return spec, table.refresh()


# -- 1. an incompatible type change never bricks a table -----------------------------------------------
@pytest.mark.parametrize("column", ["code", "note"])  # required and optional: both lost every value before
def test_an_incompatible_type_change_on_rows_is_refused_even_with_allow_breaking(backend, make_spec, column):
    settings, catalog = backend
    spec, table = _code_table(catalog, settings, make_spec, ["1", "22", "333"], ["4", None, "6"])
    edited = make_spec(CODES.replace(f"{{name: {column}, type: string", f"{{name: {column}, type: long"))
    location = table.metadata_location
    with pytest.raises(ApplyError, match=r"--rewrite-incompatible.*nothing was changed") as info:
        apply_specs([edited], catalog, allow_breaking=True, settings=settings)
    assert "3 rows" in str(info.value) and "lose every one of them" in str(info.value)
    after = catalog.load_table(spec.identifier)
    assert after.metadata_location == location  # nothing committed
    assert sorted(after.scan().to_arrow().column(column).to_pylist(), key=str) == sorted(
        ["1", "22", "333"] if column == "code" else ["4", "6", None], key=str
    )
    (plan,) = plan_tables([edited], catalog, data_impact=True)
    (change,) = plan.changes  # still pending, and the plan says what a rewrite would do
    assert change.kind == "incompatible_type"
    values = 3 if column == "code" else 2
    assert (
        f"{values} non-null value(s) of '{column}' to convert string -> long: all convert"
        in change.data_impact
    )


def test_rewrite_incompatible_converts_every_value_in_one_transaction(backend, make_spec):
    settings, catalog = backend
    spec, table = _code_table(catalog, settings, make_spec, ["1", "22", "333"])
    edited = make_spec(CODES.replace("{name: code, type: string", "{name: code, type: long"))
    snapshots = len(table.snapshots())
    (result,) = apply_specs([edited], catalog, rewrite_incompatible=True, settings=settings)
    assert result.action == "updated"
    after = catalog.load_table(spec.identifier)
    assert str(after.schema().find_field("code").field_type) == "long"
    assert after.schema().find_field("code").required
    assert len(after.snapshots()) == snapshots + 1  # the rewrite: one snapshot, in the schema's commit
    data = after.scan().to_arrow().sort_by("id")
    assert data.column("code").to_pylist() == [1, 22, 333]
    assert not plan_tables([edited], catalog)[0].has_changes
    if settings.backend == "local":
        assert_duckdb_reads_the_same(after)


def test_a_rewrite_with_values_that_do_not_convert_commits_nothing(backend, make_spec):
    settings, catalog = backend
    spec, table = _code_table(catalog, settings, make_spec, ["1", "x", "007", "y"])
    edited = make_spec(CODES.replace("{name: code, type: string", "{name: code, type: long"))
    location = table.metadata_location
    with pytest.raises(ApplyError, match=r"2 cannot be converted \(e\.g\. 'x', 'y'\)"):
        apply_specs([edited], catalog, rewrite_incompatible=True, settings=settings)
    after = catalog.load_table(spec.identifier)
    assert after.metadata_location == location
    assert sorted(after.scan().to_arrow().column("code").to_pylist()) == ["007", "1", "x", "y"]


def test_plan_shows_what_a_breaking_change_does_to_the_rows(tmp_path, monkeypatch, capsys):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "codes.yaml").write_text(f"name: codes\nnamespace: ns\n{CODES}")
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / "lh"))
    monkeypatch.delenv("ICESPEC_BACKEND", raising=False)
    data = tmp_path / "codes.parquet"
    pq.write_table(_codes([1, 2, 3], ["10", "x", "30"]), data)
    args = ["--templates", str(templates)]
    assert main([*args, "apply"]) == 0
    assert main([*args, "write", "codes", str(data)]) == 0
    (templates / "codes.yaml").write_text(
        f"name: codes\nnamespace: ns\n{CODES}".replace("{name: code, type: string", "{name: code, type: long")
    )
    capsys.readouterr()
    assert main([*args, "plan"]) == 2
    out = capsys.readouterr().out
    assert "data: apply refuses this without --rewrite-incompatible" in out
    assert "1 cannot be converted (e.g. 'x')" in out
    assert main([*args, "apply", "--allow-breaking"]) == 1
    assert "codes.yaml:5: ns.codes: cannot change the type of 'code'" in capsys.readouterr().err
    assert main([*args, "apply", "--rewrite-incompatible"]) == 1
    assert "1 cannot be converted" in capsys.readouterr().err


# -- 2. an empty batch never wipes a table ---------------------------------------------------------------
def test_an_empty_overwrite_is_refused_unless_allowed(backend, make_spec):
    settings, catalog = backend
    spec, table = _code_table(catalog, settings, make_spec, ["1", "2"])
    empty = _codes([], [])
    location = table.metadata_location
    with pytest.raises(WriteError, match=r"refusing to replace every row with an empty batch.*--allow-empty"):
        write_table(table, spec, empty, "overwrite")
    with pytest.raises(WriteError, match=r"refusing to replace the rows where id > 0"):
        write_table(table, spec, empty, "overwrite", where="id > 0")
    assert table.refresh().metadata_location == location and table.scan().count() == 2
    write_table(table, spec, empty, "overwrite", where="id = 1", allow_empty=True)
    assert table.refresh().scan().to_arrow().column("id").to_pylist() == [0]
    result = write_table(table, spec, empty, "overwrite", allow_empty=True)
    assert result.rows_deleted == 1 and table.refresh().scan().count() == 0


def test_the_cli_refuses_an_empty_overwrite_without_allow_empty(tmp_path, monkeypatch, capsys):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "codes.yaml").write_text(f"name: codes\nnamespace: ns\n{CODES}")
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / "lh"))
    monkeypatch.delenv("ICESPEC_BACKEND", raising=False)
    full, empty = tmp_path / "full.csv", tmp_path / "empty.csv"
    full.write_text("id,code\n1,a\n2,b\n")
    empty.write_text("id,code\n")
    args = ["--templates", str(templates)]
    assert main([*args, "apply"]) == 0
    assert main([*args, "write", "codes", str(full)]) == 0
    assert main([*args, "write", "codes", str(empty), "--mode", "overwrite"]) == 1
    assert "refusing to replace every row with an empty batch" in capsys.readouterr().err
    table = open_catalog(Settings.from_env()).load_table(("ns", "codes"))
    assert table.scan().count() == 2
    assert main([*args, "write", "codes", str(empty), "--mode", "overwrite", "--allow-empty"]) == 0
    assert table.refresh().scan().count() == 0
    assert main([*args, "write", "codes", str(full), "--where", "id = 1"]) == 1
    assert "--where replaces rows, so it needs --mode overwrite" in capsys.readouterr().err


# -- 3. re-running a day replaces the whole day ---------------------------------------------------------
EVENTS = """\
columns:
  - {name: event_id, type: string, required: true, access_level: public}
  - {name: event_ts, type: timestamptz, required: true, access_level: public}
  - {name: ingested_at, type: timestamp, required: true, access_level: public}
identifier_fields: [event_id]
partition_spec:
  - {column: event_ts, transform: day}
  - {column: ingested_at, transform: hour}
"""


def _events(day: dt.date, count: int, label: str) -> pa.Table:
    """`count` events of `day`, ingested over the day's hours (so they land in several partitions)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
    moments = [start + dt.timedelta(minutes=30 * i) for i in range(count)]
    return pa.table(
        {
            "event_id": [f"{label}-{i}" for i in range(count)],
            "event_ts": pa.array(moments, pa.timestamp("us", "UTC")),
            "ingested_at": pa.array([m.replace(tzinfo=None) for m in moments], pa.timestamp("us")),
        }
    )


D, NEXT = dt.date(2024, 5, 1), dt.date(2024, 5, 2)


def test_replace_where_on_a_day_leaves_no_stale_rows_of_that_day(backend, make_spec):
    settings, catalog = backend
    spec = make_spec(EVENTS)
    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    write_table(table, spec, _events(NEXT, 6, "next"), "append")
    day = DayRange("event_ts", D, NEXT).where(spec)
    write_table(table, spec, _events(D, 48, "first"), "overwrite", where=day)
    result = write_table(table, spec, _events(D, 10, "rerun"), "overwrite", where=day)
    assert result.rows_deleted == 48
    ids = table.refresh().scan().to_arrow().column("event_id").to_pylist()
    assert sorted(ids) == sorted([f"rerun-{i}" for i in range(10)] + [f"next-{i}" for i in range(6)])
    if settings.backend == "local":
        assert_duckdb_reads_the_same(table)
    snapshot = table.current_snapshot()
    assert (
        snapshot.summary["icespec.replace-where"] == day
        and snapshot.summary["icespec.write-mode"] == "overwrite"
    )


def test_overwrite_partitions_keeps_sparks_dynamic_overwrite_semantics(sqlite_catalog, make_spec):
    """Only the (day, hour) partition tuples the batch writes to are replaced: a re-run with fewer
    hours leaves the old hours (documented; the Dagster daily partitions use replace-where)."""
    spec = make_spec(EVENTS)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, _events(D, 48, "first"), "overwrite_partitions")
    write_table(table, spec, _events(D, 10, "rerun"), "overwrite_partitions")
    ids = table.refresh().scan().to_arrow().column("event_id").to_pylist()
    assert len(ids) == 48 - 10 + 10 and sum(i.startswith("first") for i in ids) == 38


def test_replace_where_refuses_a_batch_with_rows_outside_the_filter(sqlite_catalog, make_spec):
    spec = make_spec(EVENTS)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, _events(D, 4, "first"), "append")
    mixed = pa.concat_tables([_events(D, 3, "d"), _events(NEXT, 2, "next")])
    with pytest.raises(WriteError, match=r"2 of 5 batch row\(s\) do not match the replace-where filter"):
        write_table(table, spec, mixed, "overwrite", where=DayRange("event_ts", D, NEXT).where(spec))
    with pytest.raises(WriteError, match=r"cannot parse row filter|does not fit the table"):
        write_table(table, spec, _events(D, 1, "x"), "overwrite", where="nope = 1")
    assert table.refresh().scan().count() == 4 and len(table.snapshots()) == 1


def test_a_dagster_daily_partition_rerun_replaces_exactly_its_day(tmp_path, make_spec):
    from dagster import DagsterInstance

    from icespec.orchestration import PARTITIONED_JOB, build_definitions

    spec = make_spec(EVENTS)
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    batches = {
        "2024-05-01": [_events(D, 48, "first"), _events(D, 10, "rerun")],
        "2024-05-02": [_events(NEXT, 6, "next")],
    }

    def source(_spec, partition_key):
        return batches[partition_key].pop(0)

    defs = build_definitions([spec], settings, sources={spec.full_name: source}, extras_dir=tmp_path)
    job = defs.resolve_job_def(PARTITIONED_JOB)
    instance = DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    for key in ("2024-05-01", "2024-05-02", "2024-05-01"):
        assert job.execute_in_process(instance=instance, partition_key=key, run_config=quiet).success
    table = open_catalog(settings).load_table(spec.identifier)
    ids = table.scan().to_arrow().column("event_id").to_pylist()
    assert sorted(ids) == sorted([f"rerun-{i}" for i in range(10)] + [f"next-{i}" for i in range(6)])
    assert_duckdb_reads_the_same(table)


# -- 4. upsert keyed by a nested identifier ---------------------------------------------------------------
ACCOUNTS = """\
columns:
  - name: acct
    type: struct
    required: true
    access_level: public
    fields:
      - {name: id, type: long, required: true}
      - {name: region, type: string}
  - {name: balance, type: "decimal(12,2)", access_level: public}
identifier_fields: [acct.id]
"""


def _accounts(rows) -> pa.Table:
    return pa.table(
        {
            "acct": [{"id": i, "region": r} for i, r, _ in rows],
            "balance": pa.array([Decimal(b) for *_, b in rows], pa.decimal128(12, 2)),
        }
    )


def test_upsert_keyed_by_a_nested_identifier(backend, make_spec):
    settings, catalog = backend
    spec = make_spec(ACCOUNTS)
    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    from icespec.tables.writers import default_write_mode

    assert default_write_mode(spec) == "upsert"
    write_table(table, spec, _accounts([(1, "eu", "10.00"), (2, "us", "20.00")]), "upsert")
    result = write_table(table, spec, _accounts([(2, "ap", "25.00"), (3, None, "30.00")]), "upsert")
    assert (result.rows_updated, result.rows_inserted, result.rows_deleted) == (1, 1, 1)
    rows = sorted(table.refresh().scan().to_arrow().to_pylist(), key=lambda r: r["acct"]["id"])
    assert [(r["acct"]["id"], r["acct"]["region"], str(r["balance"])) for r in rows] == [
        (1, "eu", "10.00"), (2, "ap", "25.00"), (3, None, "30.00")
    ]  # fmt: skip
    with pytest.raises(WriteError, match=r"repeats 1 identifier value\(s\) of \(acct\.id\)"):
        write_table(table, spec, _accounts([(5, "eu", "1.00"), (5, "us", "2.00")]), "upsert")


# -- 5. day-range reads of date and naive timestamp columns --------------------------------------------
@pytest.mark.parametrize("kind", ["date", "timestamp", "timestamptz"])
def test_a_day_range_reads_date_naive_and_zoned_columns(local_settings, make_spec, kind):
    spec = make_spec(
        f"columns:\n  - {{name: id, type: long, required: true, access_level: public}}\n"
        f"  - {{name: at, type: {kind}, required: true, access_level: public}}\n"
        "partition_spec:\n  - {column: at, transform: day}\n"
    )
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    moments = [dt.datetime(2024, 5, 1, 23, 59), dt.datetime(2024, 5, 2, 0, 0), dt.datetime(2024, 5, 2, 23, 59),
               dt.datetime(2024, 5, 3)]  # fmt: skip
    values = {
        "date": pa.array([m.date() for m in moments]),
        "timestamp": pa.array(moments, pa.timestamp("us")),
        "timestamptz": pa.array([m.replace(tzinfo=UTC) for m in moments], pa.timestamp("us", "UTC")),
    }[kind]
    lakehouse.write(spec, pa.table({"id": pa.array(range(4), pa.int64()), "at": values}))
    rows = lakehouse.read(spec, between=DayRange("at", dt.date(2024, 5, 2), dt.date(2024, 5, 3)))
    assert sorted(rows.column("id").to_pylist()) == [1, 2]  # 2024-05-02 only, whatever the column's type


# -- 6. the quality gate and downstream use the snapshot this run committed ------------------------------
def test_checks_and_downstream_use_the_snapshot_this_run_committed(tmp_path):
    """Another writer commits a bad row (and its materialization is recorded) between this run's
    write and its checks: the checks still scan this run's snapshot, and the report reads it."""
    from dagster import AssetKey, AssetMaterialization, DagsterInstance

    from icespec.orchestration import UNPARTITIONED_JOB, build_definitions
    from icespec_examples.reports import report_assets
    from icespec_examples.samples import sample_batch, sample_sources

    orders = load_spec(REPO / "table-templates" / "orders.yaml")
    orders_key = AssetKey(["sales", "orders"])
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    instance = DagsterInstance.ephemeral()
    other: dict[str, int] = {}

    def clock_of_a_busy_table() -> dt.datetime:  # called right before the checks scan
        batch = sample_batch(orders)
        status = batch["status"].to_pylist()
        status[0] = "lost"
        index = batch.schema.get_field_index("status")
        bad = batch.set_column(index, batch.schema.field(index), pa.array(status, batch["status"].type))
        result = open_lakehouse(settings).write(orders, bad, "upsert")
        instance.report_runless_asset_event(
            AssetMaterialization(orders_key, metadata={"snapshot_id": str(result.snapshot_id)})
        )
        other["snapshot"] = result.snapshot_id
        return dt.datetime.now(UTC)

    defs = build_definitions(
        [orders], settings, sources=sample_sources([orders]), assets=report_assets([orders]),
        extras_dir=REPO / "quality" / "soda_checks", clock=clock_of_a_busy_table,
    )  # fmt: skip
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    result = defs.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(instance=instance, run_config=quiet)
    assert result.success
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key == orders_key)
    ours = event.materialization.metadata["snapshot_id"].value
    assert int(ours) != other["snapshot"]  # the table's latest snapshot holds the bad row ...
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key == orders_key]
    assert evaluations and all(e.passed for e in evaluations)  # ... but this run checked its own
    assert {e.metadata["snapshot_id"].value for e in evaluations} == {ours}
    loaded = [e for e in result.all_events if e.event_type_value == "LOADED_INPUT"]
    assert [e.event_specific_data.metadata["snapshot_id"].value for e in loaded] == [ours]


# -- 7. a doc-only edit never blocks a write -----------------------------------------------------------
def test_a_doc_only_template_edit_does_not_block_writes(sqlite_catalog, make_spec):
    spec = make_spec(CODES)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    edited = make_spec(
        CODES.replace("{name: note, type: string,", "{name: note, type: string, description: Free text,")
        + "properties: {commit_retry_num_retries: 9}\n"
    )
    assert {c.kind for c in plan_tables([edited], sqlite_catalog)[0].changes} == {
        "update_doc",
        "set_property",
    }
    write_table(table, edited, _codes([1], ["a"]), "append")  # pending safe changes do not block
    renamed = make_spec(CODES.replace("{name: note,", "{name: remark, renamed_from: note,"))
    with pytest.raises(WriteError, match=r"rename column 'note' to 'remark'.*run `icespec apply` first"):
        write_table(table, renamed, pa.table({"id": [2], "code": ["b"], "remark": ["r"]}), "append")
    assert table.refresh().scan().count() == 1


def test_every_job_reconciles_first_so_safe_changes_land(tmp_path, make_spec):
    from dagster import DagsterInstance

    from icespec.orchestration import PARTITIONED_JOB, RECONCILE_KEY, build_definitions

    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    spec = make_spec(EVENTS)
    open_lakehouse(settings).apply([spec])
    edited = make_spec(
        EVENTS.replace("{name: event_id, type: string,", "{name: event_id, type: string, description: Id,")
    )
    defs = build_definitions([edited], settings, sources={edited.full_name: lambda s, k: _events(D, 4, "e")},
                             extras_dir=tmp_path)  # fmt: skip
    job = defs.resolve_job_def(PARTITIONED_JOB)
    assert RECONCILE_KEY in job.asset_layer.executable_asset_keys
    assert job.execute_in_process(instance=DagsterInstance.ephemeral(), partition_key="2024-05-01").success
    assert not open_lakehouse(settings).plan(edited).has_changes


# -- 8. CSV and JSON lines are typed by the template --------------------------------------------------
ORDERS_CSV = """\
order_id,customer_id,order_date,status,amount,currency,discount,payment_card_last4,updated_at
00123,42,2026-02-04,paid,12.50,EUR,,0042,2026-02-04T11:30:00+01:00
00124,43,2026-02-04,placed,7,USD,1.25,,2026-02-04T10:30:00Z
"""


@pytest.fixture
def orders_cli(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(REPO / "table-templates" / "orders.yaml", templates)
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / "lh"))
    monkeypatch.delenv("ICESPEC_BACKEND", raising=False)
    assert main(["--templates", str(templates), "apply"]) == 0
    return ["--templates", str(templates)], tmp_path


def test_an_orders_csv_is_parsed_with_the_templates_types(orders_cli):
    args, folder = orders_cli
    path = folder / "orders.csv"
    path.write_text(ORDERS_CSV)
    assert main([*args, "write", "orders", str(path)]) == 0
    table = open_catalog(Settings.from_env()).load_table(("sales", "orders"))
    rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["order_id"])
    assert [r["order_id"] for r in rows] == ["00123", "00124"]  # digit-only strings stay strings
    assert [r["amount"] for r in rows] == [Decimal("12.50"), Decimal("7.00")]
    assert rows[0]["payment_card_last4"] == "0042" and rows[1]["discount"] == Decimal("1.25")
    assert [r["updated_at"] for r in rows] == [dt.datetime(2026, 2, 4, 10, 30, tzinfo=UTC)] * 2


def test_a_json_lines_file_is_parsed_with_the_templates_types(orders_cli):
    args, folder = orders_cli
    path = folder / "orders.jsonl"
    path.write_text(
        json.dumps({"order_id": "00125", "customer_id": 7, "order_date": "2026-02-04", "status": "paid",
                    "amount": "99.90", "currency": "EUR", "updated_at": "2026-02-04T11:30:00+01:00"}) + "\n"
    )  # fmt: skip
    assert main([*args, "write", "orders", str(path)]) == 0
    row = open_catalog(Settings.from_env()).load_table(("sales", "orders")).scan().to_arrow().to_pylist()[0]
    assert row["amount"] == Decimal("99.90") and row["updated_at"] == dt.datetime(
        2026, 2, 4, 10, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad_decimal.csv", ORDERS_CSV + "00125,44,2026-02-05,paid,abc,EUR,,,2026-02-05T10:00:00Z\n",
         r"bad_decimal\.csv:4: error: column 'amount': .*'abc'"),
        ("naive_zoned.csv", ORDERS_CSV + "00125,44,2026-02-05,paid,1,EUR,,,2026-02-05T10:00:00\n",
         r"naive_zoned\.csv:4: error: column 'updated_at': .*expected a zone offset"),
        ("short_row.csv", ORDERS_CSV + "00125,44\n", r"short_row\.csv:4: error: .*Expected 9 columns, got 2"),
        ("duplicate.csv", "order_id,order_id\n1,2\n", r"duplicate\.csv:1: error: column\(s\) order_id appear more than once"),
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("array.json", '[{"order_id": "1"}]\n', r"array\.json:1: error: the file is a JSON array"),
        ("bad_type.jsonl", '{"order_id": "1", "customer_id": 1}\n{"order_id": "2", "customer_id": "x"}\n',
         r"bad_type\.jsonl:2: error: column 'customer_id'"),
        ("broken.jsonl", '{"order_id": "1"}\n{"order_id": \n', r"broken\.jsonl:2: error: "),
        ("scale.jsonl", '{"order_id": "1", "amount": 1.005}\n', r"scale\.jsonl:1: error: column 'amount': .*scale"),
    ],
)  # fmt: skip
def test_a_bad_input_file_gets_one_line_naming_the_file_line_and_column(
    orders_cli, capsys, name, text, expected
):
    args, folder = orders_cli
    path = folder / name
    path.write_text(text)
    assert main([*args, "write", "orders", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert re.search(expected, err), err
    assert open_catalog(Settings.from_env()).load_table(("sales", "orders")).scan().count() == 0


# -- 9. pyiceberg 0.12: catalogs made by pyiceberg 0.11 keep working ---------------------------------------
FIXTURE_ROOT = Path(
    "/tmp/icespec-pyiceberg-0.11-catalog"
)  # where pyiceberg 0.11.1 wrote it (paths are absolute)


def test_a_sqlite_catalog_written_by_pyiceberg_0_11_keeps_working(tmp_path):
    """tests/fixtures/pyiceberg-0.11-catalog.tar.gz: a v0 SQL catalog (no iceberg_type column) with
    sales.orders written by icespec on pyiceberg 0.11.1. Iceberg paths are absolute, so it is unpacked
    where it was made."""
    shutil.rmtree(FIXTURE_ROOT, ignore_errors=True)
    with tarfile.open(REPO / "tests" / "fixtures" / "pyiceberg-0.11-catalog.tar.gz") as archive:
        archive.extractall(FIXTURE_ROOT.parent, filter="data")
    expected = json.loads((FIXTURE_ROOT / "expected.json").read_text())
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(FIXTURE_ROOT / "lakehouse")})
    spec = load_spec(REPO / "table-templates" / "orders.yaml")
    table = open_catalog(settings).load_table(spec.identifier)
    data = table.scan().to_arrow()
    assert sorted(data.column("order_id").to_pylist()) == expected["order_ids"]
    assert str(sum(data.column("amount").to_pylist())) == expected["amount_sum"]
    from icespec_examples.samples import sample_batch

    batch = sample_batch(spec, rows=3).set_column(0, "order_id", pa.array(["new-1", "new-2", "new-3"]))
    write_table(table, spec, batch.cast(arrow_schema(spec)), "upsert")
    assert table.refresh().scan().count() == expected["rows"] + 3
    assert_duckdb_reads_the_same(table)
    assert not open_lakehouse(settings).plan(spec).has_changes
    database = FIXTURE_ROOT / "lakehouse" / "catalog.db"
    assert "iceberg_type" not in _catalog_columns(database)  # still v0: opening never migrates by itself

    migrated = Settings.from_env(
        {"ICESPEC_LAKEHOUSE_DIR": str(FIXTURE_ROOT / "lakehouse"), "ICESPEC_CATALOG_SCHEMA_VERSION": "v1"}
    )
    table = open_catalog(migrated).load_table(spec.identifier)
    assert "iceberg_type" in _catalog_columns(database)  # v1, as Iceberg's JDBC catalog schema V1
    assert table.scan().count() == expected["rows"] + 3
    write_table(table, spec, batch.cast(arrow_schema(spec)), "upsert")
    assert table.refresh().scan().count() == expected["rows"] + 3


def _catalog_columns(database: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return {row[1] for row in connection.execute("PRAGMA table_info(iceberg_tables)")}


KINDS = """\
name: kinds
namespace: ns
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: day, type: date, access_level: public}
  - {name: at, type: time, access_level: public}
  - {name: token, type: uuid, access_level: public}
  - {name: blob, type: binary, access_level: public}
  - {name: counters, type: "map<string, double>", access_level: public}
  - {name: embedding, type: "list<float>", access_level: public}
  - {name: stats, type: "struct<seen: timestamptz, n: int>", access_level: public}
"""


def test_json_lines_carry_dates_times_uuids_maps_lists_and_structs(tmp_path):
    """pyarrow's JSON reader parses none of date, time, uuid or map from JSON itself; they are read as
    text (or as the object) and converted with Arrow's casts, so the rows are still typed exactly."""
    from icespec.spec import parse_spec
    from icespec.tables.files import read_batch_file

    spec = parse_spec(KINDS, "kinds.yaml")
    path = tmp_path / "kinds.jsonl"
    token = "550e8400-e29b-41d4-a716-446655440000"
    path.write_text(
        json.dumps({"id": 1, "day": "2026-02-04", "at": "11:30:00.5", "token": token, "blob": "abc",
                    "counters": {"a": 1.5, "b": 2}, "embedding": [0.5, 1],
                    "stats": {"seen": "2026-02-04T11:30:00+01:00", "n": 3}}) + "\n"
        + json.dumps({"id": 2}) + "\n"
    )  # fmt: skip
    rows = read_batch_file(path, arrow_schema(spec))
    assert rows.schema.field("token").type == arrow_schema(spec).field("token").type
    first, second = rows.to_pylist()
    assert first["day"] == dt.date(2026, 2, 4) and first["at"] == dt.time(11, 30, 0, 500000)
    assert str(first["token"]) == token
    assert sorted(first["counters"]) == [("a", 1.5), ("b", 2.0)] and first["embedding"] == [0.5, 1.0]
    assert first["stats"] == {"seen": dt.datetime(2026, 2, 4, 10, 30, tzinfo=UTC), "n": 3}
    assert second["day"] is None and second["counters"] is None
    path.write_text(json.dumps({"id": 1}) + "\n" + json.dumps({"id": 2, "day": "2026-02-30"}) + "\n")
    with pytest.raises(ValueError, match=r"kinds\.jsonl:2: error: column 'day': .*2026-02-30"):
        read_batch_file(path, arrow_schema(spec))


def test_a_csv_carries_uuids_and_reports_a_bad_one_by_line(tmp_path):
    from icespec.spec import parse_spec
    from icespec.tables.files import read_batch_file

    spec = parse_spec(KINDS, "kinds.yaml")
    path = tmp_path / "kinds.csv"
    path.write_text("id,day,at,token\n1,2026-02-04,11:30:00,550e8400-e29b-41d4-a716-446655440000\n2,,,\n")
    rows = read_batch_file(path, arrow_schema(spec)).to_pylist()
    assert rows[0]["at"] == dt.time(11, 30) and rows[1]["token"] is None
    path.write_text("id,token\n1,550e8400-e29b-41d4-a716-446655440000\n\n2,not-a-uuid\n")
    with pytest.raises(ValueError, match=r"kinds\.csv:4: error: column 'token': .*badly formed"):
        read_batch_file(path, arrow_schema(spec))
    path.write_text("id,stats\n1,x\n")
    with pytest.raises(
        ValueError, match=r"kinds\.csv:1: error: column 'stats' is a struct.*CSV cannot hold nested"
    ):
        read_batch_file(path, arrow_schema(spec))


# -- found by the adversarial review ------------------------------------------------------------------
NULLABLE = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: s, type: string, access_level: public}
  - {name: x, type: double, access_level: public}
"""


def test_replace_where_never_matches_a_row_whose_compared_column_is_null(sqlite_catalog, make_spec):
    """pyiceberg's delete rule: a row whose compared column is NULL is kept, so `s not in (...)` (where
    Arrow's is_in says FALSE for NULL) and `!=` leave NULL rows alone; `is null` matches them."""
    spec = make_spec(NULLABLE)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    rows = pa.table({"id": pa.array([1, 2, 3, 4], pa.int64()), "s": ["aa", None, "c", "d"],
                     "x": [1.0, 2.0, float("nan"), None]})  # fmt: skip
    write_table(table, spec, rows, "append")
    one = lambda i, s: pa.table({"id": pa.array([i], pa.int64()), "s": [s], "x": [0.0]})  # noqa: E731
    write_table(table, spec, one(9, "c"), "overwrite", where="s not in ('aa', 'b')")
    assert sorted(table.refresh().scan().to_arrow().column("id").to_pylist()) == [1, 2, 9]  # 2 (NULL) kept
    write_table(table, spec, one(8, None), "overwrite", where="s is null")
    assert sorted(table.refresh().scan().to_arrow().column("id").to_pylist()) == [1, 8, 9]
    write_table(table, spec, one(7, "z"), "overwrite", where="x != 5.0", allow_empty=True)
    assert sorted(table.refresh().scan().to_arrow().column("id").to_pylist()) == [7]


def test_a_constant_replace_where_true_replaces_every_row(sqlite_catalog, make_spec):
    spec = make_spec(NULLABLE)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, pa.table({"id": pa.array([1, 2], pa.int64())}), "append")
    result = write_table(table, spec, pa.table({"id": pa.array([5], pa.int64())}), "overwrite", where="true")
    assert result.rows_deleted == 2 and table.refresh().scan().to_arrow().column("id").to_pylist() == [5]


def test_a_rewrite_refuses_values_that_would_change_and_types_that_need_a_zone(sqlite_catalog, make_spec):
    body = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: x, type: double, access_level: public}
  - {name: ts, type: timestamp, access_level: public}
"""
    spec = make_spec(body)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, pa.table({"id": pa.array([1, 2], pa.int64()), "x": [0.5, 1e300],
                                       "ts": pa.array([dt.datetime(2024, 1, 1)] * 2, pa.timestamp("us"))}), "append")  # fmt: skip
    narrower = make_spec(body.replace("{name: x, type: double", "{name: x, type: float"))
    with pytest.raises(ApplyError, match=r"1 cannot be converted \(e\.g\. 1e\+300\)"):
        apply_specs(
            [narrower], sqlite_catalog, rewrite_incompatible=True
        )  # 0.5 survives as a float, 1e300 not
    zoned = make_spec(body.replace("{name: ts, type: timestamp", "{name: ts, type: timestamptz"))
    with pytest.raises(ApplyError, match="would invent a time zone"):
        apply_specs([zoned], sqlite_catalog, rewrite_incompatible=True)
    assert sqlite_catalog.load_table(spec.identifier).metadata_location == table.refresh().metadata_location


@pytest.mark.parametrize(
    ("layout", "used"),
    [("partition_spec:\n  - {column: code}\n", "the source of partition field"),
     ("sort_order:\n  - {column: code}\n", "in the sort order"),
     ("identifier_fields: [code]\n", "an identifier field")],
)  # fmt: skip
def test_retyping_a_column_the_layout_reads_is_refused_by_plan_and_apply(
    sqlite_catalog, make_spec, layout, used
):
    body = CODES.replace("identifier_fields: [id]\n", "") + layout
    spec = make_spec(body)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, _codes([1], ["1"]), "append")
    edited = make_spec(body.replace("{name: code, type: string", "{name: code, type: long"))
    (plan,) = plan_tables([edited], sqlite_catalog, data_impact=True)
    assert used in plan.changes[0].data_impact
    with pytest.raises(ApplyError, match=rf"codes?|items.yaml:\d+: .*{used}.*add a new column instead"):
        apply_specs([edited], sqlite_catalog, rewrite_incompatible=True)


def test_a_retype_with_a_doc_change_keeps_the_columns_place(sqlite_catalog, make_spec):
    spec = make_spec(CODES)
    apply_specs([spec], sqlite_catalog)
    write_table(sqlite_catalog.load_table(spec.identifier), spec, _codes([1], ["7"], ["n"]), "append")
    edited = make_spec(
        CODES.replace("{name: code, type: string,", "{name: code, type: long, description: A number,")
    )
    apply_specs([edited], sqlite_catalog, rewrite_incompatible=True)
    table = sqlite_catalog.load_table(spec.identifier)
    assert [f.name for f in table.schema().fields] == ["id", "code", "note"]
    assert table.schema().find_field("code").doc == "A number"
    assert table.scan().to_arrow().to_pylist() == [{"id": 1, "code": 7, "note": "n"}]
    assert not plan_tables([edited], sqlite_catalog)[0].has_changes


def test_upsert_and_keys_of_a_uuid_column(sqlite_catalog, make_spec):
    body = "columns:\n  - {name: u, type: uuid, required: true, access_level: public}\n" \
           "  - {name: n, type: long, access_level: public}\nidentifier_fields: [u]\n"  # fmt: skip
    spec = make_spec(body)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    ids = [__import__("uuid").UUID(int=i).bytes for i in (1, 2)]
    uuids = pa.ExtensionArray.from_storage(pa.uuid(), pa.array(ids, pa.binary(16)))
    write_table(table, spec, pa.table({"u": uuids, "n": pa.array([1, 2], pa.int64())}), "upsert")
    result = write_table(
        table, spec, pa.table({"u": uuids.slice(1), "n": pa.array([20], pa.int64())}), "upsert"
    )
    assert (result.rows_updated, result.rows_inserted) == (1, 0)
    assert sorted(table.refresh().scan().to_arrow().column("n").to_pylist()) == [1, 20]
    with pytest.raises(WriteError, match="compares the uuid column 'u'"):
        write_table(table, spec, pa.table({"u": uuids.slice(0, 1)}), "overwrite",
                    where="u = '00000000-0000-0000-0000-000000000001'")  # fmt: skip


def test_input_files_keep_every_value_or_say_which_one_does_not_fit(tmp_path):
    from icespec.spec import parse_spec
    from icespec.tables.files import InputFileError, read_batch_file

    spec = parse_spec("name: f\nnamespace: ns\ncolumns:\n  - {name: id, type: long, required: true, access_level: public}\n"
                      "  - {name: note, type: string, access_level: public}\n  - {name: r, type: float, access_level: public}\n"
                      "  - {name: d, type: double, access_level: public}\n  - {name: ts, type: timestamptz, access_level: public}\n"
                      "  - {name: m, type: 'map<string, long>', access_level: public}\n", "f.yaml")  # fmt: skip
    schema = arrow_schema(spec)
    csv_path = tmp_path / "f.csv"
    rows = [f'{i},"line one {i}\nline two, {i}",1.5,NaN,2026-01-01T00:00:00Z' for i in range(60_000)]
    csv_path.write_text("id,note,r,d,ts\n" + "\n".join(rows) + "\n")  # quoted newlines past one block
    read = read_batch_file(csv_path, schema)
    assert read.num_rows == 60_000 and read.column("note")[1].as_py() == "line one 1\nline two, 1"
    assert read.column("d").null_count == 0  # NaN is NaN, not a missing value
    csv_path.write_text('id,note\n1,"never closed\n2,x\n')
    with pytest.raises(
        InputFileError, match=r"f\.csv:2: error: a quoted value that starts in this row is never closed"
    ):
        read_batch_file(csv_path, schema)
    csv_path.write_text("id,r\n1,1.5\n2,1e300\n")
    with pytest.raises(InputFileError, match=r"f\.csv:3: error: column 'r': '1e300' does not fit a float"):
        read_batch_file(csv_path, schema)
    csv_path.write_bytes("id,note\n1,café\n".encode("latin-1"))
    with pytest.raises(InputFileError, match=r"f\.csv:2: error: not UTF-8 text"):
        read_batch_file(csv_path, schema)
    json_path = tmp_path / "f.jsonl"
    json_path.write_text('{"id": 1, "ts": "2026-02-04T11:30:00"}\n')
    with pytest.raises(InputFileError, match=r"f\.jsonl:1: error: column 'ts': .*expected a zone offset"):
        read_batch_file(json_path, schema)
    json_path.write_text('{"id": 1, "m": {"a": 1, "b": null}}\n{"id": 2, "m": {"a": 1.9}}\n')
    with pytest.raises(InputFileError, match=r"column 'm': a key or value does not fit"):
        read_batch_file(json_path, schema)
    json_path.write_text('{"id": 1, "m": {"a": 1, "b": null}}\n{"id": 2, "extra": 1}\n')
    read = read_batch_file(json_path, schema)
    assert read.column("m").to_pylist() == [[("a", 1), ("b", None)], None] and "extra" in read.column_names
    json_path.write_bytes(b"\xef\xbb\xbf" + b'[{"id": 1}]\n')
    with pytest.raises(InputFileError, match=r"the file is a JSON array; .*jq -c '\.\[\]' f\.jsonl"):
        read_batch_file(json_path, schema)


def test_a_downstream_run_reads_the_current_table_once_its_pinned_snapshot_expired(tmp_path):
    """A run of the report alone reads the snapshot of the orders' latest materialization; when that
    snapshot has expired since, it reads the table as it is now (with a warning) instead of failing."""
    from dagster import AssetKey, DagsterInstance, materialize

    from icespec.orchestration import build_definitions
    from icespec_examples.reports import report_assets
    from icespec_examples.samples import sample_sources

    orders = load_spec(REPO / "table-templates" / "orders.yaml")
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    defs = build_definitions(
        [orders], settings, sources=sample_sources([orders]), assets=report_assets([orders]),
        extras_dir=REPO / "quality" / "soda_checks",
    )  # fmt: skip
    instance = DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    assets = {a.key: a for a in defs.assets}
    report = AssetKey(["sales", "daily_revenue"])
    assert materialize(
        list(defs.assets), resources=defs.resources, instance=instance, run_config=quiet
    ).success
    table = open_catalog(settings).load_table(orders.identifier)
    pinned = table.current_snapshot().snapshot_id
    from icespec_examples.samples import sample_batch

    write_table(
        table, orders, sample_batch(orders, rows=10), "upsert"
    )  # a newer snapshot, written outside Dagster
    table.maintenance.expire_snapshots().by_id(pinned).commit()
    result = materialize(
        [assets[report], *[a.to_source_assets()[0] for k, a in assets.items() if k != report and k.path[0] == "sales"]],
        resources=defs.resources, instance=instance, run_config=quiet, selection=[report],
    )  # fmt: skip
    assert result.success
    assert result.asset_value(report).num_rows > 0


def test_csv_and_json_edge_cases_found_by_the_second_review(tmp_path):
    from icespec.spec import parse_spec
    from icespec.tables.files import InputFileError, read_batch_file

    spec = parse_spec("name: g\nnamespace: ns\ncolumns:\n  - {name: id, type: long, required: true, access_level: public}\n"
                      "  - {name: h, type: string, access_level: public}\n  - {name: d, type: double, access_level: public}\n"
                      "  - {name: days, type: 'list<date>', access_level: public}\n"
                      "  - {name: m, type: 'map<string, double>', access_level: public}\n", "g.yaml")  # fmt: skip
    schema = arrow_schema(spec)
    path = tmp_path / "g.csv"
    path.write_text('id,h\n1,5\'10"\n2,say "hi\n')  # a quote inside an unquoted field is a character
    assert read_batch_file(path, schema).column("h").to_pylist() == ["5'10\"", 'say "hi']
    path.write_text('id,h\n1,5"\n2,"abc\n3,x\n')  # a stray quote, then one that is never closed
    with pytest.raises(
        InputFileError, match=r"g\.csv:3: error: a quoted value that starts in this row is never closed"
    ):
        read_batch_file(path, schema)
    path.write_text(f'id,h\n1,"{"x" * 200_000}"\n')  # beyond Python csv's default field limit
    assert len(read_batch_file(path, schema).column("h")[0].as_py()) == 200_000
    path.write_text("id,d\n1,1e400\n")
    with pytest.raises(InputFileError, match=r"g\.csv:2: error: column 'd': '1e400' does not fit a double"):
        read_batch_file(path, schema)
    path.write_bytes(b"id,h\n1,caf\xc3")
    with pytest.raises(InputFileError, match=r"g\.csv:2: error: not UTF-8 text"):
        read_batch_file(path, schema)
    lines = tmp_path / "g.jsonl"
    lines.write_text('{"id": 1, "m": {"a": 1, "b": 0.5}}\n')  # ints and decimals in one double map
    assert read_batch_file(lines, schema).column("m").to_pylist() == [[("a", 1.0), ("b", 0.5)]]
    lines.write_text('{"id": 1, "days": ["2024-01-02"]}\n{"id": 2}\n{"id": 3, "days": ["2024-13-40"]}\n')
    with pytest.raises(InputFileError, match=r"g\.jsonl:3: error: column 'days'"):
        read_batch_file(lines, schema)
    lines.write_text('{"id": 1, "m": {"a": 1, "a": 2}}\n')
    with pytest.raises(InputFileError, match=r"g\.jsonl:1: error: key\(s\) a appear twice"):
        read_batch_file(lines, schema)
    lines.write_text('{"id": 1, "m": {"a": 1}}\n{"id": 2, "m": {"b": 12345678901234567890123}}\n')
    assert read_batch_file(lines, schema).column("m").to_pylist()[1] == [("b", 1.2345678901234568e22)]
    lines.write_text('{"id": 1, "m": {"a": "x"}}\n')
    with pytest.raises(InputFileError, match=r"g\.jsonl:1: error: column 'm': a key or value does not fit"):
        read_batch_file(lines, schema)


def test_a_doc_edit_under_a_write_re_bases_it_at_once(tmp_path):
    """A doc edit assigns no field id and moves no ref, so a write planned before it commits as it is:
    no conflict, no re-plan, no spent retry budget, and the doc edit is kept."""
    from tests.support.iceberg_rest import IcebergRestServer

    with IcebergRestServer(tmp_path / "rest") as server:
        from tests.nessie.conftest import nessie_env

        settings = Settings.from_env(nessie_env(server))
        catalog = open_catalog(settings)
        from icespec.spec import parse_spec

        spec = parse_spec(f"name: codes\nnamespace: ns\n{CODES}", "codes.yaml")
        apply_specs([spec], catalog)
        table = catalog.load_table(spec.identifier)
        documented = parse_spec(
            f"name: codes\nnamespace: ns\n{CODES.replace('{name: note, type: string,', '{name: note, type: string, description: D,')}",
            "codes.yaml",
        )
        server.on_next_commit(spec.identifier, lambda other: apply_specs([documented], other))
        start = len(server.requests)
        result = write_table(table, spec, _codes([1], ["a"]), "append")
        assert [r.status for r in server.requests[start:] if r.route == "commit_table"] == [200]
        assert result.replans == 0
        after = open_catalog(settings).load_table(spec.identifier)
        assert after.schema().find_field("note").doc == "D" and after.scan().count() == 1


def test_a_retype_to_string_and_of_a_column_an_older_spec_reads(sqlite_catalog, make_spec):
    body = "columns:\n  - {name: id, type: long, required: true, access_level: public}\n" \
           "  - {name: at, type: time, access_level: public}\n  - {name: code, type: string, access_level: public}\n"  # fmt: skip
    spec = make_spec(body + "partition_spec:\n  - {column: code}\n")
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    write_table(table, spec, pa.table({"id": pa.array([1], pa.int64()), "at": pa.array([dt.time(10, 30)]), "code": ["x"]}), "append")  # fmt: skip
    unpartitioned = make_spec(body)
    apply_specs(
        [unpartitioned], sqlite_catalog, allow_breaking=True
    )  # the identity(code) spec stays in the metadata
    texts = make_spec(body.replace("{name: at, type: time", "{name: at, type: string"))
    apply_specs([texts], sqlite_catalog, rewrite_incompatible=True)  # time -> text: printed, not lost
    assert sqlite_catalog.load_table(spec.identifier).scan().to_arrow().column("at").to_pylist() == [
        "10:30:00.000000"
    ]
    numbers = make_spec(
        body.replace("{name: at, type: time", "{name: at, type: string").replace(
            "{name: code, type: string", "{name: code, type: long"
        )
    )
    with pytest.raises(ApplyError, match=r"an older spec's partition field"):
        apply_specs([numbers], sqlite_catalog, rewrite_incompatible=True)
