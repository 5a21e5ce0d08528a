"""Tables: append vs raw Parquet, our upsert vs pyiceberg's Table.upsert, Definitions load 500 vs 1.

All timings in one process and one run; ratios compare with a baseline measured right here, each the
median of REPEAT runs (interleaved, so a noisy moment hits both sides). "Raw Parquet" is
`pyarrow.parquet.write_table` of the same rows with the Parquet settings the table's properties ask
for (Iceberg's defaults: zstd, 1 MiB pages, 2 MiB dictionary pages, 20,000-row pages, decimals as
integers), so the ratio is what icespec adds: validation, sorting, statistics, manifests and the commit.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyiceberg.table import TableProperties

from icespec.catalogs import Settings, open_catalog
from icespec.spec import parse_spec
from icespec.tables.apply import apply_specs
from icespec.tables.writers import write_table

APPEND_ROWS = 1_000_000
UPSERT_ROWS = 1_000_000  # ours
PYICEBERG_UPSERT_ROWS = int(
    os.environ.get("ICESPEC_BENCH_PYICEBERG_UPSERT_ROWS", "1000000")
)  # same-size comparison

TEMPLATE = """\
name: {name}
namespace: bench
columns:
  - {{name: id, type: long, required: true, access_level: public}}
  - {{name: customer, type: string, required: true, access_level: public}}
  - {{name: amount, type: double, access_level: public}}
  - {{name: qty, type: int, access_level: public}}
  - {{name: note, type: string, access_level: internal}}
identifier_fields: [id]
"""


def data(rows: int, start: int = 0, salt: float = 0.0) -> pa.Table:
    ids = pa.array(range(start, start + rows), pa.int64())
    return pa.table(
        {
            "id": ids,
            "customer": pc.binary_join_element_wise(
                "c", pc.cast(pc.bit_wise_and(ids, 1023), pa.string()), ""
            ),
            "amount": pc.add(pc.multiply(pc.cast(ids, pa.float64()), 0.01), salt),
            "qty": pc.cast(pc.bit_wise_and(ids, 63), pa.int32()),
            "note": pc.cast(ids, pa.string()),
        }
    )


REPEAT = int(os.environ.get("ICESPEC_BENCH_REPEAT", "5"))
# The Parquet settings an Iceberg table writes with when its properties say nothing (TableProperties).
ICEBERG_PARQUET = {
    "compression": TableProperties.PARQUET_COMPRESSION_DEFAULT,
    "data_page_size": TableProperties.PARQUET_PAGE_SIZE_BYTES_DEFAULT,
    "dictionary_pagesize_limit": TableProperties.PARQUET_DICT_SIZE_BYTES_DEFAULT,
    "write_batch_size": TableProperties.PARQUET_PAGE_ROW_LIMIT_DEFAULT,
    "store_decimal_as_integer": True,
}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def updates(rows: int) -> pa.Table:
    """10% of the keys updated (every 10th) plus 10% new keys."""
    changed = data(rows).take(pa.array(range(0, rows, 10)))
    changed = changed.set_column(2, "amount", pc.add(changed.column("amount"), 1.0))
    return pa.concat_tables([changed, data(rows // 10, start=rows)])


def _no_rows(spec, partition_key):  # never called: the bench only loads the Definitions
    raise AssertionError("not materialized in the bench")


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": tmp})
        catalog = open_catalog(settings)
        specs = {n: parse_spec(TEMPLATE.format(name=n), f"{n}.yaml") for n in ("append", "ours", "theirs")}
        apply_specs(specs.values(), catalog)
        table = {n: catalog.load_table(s.identifier) for n, s in specs.items()}

        batch = data(APPEND_ROWS)
        raw_times, our_times = [], []
        for attempt in range(REPEAT):
            target = Path(tmp) / f"raw{attempt}.parquet"
            raw_times.append(timed(lambda target=target: pq.write_table(batch, target, **ICEBERG_PARQUET)))
            our_times.append(timed(lambda: write_table(table["append"], specs["append"], batch, "append")))
        raw, ours = statistics.median(raw_times), statistics.median(our_times)
        results.append(
            {
                "name": "tables: append 1M rows / raw Parquet, same settings (time)",
                "ratio": ours / raw,
                "detail": f"median of {REPEAT}: ours {ours:.2f}s (validate+sort+stats+commit), raw {raw:.2f}s",
            }
        )

        write_table(table["ours"], specs["ours"], data(UPSERT_ROWS), "append")
        big = timed(lambda: write_table(table["ours"], specs["ours"], updates(UPSERT_ROWS), "upsert"))
        assert table["ours"].scan().count() == UPSERT_ROWS + UPSERT_ROWS // 10

        small = PYICEBERG_UPSERT_ROWS
        write_table(table["theirs"], specs["theirs"], data(small), "append")
        incoming = updates(small)
        our_times = []
        for attempt in range(REPEAT):  # the same upsert on a fresh copy of the table each time
            spec = parse_spec(TEMPLATE.format(name=f"ours_small_{attempt}"), f"ours_small_{attempt}.yaml")
            apply_specs([spec], catalog)
            mine = catalog.load_table(spec.identifier)
            write_table(mine, spec, data(small), "append")
            our_times.append(timed(lambda mine=mine, spec=spec: write_table(mine, spec, incoming, "upsert")))
        ours_small = statistics.median(our_times)
        theirs = timed(lambda: table["theirs"].upsert(incoming.cast(table["theirs"].schema().as_arrow())))
        same = table["theirs"].scan().to_arrow().sort_by("id").equals(mine.scan().to_arrow().sort_by("id"))
        results.append({"name": f"tables: pyiceberg Table.upsert / ours ({small:,} rows, 10% upd)", "ratio": theirs / ours_small,
                        "detail": f"pyiceberg {theirs:.2f}s (once), ours {ours_small:.2f}s (median of {REPEAT}), "
                                  f"same result: {same}; ours on {UPSERT_ROWS:,} rows + 10% updates + 10% inserts: "
                                  f"{big:.2f}s"})  # fmt: skip

        from icespec.orchestration import build_definitions

        def load(count: int) -> float:
            generated = [
                parse_spec(TEMPLATE.format(name=f"t{i:03d}"), f"t{i:03d}.yaml") for i in range(count)
            ]
            sources = {
                s.full_name: _no_rows for s in generated
            }  # written tables: their Soda checks are built
            return timed(lambda: build_definitions(generated, settings, sources=sources).get_repository_def())

        load(1)  # warm imports
        one, many = load(1), load(500)
        results.append({"name": "tables: Definitions load 500 templates / 1", "ratio": many / one,
                        "detail": f"500: {many:.2f}s, 1: {one:.3f}s"})  # fmt: skip
    return results


if __name__ == "__main__":
    for result in run():
        print(result)
