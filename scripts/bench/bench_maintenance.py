"""Maintenance: compaction throughput against a raw pyarrow rewrite of the same rows.

The table holds FILES small files of ROWS/FILES rows each (one per append), in two shapes: 200
files of 5,000 rows (many tiny appends: Iceberg's per-manifest cost shows, since each append left a
manifest that the scan and the commit read) and 50 files of 20,000 rows. `icespec maintain`'s
compact step reads them, sorts the rows by the template's sort order, writes files up to the target
size and commits one replace snapshot. The baseline does the same data work with nothing of Iceberg:
`pyarrow.parquet.read_table` of each file, concatenate, sort by the same key, `write_table` (zstd) to
one file. ratio = baseline time / compaction time (1.0: as fast as raw pyarrow; goal >= 0.5). Each
side is the median of REPEAT runs, interleaved, each run on a freshly written table.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from icespec.catalogs import Settings, open_catalog
from icespec.spec import parse_spec
from icespec.tables.apply import apply_specs
from icespec.tables.maintain import compact

ROWS = 1_000_000
SHAPES = (200, 50)  # files holding the ROWS
REPEAT = 3

TEMPLATE = """\
name: {name}
namespace: bench
columns:
  - {{name: id, type: long, required: true, access_level: public}}
  - {{name: customer, type: string, required: true, access_level: public}}
  - {{name: amount, type: double, access_level: public}}
sort_order:
  - {{column: id}}
"""


def batch(start: int, rows: int) -> pa.Table:
    ids = pa.array(range(start, start + rows), pa.int64())
    # appended out of order, so the sort does real work
    ids = pc.subtract(pa.scalar(start * 2 + rows, pa.int64()), ids)
    return pa.table({
        "id": ids,
        "customer": pc.binary_join_element_wise("c", pc.cast(pc.bit_wise_and(ids, 1023), pa.string()), ""),
        "amount": pc.multiply(pc.cast(ids, pa.float64()), 0.01),
    })  # fmt: skip


def small_files_table(root: Path, name: str, files: int):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(root / name)})
    catalog = open_catalog(settings)
    spec = parse_spec(TEMPLATE.format(name=name), f"{name}.yaml")
    apply_specs([spec], catalog)
    table = catalog.load_table(spec.identifier)
    per_file = ROWS // files
    schema = table.schema().as_arrow()
    for n in range(files):
        table.append(batch(n * per_file, per_file).cast(schema))
    return spec, table


def run() -> list[dict]:
    return [measure(files) for files in SHAPES]


def measure(files: int) -> dict:
    ours, baseline = [], []
    with tempfile.TemporaryDirectory(prefix="icespec-bench-maintain-") as folder:
        root = Path(folder)
        for attempt in range(REPEAT):
            spec, table = small_files_table(root, f"compact_{attempt}", files)
            paths = [t.file.file_path.removeprefix("file://") for t in table.scan().plan_files()]
            started = time.perf_counter()
            rows = pa.concat_tables([pq.read_table(p) for p in paths])
            rows = rows.take(pc.sort_indices(rows, sort_keys=[("id", "ascending")]))
            pq.write_table(rows, root / f"raw_{attempt}.parquet", compression="zstd")
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            step = compact(table, spec)
            ours.append(time.perf_counter() - started)
            assert step.counts["files_compacted"] == files, step
            assert table.refresh().scan().to_arrow().num_rows == ROWS
    ours_s, base_s = statistics.median(ours), statistics.median(baseline)
    return {
        "name": f"compaction {files} files / {ROWS:,} rows vs raw pyarrow rewrite",
        "ratio": base_s / ours_s,
        "detail": f"icespec {ours_s:.2f} s ({ROWS / ours_s:,.0f} rows/s), pyarrow {base_s:.2f} s; goal >= 0.5",
    }
