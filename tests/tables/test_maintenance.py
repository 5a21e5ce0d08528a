"""`icespec maintain` against a reference model of the rows, pyiceberg's own view of what the
metadata references, and DuckDB's Iceberg reader.

Semantics under test come from the Iceberg table spec (https://iceberg.apache.org/spec/):
- "Snapshot Retention Policy": refs keep their snapshot; a branch keeps its ancestors while they are
  younger than max-snapshot-age-ms or among its min-snapshots-to-keep newest; refs (never main)
  older than max-ref-age-ms are removed.
- "Snapshots", operation `replace`: "data and delete files were added and removed without changing
  table data; i.e., compaction".
- Orphan removal follows Iceberg's DeleteOrphanFiles action (https://iceberg.apache.org/docs/latest/maintenance/#delete-orphan-files):
  only files older than the interval (default 3 days) are removed, since "it is dangerous to remove
  orphan files with a retention interval shorter than the time expected for any write to complete".
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.exceptions import ValidationException
from pyiceberg.table.snapshots import Operation

from icespec.catalogs import Settings, open_catalog
from icespec.cli import main
from icespec.tables.backend import open_lakehouse
from icespec.tables.maintain import MaintenanceOptions, commit_compaction, list_files, plan_compaction
from tests.support.independent_reader import assert_duckdb_reads_the_same, rows_multiset

UTC = dt.UTC

EVENTS = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: region, type: string, required: true, access_level: public}
  - {name: amount, type: double, access_level: public}
partition_spec:
  - {column: region, transform: identity}
sort_order:
  - {column: id}
properties:
  history.expire.min-snapshots-to-keep: 5
  history.expire.max-snapshot-age-ms: 1   # every snapshot is older than this: only the newest 5 are kept
"""


def _batch(start: int, count: int) -> pa.Table:
    ids = list(range(start, start + count))
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "region": pa.array(["eu" if i % 2 else "us" for i in ids], pa.string()),
        "amount": pa.array([i * 0.5 for i in ids], pa.float64()),
    })  # fmt: skip


def _model_rows(rows: list[pa.Table]) -> Counter:
    return sum((rows_multiset(batch, ["id", "region", "amount"]) for batch in rows), Counter())


def _pyiceberg_referenced(table) -> set[str]:
    """Every file pyiceberg's metadata tables say any snapshot references (not icespec's code)."""
    files = set(table.inspect.all_files().column("file_path").to_pylist())
    files |= set(table.inspect.all_manifests().column("path").to_pylist())
    files |= {s.manifest_list for s in table.metadata.snapshots}
    return {f.removeprefix("file://") for f in files}


def _written(lakehouse, spec, rounds: list[tuple[str, int]]) -> tuple[list[pa.Table], int]:
    """Run the writes; returns the model of the live rows (batches since the last overwrite)."""
    live: list[pa.Table] = []
    next_id = 0
    for mode, count in rounds:
        for _ in range(count):
            batch = _batch(next_id, 4)
            next_id += 4
            lakehouse.write(spec, batch, mode)
            live = [batch] if mode == "overwrite" else [*live, batch]
    return live, next_id


def _age(path: Path, days: int) -> None:
    moment = time.time() - days * 86400
    os.utime(path, (moment, moment))


