"""Writers: conforming batches, the four modes, upsert after schema evolution, concurrent appends."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from icespec.catalogs import open_catalog
from icespec.tables.apply import apply_specs
from icespec.tables.writers import WriteError, write_table

BODY = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: day, type: date, required: true, access_level: public}
  - {name: amount, type: "decimal(18,2)", access_level: public}
  - {name: score, type: double, access_level: public}
identifier_fields: [id]
partition_spec:
  - {column: day}
sort_order:
  - {column: amount, direction: desc, null_order: nulls_last}
"""


def batch(ids, day=dt.date(2024, 1, 1), amount="1.00") -> pa.Table:
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "day": [day] * len(ids),
            "amount": [Decimal(amount) + i for i in range(len(ids))],
            "score": [float(i) for i in range(len(ids))],
        }
    )


@pytest.fixture
def table_and_spec(backend, make_spec):
    settings, catalog = backend
    spec = make_spec(BODY)
    apply_specs([spec], catalog, settings=settings)
    return catalog.load_table(spec.identifier), spec


def test_modes_append_overwrite_partitions_upsert(table_and_spec):
    table, spec = table_and_spec
    write_table(table, spec, batch([1, 2, 3]), "append")
    write_table(table, spec, batch([4, 5], day=dt.date(2024, 1, 2)), "append")
    result = write_table(table, spec, batch([6], day=dt.date(2024, 1, 2)), "overwrite_partitions")
    assert result.rows_deleted == 2
    data = table.scan().to_arrow().sort_by("id")
    assert data.column("id").to_pylist() == [1, 2, 3, 6]  # only 2024-01-02 was replaced

    result = write_table(table, spec, batch([3, 6, 7], amount="9.00"), "upsert")
    assert (result.rows_updated, result.rows_inserted) == (2, 1)
    data = table.scan().to_arrow().sort_by("id")
    assert data.column("id").to_pylist() == [1, 2, 3, 6, 7]
    assert data.column("amount").to_pylist()[2:] == [Decimal("9.00"), Decimal("10.00"), Decimal("11.00")]
    assert data.column("day").to_pylist()[3] == dt.date(2024, 1, 1)  # 6 moved partitions: no duplicate left

    write_table(table, spec, batch([10]), "overwrite")
    assert table.scan().to_arrow().column("id").to_pylist() == [10]
    summaries = [s.summary.get("icespec.write-mode") for s in table.snapshots()]
    assert summaries == [
        "append",
        "append",
        "overwrite_partitions",
        "upsert",
        "overwrite",
    ]  # one snapshot each


def test_rows_are_sorted_by_the_sort_order(table_and_spec):
    table, spec = table_and_spec
    data = batch([1, 2, 3])
    data = data.set_column(
        2, "amount", pa.array([Decimal("1.00"), None, Decimal("5.00")], pa.decimal128(18, 2))
    )
    write_table(table, spec, data, "append")
    assert table.scan().to_arrow().column("id").to_pylist() == [3, 1, 2]  # desc, nulls last


def test_batch_checks_name_the_columns_and_write_nothing(sqlite_catalog, make_spec):
    spec = make_spec(BODY)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    bad = batch([1, 2]).append_column("surprise", pa.array([1, 2])).drop_columns(["day"])
    with pytest.raises(WriteError) as info:
        write_table(table, spec, bad, "append")
    assert "surprise" in str(info.value) and "required column 'day' is missing" in str(info.value)
    with pytest.raises(WriteError, match="'id' is required but 1 row"):
        write_table(table, spec, batch([1, 2]).set_column(0, "id", pa.array([1, None], pa.int64())), "append")
    with pytest.raises(WriteError, match="column 'score': cannot convert string"):
        write_table(table, spec, batch([1]).set_column(3, "score", pa.array(["x"])), "append")
    with pytest.raises(WriteError, match=r"column 'amount'.*safely"):  # 3 decimals do not fit scale 2
        write_table(table, spec, batch([1]).set_column(2, "amount", pa.array([Decimal("1.005")])), "append")
    with pytest.raises(WriteError, match="repeats 1 identifier"):
        write_table(table, spec, batch([1, 1]), "upsert")
    assert table.refresh().current_snapshot() is None


