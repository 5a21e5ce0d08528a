"""Tables: append vs raw Parquet, our upsert vs pyiceberg's Table.upsert, Definitions load 500 vs 1.

All timings in one process and one run; ratios compare with a baseline measured right here.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def updates(rows: int) -> pa.Table:
    """10% of the keys updated (every 10th) plus 10% new keys."""
    changed = data(rows).take(pa.array(range(0, rows, 10)))
    changed = changed.set_column(2, "amount", pc.add(changed.column("amount"), 1.0))
    return pa.concat_tables([changed, data(rows // 10, start=rows)])


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": tmp})
        catalog = open_catalog(settings)
        specs = {
            n: parse_spec(TEMPLATE.format(name=n), f"{n}.yaml")
            for n in ("append", "ours", "ours_small", "theirs")
        }
        apply_specs(specs.values(), catalog)
        table = {n: catalog.load_table(s.identifier) for n, s in specs.items()}

        batch = data(APPEND_ROWS)
        raw = timed(lambda: pq.write_table(batch, Path(tmp) / "raw.parquet"))
        ours = timed(lambda: write_table(table["append"], specs["append"], batch, "append"))
        results.append(
            {
                "name": "tables: append 1M rows / raw pq.write_table (time)",
                "ratio": ours / raw,
                "detail": f"ours {ours:.2f}s (validate+sort+commit), raw {raw:.2f}s",
            }
        )

        write_table(table["ours"], specs["ours"], data(UPSERT_ROWS), "append")
        big = timed(lambda: write_table(table["ours"], specs["ours"], updates(UPSERT_ROWS), "upsert"))
        assert table["ours"].scan().count() == UPSERT_ROWS + UPSERT_ROWS // 10

        small = PYICEBERG_UPSERT_ROWS
        write_table(table["ours_small"], specs["ours_small"], data(small), "append")
        write_table(table["theirs"], specs["theirs"], data(small), "append")
        incoming = updates(small)
        ours_small = timed(lambda: write_table(table["ours_small"], specs["ours_small"], incoming, "upsert"))
        theirs = timed(lambda: table["theirs"].upsert(incoming.cast(table["theirs"].schema().as_arrow())))
        same = (
            table["theirs"]
            .scan()
            .to_arrow()
            .sort_by("id")
            .equals(table["ours_small"].scan().to_arrow().sort_by("id"))
        )
        results.append({"name": f"tables: pyiceberg Table.upsert / ours ({small:,} rows, 10% upd)", "ratio": theirs / ours_small,
                        "detail": f"pyiceberg {theirs:.2f}s, ours {ours_small:.2f}s, same result: {same}; "
                                  f"ours on {UPSERT_ROWS:,} rows + 10% updates + 10% inserts: {big:.2f}s"})  # fmt: skip

        from icespec.orchestration import build_definitions

        def load(count: int) -> float:
            generated = [
                parse_spec(TEMPLATE.format(name=f"t{i:03d}"), f"t{i:03d}.yaml") for i in range(count)
            ]
            return timed(lambda: build_definitions(generated, settings).get_repository_def())

        load(1)  # warm imports
        one, many = load(1), load(500)
        results.append({"name": "tables: Definitions load 500 templates / 1", "ratio": many / one,
                        "detail": f"500: {many:.2f}s, 1: {one:.3f}s"})  # fmt: skip
    return results


if __name__ == "__main__":
    for result in run():
        print(result)