@pytest.mark.slow
def test_300_appends_and_2_overwrites_then_maintain(local_settings, make_spec):
    spec = make_spec(EVENTS, name="events")
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    live, _ = _written(lakehouse, spec, [("append", 100), ("overwrite", 1), ("append", 100),
                                         ("overwrite", 1), ("append", 100)])  # fmt: skip
    table = open_catalog(local_settings).load_table(spec.identifier)
    files_before = len(table.inspect.files())
    snapshots_before = len(table.metadata.snapshots)
    data_folder = Path(table.location().removeprefix("file://")) / "data"
    old_orphan, fresh_orphan = data_folder / "old-orphan.parquet", data_folder / "fresh-orphan.parquet"
    old_orphan.write_bytes(b"left by a crashed writer ten days ago")
    fresh_orphan.write_bytes(b"a write still in flight")
    _age(old_orphan, 10)

    result = lakehouse.maintain(spec)

    assert result.error is None, result.to_dict()
    table.refresh()
    assert snapshots_before == 302 and len(table.metadata.snapshots) <= 6
    assert table.current_snapshot().summary.operation == Operation.REPLACE
    assert rows_multiset(table.scan().to_arrow(), ["id", "region", "amount"]) == _model_rows(live)
    files_after = len(table.inspect.files())
    assert files_before >= 10 * files_after, (files_before, files_after)
    assert not old_orphan.exists() and fresh_orphan.exists()
    referenced = _pyiceberg_referenced(table)
    unreferenced = [
        str(p) for p in data_folder.rglob("*.parquet") if str(p) not in referenced and p != fresh_orphan
    ]
    assert unreferenced == [], f"data files no snapshot references: {unreferenced[:3]}"
    metadata_files = list((data_folder.parent / "metadata").glob("*.metadata.json"))
    log = {e.metadata_file.removeprefix("file://") for e in table.metadata.metadata_log}
    assert {str(p) for p in metadata_files} <= log | {table.metadata_location.removeprefix("file://")}
    assert_duckdb_reads_the_same(table, expected=_model_rows(live))
    compact = result.step("compact")
    assert compact.counts["files_compacted"] > compact.counts["files_written"] > 0


def test_dry_run_changes_nothing_and_counts_what_a_run_does(local_settings, make_spec):
    spec = make_spec(EVENTS, name="dry")
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    _written(lakehouse, spec, [("append", 12), ("overwrite", 1), ("append", 3)])
    table = open_catalog(local_settings).load_table(spec.identifier)
    location = table.location()
    listing = sorted(f.path for f in list_files(table, location))
    metadata_location = table.metadata_location

    dry = lakehouse.maintain(spec, MaintenanceOptions(dry_run=True))

    table.refresh()
    assert table.metadata_location == metadata_location
    assert sorted(f.path for f in list_files(table, location)) == listing
    real = lakehouse.maintain(spec)
    counted = ("files_compacted", "bytes_compacted", "partitions")
    assert {k: dry.step("compact").counts[k] for k in counted} == {
        k: real.step("compact").counts[k] for k in counted
    }
    # 16 snapshots, 5 kept; the real run's compaction adds one more before expiry runs
    assert dry.step("expire").counts["snapshots_expired"] == 11
    assert real.step("expire").counts["snapshots_expired"] == 12
    assert dry.step("unreferenced").counts["manifest_lists"] == 11


def test_a_tag_and_a_branch_keep_their_snapshots_and_an_old_ref_goes(local_settings, make_spec):
    spec = make_spec(
        EVENTS.replace(
            "max-snapshot-age-ms: 1 ", "max-snapshot-age-ms: 1\n  history.expire.max-ref-age-ms: 3600000 "
        ),
        name="refs",
    )
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    _written(lakehouse, spec, [("append", 3)])
    table = open_catalog(local_settings).load_table(spec.identifier)
    tagged = table.current_snapshot()
    tagged_rows = rows_multiset(table.scan().to_arrow())
    table.manage_snapshots().create_tag(tagged.snapshot_id, "release-1", max_ref_age_ms=10**12).commit()
    table.manage_snapshots().create_branch(tagged.snapshot_id, "audit", max_ref_age_ms=10**12).commit()
    first = table.metadata.snapshots[0]
    table.manage_snapshots().create_tag(
        first.snapshot_id, "stale"
    ).commit()  # uses the table's 1 h max ref age
    _written(lakehouse, spec, [("overwrite", 1), ("append", 8)])
    overwrite = next(
        s for s in table.refresh().snapshots() if s.summary.get("icespec.write-mode") == "overwrite"
    )

    # an hour and a bit later: "stale" is past the table's max-ref-age-ms
    result = lakehouse.maintain(spec, MaintenanceOptions(now=dt.datetime.now(UTC) + dt.timedelta(hours=2)))

    assert result.error is None, result.to_dict()
    table.refresh()
    assert set(table.metadata.refs) == {"main", "release-1", "audit"}
    assert table.snapshot_by_id(tagged.snapshot_id) is not None
    assert table.snapshot_by_id(first.snapshot_id) is not None  # in audit's 5 newest: kept by the branch
    assert table.snapshot_by_id(overwrite.snapshot_id) is None  # main's 6th newest, on no other ref
    assert rows_multiset(table.scan(snapshot_id=tagged.snapshot_id).to_arrow()) == tagged_rows
    assert result.step("expire").counts["refs_removed"] == 1