def test_safe_casts_from_pandas_and_polars(sqlite_catalog, make_spec):
    spec = make_spec(BODY)
    apply_specs([spec], sqlite_catalog)
    table = sqlite_catalog.load_table(spec.identifier)
    frame = pd.DataFrame({"id": pd.Series([1, 2], dtype="int32"), "day": [dt.date(2024, 1, 1)] * 2,
                          "amount": [Decimal("1.5"), Decimal("2")], "score": pd.Series([1, 2], dtype="int16")})  # fmt: skip
    write_table(table, spec, frame, "append")
    write_table(
        table, spec, pl.DataFrame({"id": [3], "day": [dt.date(2024, 1, 1)], "score": [0.5]}), "append"
    )
    data = table.scan().to_arrow().sort_by("id")
    assert data.column("id").to_pylist() == [1, 2, 3]
    assert data.column("amount").to_pylist() == [Decimal("1.50"), Decimal("2.00"), None]


def test_upsert_after_schema_evolution(backend, make_spec):
    settings, catalog = backend
    spec = make_spec(BODY)
    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    write_table(table, spec, batch([1, 2, 3]), "append")
    evolved = make_spec(
        BODY.replace(
            "{name: score, type: double,", "{name: rating, renamed_from: score, type: double,"
        ).replace("identifier_fields", "  - {name: note, type: string}\nidentifier_fields")
    )
    apply_specs([evolved], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    incoming = (
        batch([2, 4])
        .rename_columns(["id", "day", "amount", "rating"])
        .append_column("note", pa.array(["u", "i"]))
    )
    result = write_table(table, evolved, incoming, "upsert")
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    data = table.scan().to_arrow().sort_by("id").to_pylist()
    assert [(r["id"], r["rating"], r["note"]) for r in data] == [(1, 0.0, None), (2, 0.0, "u"), (3, 2.0, None),
                                                                 (4, 1.0, "i")]  # fmt: skip


class _RetryCounter(logging.Handler):
    """Counts pyiceberg's own "Commit failed due to a concurrent update, retrying" warnings."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "concurrent update" in record.getMessage():
            self.retries += 1


def _append_many(settings, spec, index: int, appends: int, results) -> None:
    """One writer process: its own catalog connection, `appends` one-row appends."""
    counter = _RetryCounter()
    logging.getLogger("pyiceberg").addHandler(counter)
    try:
        table = open_catalog(settings).load_table(spec.identifier)
        for n in range(appends):
            write_table(table, spec, batch([index * 1000 + n]), "append")
        results.put((index, counter.retries, None))
    except BaseException as exc:  # reported by the test
        results.put((index, counter.retries, repr(exc)))


@pytest.mark.slow  # ~2 min: pyiceberg deep-copies table metadata per commit (cost grows with snapshots)
def test_eight_concurrent_writers_lose_and_duplicate_nothing(local_settings, make_spec):
    # 8 processes on 2 cores contend hard: raise the table's retry budget (and keep its waits short),
    # as users of a hot table do; pyiceberg's commit loop honours these table properties.
    spec = make_spec(BODY + "properties: {commit.retry.num-retries: 200, commit.retry.max-wait-ms: 2000}\n")
    apply_specs([spec], open_catalog(local_settings))
    writers, appends = 8, 50
    context = multiprocessing.get_context("fork")  # separate processes: real optimistic-commit conflicts
    results = context.Queue()
    processes = [context.Process(target=_append_many, args=(local_settings, spec, i, appends, results))
                 for i in range(writers)]  # fmt: skip
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    assert [error for _, _, error in outcomes if error] == []
    ids = open_catalog(local_settings).load_table(spec.identifier).scan().to_arrow().column("id").to_pylist()
    assert sorted(ids) == sorted(i * 1000 + n for i in range(writers) for n in range(appends))
    assert sum(retries for _, retries, _ in outcomes) > 0  # they collided, and pyiceberg re-based the commits
