"""The gcp backend against the BigQuery emulator: create/evolve, the four write modes, read, drift."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from icespec.core.results import WriteResult
from icespec.errors import WriteError
from icespec.gcp.backend import STAGING_PREFIX, BigQueryLakehouse, GcpBackendError
from icespec.spec import TableSpec, load_spec, parse_spec
from icespec_examples.samples import sample_batch
from tests.gcp.conftest import isolated

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (REPO_ROOT / "table-templates").glob("*.yaml") if not p.name.startswith("_"))
# bqemulator (DuckDB) has no BIGNUMERIC, which all_primitive_types' decimal(38,10) needs; its
# rendering is checked in test_schema.py instead.
CORPUS = sorted(
    p
    for p in (REPO_ROOT / "tests" / "corpus" / "valid").glob("*.y*ml")
    if not p.name.startswith("_") and p.stem != "all_primitive_types"
)


def example(name: str) -> TableSpec:
    return isolated(load_spec(REPO_ROOT / "table-templates" / f"{name}.yaml"))


def rows_by_key(table: pa.Table, key: str) -> dict:
    return {row[key]: row for row in table.to_pylist()}


@pytest.mark.parametrize("path", EXAMPLES + CORPUS, ids=[p.stem for p in EXAMPLES + CORPUS])
def test_apply_creates_the_table_and_a_second_apply_changes_nothing(
    lakehouse: BigQueryLakehouse, path: Path
) -> None:
    spec = isolated(load_spec(path))
    first = lakehouse.apply(spec)
    assert [c.kind for c in first.changes] == ["create_table"]
    assert lakehouse.plan(spec).changes == ()
    live = lakehouse.client.get_table(lakehouse.table_id(spec))
    assert [f.name for f in live.schema] == [c.name for c in spec.columns]
    assert (live.description or "") == spec.description


def test_append_then_read_back_equals_the_batch(lakehouse: BigQueryLakehouse) -> None:
    spec = example("scd_type2")
    lakehouse.apply(spec)
    batch = sample_batch(spec, rows=30)
    result = lakehouse.write(spec, batch, "append")
    assert (result.mode, result.rows_written, result.rows_inserted) == ("append", 30, 30)
    back = lakehouse.read(spec)
    assert back.schema == batch.schema
    assert back.sort_by("customer_key").equals(batch.sort_by("customer_key"))
    assert not [
        t for t in lakehouse.client.list_tables(spec.namespace) if t.table_id.startswith(STAGING_PREFIX)
    ]


def test_maps_lists_and_int32_round_trip_and_null_lists_are_reported(lakehouse: BigQueryLakehouse) -> None:
    spec = example("feature_table")
    lakehouse.apply(spec)
    batch = sample_batch(spec, rows=20)  # its namespace is random, so are its nulls: set two of them
    for name, row in (("embedding", 0), ("counters", 1)):
        values = batch.column(name).to_pylist()
        values[row] = None
        index = batch.schema.get_field_index(name)
        batch = batch.set_column(
            index, batch.schema.field(index), pa.array(values, batch.schema.field(index).type)
        )
    result = lakehouse.write(spec, batch, "append")
    null_lists = sum(batch.column(c).null_count for c in ("embedding", "counters"))
    assert result.null_lists_as_empty == null_lists > 0
    back = rows_by_key(lakehouse.read(spec), "user_id")
    for row in batch.to_pylist():
        got = back[row["user_id"]]
        assert got["counters"] == (row["counters"] or [])  # NULL map → [] (BigQuery has no NULL ARRAY)
        assert got["embedding"] == (row["embedding"] or [])
        assert got["stats"] == row["stats"]


def test_upsert_updates_matching_keys_and_inserts_the_rest(lakehouse: BigQueryLakehouse) -> None:
    spec = example("orders")
    lakehouse.apply(spec)
    lakehouse.write(spec, sample_batch(spec, rows=10), "append")
    before = rows_by_key(lakehouse.read(spec), "order_id")
    changed = sample_batch(spec, rows=12)  # same first 10 keys (deterministic) + 2 new
    changed = changed.set_column(
        changed.schema.get_field_index("status"), "status", pa.array(["cancelled"] * 12, pa.large_string())
    )
    result = lakehouse.write(spec, changed, "upsert")
    assert (result.rows_updated, result.rows_inserted, result.rows_written) == (10, 2, 12)
    after = rows_by_key(lakehouse.read(spec), "order_id")
    assert len(after) == 12 and set(before) < set(after)
    assert {r["status"] for r in after.values()} == {"cancelled"}


def test_upsert_refuses_duplicate_keys_and_writes_nothing(lakehouse: BigQueryLakehouse) -> None:
    spec = example("orders")
    lakehouse.apply(spec)
    batch = sample_batch(spec, rows=3)
    with pytest.raises(WriteError, match=r"repeats 3 identifier value\(s\) of \(order_id\)"):
        lakehouse.write(spec, pa.concat_tables([batch, batch]), "upsert")
    assert lakehouse.read(spec).num_rows == 0


def test_overwrite_partitions_replaces_only_the_days_in_the_batch(lakehouse: BigQueryLakehouse) -> None:
    spec = example("event_stream")
    lakehouse.apply(spec)
    day1, day2 = sample_batch(spec, "2024-03-01", rows=8), sample_batch(spec, "2024-03-02", rows=8)
    lakehouse.write(spec, pa.concat_tables([day1, day2]), "append")
    replacement = sample_batch(spec, "2024-03-02", rows=3)
    result = lakehouse.write(spec, replacement, "overwrite_partitions")

    def partition(row: dict) -> tuple:  # day(event_timestamp), hour(ingested_at)
        return row["event_timestamp"].date(), row["ingested_at"].replace(minute=0, second=0, microsecond=0)

    replaced = {partition(r) for r in replacement.to_pylist()}
    kept = [r["event_id"] for r in pa.concat_tables([day1, day2]).to_pylist() if partition(r) not in replaced]
    back = lakehouse.read(spec)
    assert sorted(back.column("event_id").to_pylist()) == sorted(
        kept + replacement.column("event_id").to_pylist()
    )
    assert len(kept) >= 8  # day 1 untouched
    assert (result.rows_inserted, result.rows_deleted) == (3, 16 - len(kept))


def test_overwrite_partitions_by_bucket_is_refused_before_anything_is_written(
    lakehouse: BigQueryLakehouse,
) -> None:
    spec = example("orders")  # partitioned by bucket[16](customer_id): a murmur3 hash BigQuery lacks
    lakehouse.apply(spec)
    lakehouse.write(spec, sample_batch(spec, rows=4), "append")
    with pytest.raises(GcpBackendError, match=r"bucket\[16\]\(customer_id\).*use upsert"):
        lakehouse.write(spec, sample_batch(spec, rows=2), "overwrite_partitions")
    assert lakehouse.read(spec).num_rows == 4


def test_replace_where_on_a_day_replaces_exactly_that_day(lakehouse: BigQueryLakehouse) -> None:
    """The same replace-where as the Iceberg backends (pyiceberg's filter syntax, rendered as SQL): a
    re-run of a day with fewer rows leaves none of the old ones, other days untouched."""
    from icespec.tables.backend import DayRange

    spec = example("event_stream")
    lakehouse.apply(spec)
    day1, day2 = sample_batch(spec, "2024-03-01", rows=8), sample_batch(spec, "2024-03-02", rows=8)
    lakehouse.write(spec, pa.concat_tables([day1, day2]), "append")
    where = DayRange("event_timestamp", dt.date(2024, 3, 2), dt.date(2024, 3, 3)).where(spec)
    replacement = sample_batch(spec, "2024-03-02", rows=3)
    result = lakehouse.write(spec, replacement, "overwrite", where=where)
    assert (result.rows_inserted, result.rows_deleted) == (3, 8)
    back = lakehouse.read(spec).column("event_id").to_pylist()
    assert sorted(back) == sorted(
        day1.column("event_id").to_pylist() + replacement.column("event_id").to_pylist()
    )
    with pytest.raises(WriteError, match=r"8 of 8 batch row\(s\) do not match the replace-where filter"):
        lakehouse.write(spec, day1, "overwrite", where=where)
    with pytest.raises(WriteError, match="refusing to replace the rows where"):
        lakehouse.write(spec, replacement.slice(0, 0), "overwrite", where=where)
    assert lakehouse.read(spec).num_rows == 11


def test_an_empty_overwrite_is_refused_unless_allowed(lakehouse: BigQueryLakehouse) -> None:
    spec = example("scd_type2")
    lakehouse.apply(spec)
    lakehouse.write(spec, sample_batch(spec, rows=5), "append")
    empty = sample_batch(spec, rows=0)
    with pytest.raises(WriteError, match=r"refusing to replace every row with an empty batch.*--allow-empty"):
        lakehouse.write(spec, empty, "overwrite")
    assert lakehouse.read(spec).num_rows == 5
    lakehouse.write(spec, empty, "overwrite", allow_empty=True)
    assert lakehouse.read(spec).num_rows == 0


def test_overwrite_replaces_every_row(lakehouse: BigQueryLakehouse) -> None:
    spec = example("scd_type2")
    lakehouse.apply(spec)
    lakehouse.write(spec, sample_batch(spec, rows=10), "append")
    result = lakehouse.write(spec, sample_batch(spec, rows=4), "overwrite")
    assert (result.rows_inserted, result.rows_deleted) == (4, 10)
    # The one WriteResult of every backend: rows_written is the batch's rows, as on Iceberg.
    assert isinstance(result, WriteResult) and result.rows_written == 4 and result.commit_kind == "job"
    assert lakehouse.read(spec).num_rows == 4


def test_bad_batches_are_refused_and_nothing_is_written(lakehouse: BigQueryLakehouse) -> None:
    spec = example("orders")
    lakehouse.apply(spec)
    batch = sample_batch(spec, rows=3)
    # The core validator (icespec.core.conform), word for word as on the Iceberg backends.
    with pytest.raises(WriteError, match=r"unexpected column\(s\) not in the template: surprise"):
        lakehouse.write(spec, batch.append_column("surprise", pa.array([1, 2, 3])), "append")
    nulls = batch.set_column(0, "order_id", pa.array([None, "b", "c"], pa.large_string()))
    with pytest.raises(WriteError, match=r"'order_id' is required but 1 row\(s\) are null"):
        lakehouse.write(spec, nulls, "append")
    with pytest.raises(WriteError, match="unknown write mode 'merge'"):
        lakehouse.write(spec, batch, "merge")
    assert lakehouse.read(spec).num_rows == 0


def test_nanosecond_timestamps_are_refused_not_truncated(lakehouse: BigQueryLakehouse) -> None:
    spec = isolated(
        parse_spec(
            "name: ns_times\nnamespace: corpus\nproperties: {format-version: 3}\n"
            "columns:\n  - {name: at, type: timestamptz_ns}\n",
            "ns_times.yaml",
        )
    )
    lakehouse.apply(spec)
    exact = pa.table({"at": pa.array([1_700_000_000_123_456_000], pa.timestamp("ns", tz="UTC"))})
    lakehouse.write(spec, exact, "append")
    assert lakehouse.read(spec).equals(exact)
    with pytest.raises(ValueError, match="nanoseconds"):
        lakehouse.write(
            spec,
            pa.table({"at": pa.array([1_700_000_000_123_456_789], pa.timestamp("ns", tz="UTC"))}),
            "append",
        )
    assert lakehouse.read(spec).num_rows == 1


def test_evolution_adds_columns_relaxes_required_and_updates_docs(lakehouse: BigQueryLakehouse) -> None:
    v1 = isolated(parse_spec(
        "name: evolving\nnamespace: corpus\ndescription: v1\ncolumns:\n"
        "  - {name: id, type: long, required: true}\n  - {name: note, type: string, required: true}\n",
        "evolving.yaml",
    ))  # fmt: skip
    lakehouse.apply(v1)
    lakehouse.write(v1, pa.table({"id": [1], "note": ["a"]}), "append")
    v2 = dataclasses.replace(
        parse_spec(
            "name: evolving\nnamespace: corpus\ndescription: v2\ncolumns:\n"
            "  - {name: id, type: long, required: true, description: key}\n  - {name: note, type: string}\n"
            "  - {name: extra, type: 'struct<a: int, b: string>'}\n",
            "evolving.yaml",
        ),
        namespace=v1.namespace,
    )
    kinds = sorted(c.kind for c in lakehouse.plan(v2).changes)
    assert kinds == ["add_column", "make_optional", "update_doc", "update_doc"]
    lakehouse.apply(v2)
    assert lakehouse.plan(v2).changes == ()
    lakehouse.write(v2, pa.table({"id": [2], "note": [None], "extra": [{"a": 1, "b": "x"}]}), "append")
    assert sorted(lakehouse.read(v2).to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "note": "a", "extra": None},
        {"id": 2, "note": None, "extra": {"a": 1, "b": "x"}},
    ]


def test_breaking_changes_are_refused_and_change_nothing(lakehouse: BigQueryLakehouse) -> None:
    v1 = isolated(
        parse_spec("name: strict\nnamespace: corpus\ncolumns:\n  - {name: id, type: long}\n", "strict.yaml")
    )
    lakehouse.apply(v1)
    v2 = dataclasses.replace(
        parse_spec("name: strict\nnamespace: corpus\ncolumns:\n  - {name: id, type: string}\n  - {name: x, type: int}\n",
                   "strict.yaml"),
        namespace=v1.namespace,
    )  # fmt: skip
    with pytest.raises(GcpBackendError, match=r"(?s)strict.yaml: 1 change\(s\).*'id' is NULLABLE INTEGER"):
        lakehouse.apply(v2)
    live = lakehouse.client.get_table(lakehouse.table_id(v1))
    assert [(f.name, f.field_type) for f in live.schema] == [("id", "INTEGER")]


def test_drift_sees_out_of_band_columns(lakehouse: BigQueryLakehouse) -> None:
    from google.cloud import bigquery

    spec = example("orders")
    lakehouse.apply(spec)
    live = lakehouse.client.get_table(lakehouse.table_id(spec))
    live.schema = [*live.schema, bigquery.SchemaField("added_by_hand", "STRING")]
    lakehouse.client.update_table(live, ["schema"])
    drift = lakehouse.drift(spec)
    assert [(c.kind, c.path, c.breaking) for c in drift.changes] == [("drop_column", "added_by_hand", True)]


def test_writing_to_a_missing_table_says_to_apply(lakehouse: BigQueryLakehouse) -> None:
    spec = example("orders")
    with pytest.raises(GcpBackendError, match="does not exist: run `icespec apply`"):
        lakehouse.write(spec, sample_batch(spec, rows=1), "append")


def test_a_naive_timestamp_is_refused_for_a_zoned_column_as_on_iceberg(lakehouse: BigQueryLakehouse) -> None:
    """The copies used to disagree: gcp cast naive timestamps into timestamptz columns, inventing UTC."""
    spec = example("orders")
    lakehouse.apply(spec)
    batch = sample_batch(spec, rows=2)
    index = batch.schema.get_field_index("updated_at")
    naive = batch.set_column(index, "updated_at", batch.column("updated_at").cast(pa.timestamp("us")))
    with pytest.raises(
        WriteError, match=r"column 'updated_at': cannot convert timestamp\[us\] to timestamp\[us, tz="
    ):
        lakehouse.write(spec, naive, "append")
    assert lakehouse.read(spec).num_rows == 0