OTHER_WRITER = """
import sys, pyarrow as pa
from icespec.catalogs import Settings, open_catalog
table = open_catalog(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": sys.argv[1]})).load_table((sys.argv[2], sys.argv[3]))
mode, start = sys.argv[4], int(sys.argv[5])
for n in range(3 if mode == "append" else 1):
    ids = list(range(start + n * 4, start + n * 4 + 4))
    batch = pa.table({"id": ids, "region": ["eu"] * 4, "amount": [1.0] * 4}, schema=table.schema().as_arrow())
    table.append(batch) if mode == "append" else table.overwrite(batch)
"""


def _other_process_writes(settings, spec, mode: str, start: int) -> None:
    """Another process commits to the table (its own catalog connection, pyiceberg's own writer)."""
    subprocess.run(
        [sys.executable, "-c", OTHER_WRITER, str(settings.lakehouse_dir), spec.namespace, spec.name, mode,
         str(start)], check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip


def test_compaction_keeps_appends_another_process_committed_meanwhile(local_settings, make_spec):
    spec = make_spec(EVENTS, name="busy")
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    live, next_id = _written(lakehouse, spec, [("append", 30)])
    table = open_catalog(local_settings).load_table(spec.identifier)
    plan = plan_compaction(table, spec)  # the small files are read and rewritten ...
    _other_process_writes(local_settings, spec, "append", next_id)  # ... while 3 appends land
    head_before_commit = open_catalog(local_settings).load_table(spec.identifier).current_snapshot()

    commit_compaction(table, plan)  # on the stale table object: pyiceberg must re-base, not overwrite

    table = open_catalog(local_settings).load_table(spec.identifier)
    replace = table.current_snapshot()
    assert replace.summary.operation == Operation.REPLACE
    assert replace.parent_snapshot_id == head_before_commit.snapshot_id
    expected = _model_rows(live) + Counter((i, "eu", 1.0) for i in range(next_id, next_id + 12))
    assert rows_multiset(table.scan().to_arrow(), ["id", "region", "amount"]) == expected
    assert len(table.inspect.files()) == plan.counts["files_written"] + 3
    assert_duckdb_reads_the_same(table, expected=expected)


def test_compaction_over_files_a_concurrent_overwrite_removed_commits_nothing(local_settings, make_spec):
    spec = make_spec(EVENTS, name="raced")
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    _, next_id = _written(lakehouse, spec, [("append", 10)])
    table = open_catalog(local_settings).load_table(spec.identifier)
    plan = plan_compaction(table, spec)
    _other_process_writes(local_settings, spec, "overwrite", next_id)

    with pytest.raises(ValidationException):
        commit_compaction(table, plan)

    table = open_catalog(local_settings).load_table(spec.identifier)
    assert Operation.REPLACE not in {s.summary.operation for s in table.snapshots()}
    assert rows_multiset(table.scan().to_arrow(), ["id", "region", "amount"]) == Counter(
        (i, "eu", 1.0) for i in range(next_id, next_id + 4)
    )
    leftovers = [f.file_path for f in plan.written if Path(f.file_path.removeprefix("file://")).exists()]
    assert leftovers == [], "the rewritten files of a compaction that did not land are deleted"
    assert lakehouse.maintain(spec, MaintenanceOptions(steps=("compact",))).error is None  # planned afresh


def test_cli_maintain_prints_a_summary_and_exits_1_naming_a_failed_table(tmp_path, monkeypatch, capsys):
    (tmp_path / "table-templates").mkdir()
    (tmp_path / "table-templates" / "events.yaml").write_text(f"name: events\nnamespace: shop\n{EVENTS}")
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / "lakehouse"))
    monkeypatch.chdir(tmp_path)
    assert main(["apply"]) == 0
    assert main(["maintain"]) == 0  # nothing written yet: nothing to do, no error
    capsys.readouterr()
    lakehouse = open_lakehouse(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")}))
    from icespec.spec import load_spec

    spec = load_spec(tmp_path / "table-templates" / "events.yaml")
    _written(lakehouse, spec, [("append", 6)])
    assert main(["maintain", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (
        "shop.events  [dry run]" in out and "12 small files (" in out and "Dry run complete: 1 table." in out
    )
    assert main(["maintain", "--json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["tables"][0]["snapshots_before"] == 6 and report["tables"][0]["snapshots_after"] == 5
    # a table whose metadata cannot be read: the step fails, the run says which table and step
    table = open_catalog(
        Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")})
    ).load_table(spec.identifier)
    manifest_list = Path(table.current_snapshot().manifest_list.removeprefix("file://"))
    manifest_list.write_bytes(b"not avro")
    assert main(["maintain"]) == 1
    captured = capsys.readouterr()
    assert "failed: shop.events (" in captured.out and "icespec: error: shop.events:" in captured.err


@pytest.mark.moto
def test_maintain_on_glue_and_s3(glue_settings, moto_endpoint, make_spec):
    """The same steps through Glue and S3 (moto): S3 objects are listed and deleted through the
    table's FileIO. moto cannot backdate an object, so the orphan age here is seconds, not days."""
    import boto3

    spec = make_spec(EVENTS, name="s3events")
    lakehouse = open_lakehouse(glue_settings)
    lakehouse.apply([spec])
    table = open_catalog(glue_settings).load_table(spec.identifier)
    bucket, _, prefix = table.location().removeprefix("s3://").partition("/")
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    s3.put_object(Bucket=bucket, Key=f"{prefix}/data/old-orphan.parquet", Body=b"crashed writer")
    written_at = time.monotonic()
    live, _ = _written(lakehouse, spec, [("append", 12), ("overwrite", 1), ("append", 12)])
    time.sleep(max(0.0, 6 - (time.monotonic() - written_at)))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/data/fresh-orphan.parquet", Body=b"in flight")
    files_before = len(table.refresh().inspect.files())

    result = lakehouse.maintain(spec, MaintenanceOptions(older_than=dt.timedelta(seconds=3)))

    assert result.error is None, result.to_dict()
    table.refresh()
    assert len(table.metadata.snapshots) <= 6
    assert rows_multiset(table.scan().to_arrow(), ["id", "region", "amount"]) == _model_rows(live)
    assert files_before >= 10 * len(table.inspect.files())
    keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
            for o in page.get("Contents", [])}  # fmt: skip
    assert f"{prefix}/data/old-orphan.parquet" not in keys and f"{prefix}/data/fresh-orphan.parquet" in keys
    referenced = {
        f.removeprefix(f"s3://{bucket}/") for f in table.inspect.all_files().column("file_path").to_pylist()
    }
    unreferenced = [k for k in keys if k.endswith(".parquet") and k not in referenced and "orphan" not in k]
    assert unreferenced == []
    assert result.step("unreferenced").counts["data_files"] > 0  # the overwritten files went
    assert_duckdb_reads_the_same(
        table,
        {
            "endpoint": moto_endpoint.removeprefix("http://"),
            "key_id": "test",
            "secret": "test",
            "region": "us-east-1",
        },
        expected=_model_rows(live),
    )


@pytest.mark.moto
def test_a_glue_engine_table_on_aws_glue_is_left_to_glue_table_optimizers(glue_settings, make_spec):
    """`maintenance: {engine: glue}`: Terraform renders the table's aws_glue_catalog_table_optimizer
    resources; icespec skips every step (the table need not even be loaded)."""
    spec = make_spec(EVENTS + "maintenance: {engine: glue}\n", name="optimized")
    result = open_lakehouse(glue_settings).maintain(spec)
    assert result.error is None
    assert [s.status for s in result.steps] == ["skipped"] * 4
    assert "AWS Glue table optimizers" in result.note


def test_a_glue_engine_table_on_the_local_backend_is_maintained_by_icespec(local_settings, make_spec):
    """There is no Glue on a laptop: the same template is maintained by icespec there."""
    spec = make_spec(EVENTS + "maintenance: {engine: glue}\n", name="laptop")
    lakehouse = open_lakehouse(local_settings)
    lakehouse.apply([spec])
    _written(lakehouse, spec, [("append", 3)])
    result = lakehouse.maintain(spec)
    assert result.error is None and result.step("compact").counts["files_compacted"] == 6
