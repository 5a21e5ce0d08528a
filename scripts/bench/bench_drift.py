"""Drift over 1,000 tables on the SQLite catalog, against a sequential load-and-compare baseline.

Both sides do the same work with the one diff engine (load each live table, `diff_table` it);
`detect_drift` loads concurrently (bounded) and isolates failures per table. A ratio below 1
means detection is faster than the plain loop; most of the time is pyiceberg parsing metadata
JSON, which holds the GIL, so on 2 cores concurrency helps only with the I/O part.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pyiceberg.types import StringType

from icespec.catalogs import Settings, open_catalog
from icespec.drift import DEFAULT_CONCURRENCY, detect_drift
from icespec.spec import parse_spec
from icespec.tables.apply import create_table
from icespec.tables.diff import diff_table

TABLES = 1000
DRIFTED_EVERY = 10  # one table in ten is altered by hand


def template(index: int) -> str:
    return (
        f"name: t{index:04d}\nnamespace: bench_drift\ndescription: generated table {index}\ncolumns:\n"
        "  - {name: id, type: long, required: true, access_level: public}\n"
        "  - {name: ts, type: timestamptz, required: true, access_level: public}\n"
        "  - {name: amount, type: 'decimal(18,2)', access_level: internal}\n"
        "  - {name: tags, type: 'map<string, string>', access_level: internal}\n"
        "  - {name: address, type: 'struct<city: string, zip: string>', access_level: restricted}\n"
        "identifier_fields: [id]\npartition_spec:\n  - {column: ts, transform: day}\n"
        "sort_order:\n  - {column: ts}\nproperties: {write_format: parquet}\n"
    )


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(Path(tmp) / "lakehouse")})
        catalog = open_catalog(settings)
        specs = [parse_spec(template(i), filename=f"t{i:04d}.yaml") for i in range(TABLES)]
        for index, spec in enumerate(specs):
            table = create_table(catalog, spec)
            if index % DRIFTED_EVERY == 0:
                with table.update_schema() as update:
                    update.add_column("added_by_hand", StringType())

        started = time.perf_counter()
        baseline_drifted = sum(diff_table(s, catalog.load_table(s.identifier)).has_changes for s in specs)
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        report = detect_drift(specs, catalog, concurrency=DEFAULT_CONCURRENCY)
        elapsed = time.perf_counter() - started

    expected = TABLES // DRIFTED_EVERY
    assert baseline_drifted == len(report.drifted) == expected and not report.errors, (
        baseline_drifted,
        len(report.drifted),
        report.errors[:1],
    )
    return [
        {
            "name": f"drift: {TABLES:,} tables (SQLite) / sequential load+diff",
            "ratio": elapsed / baseline,
            "detail": f"{TABLES / elapsed:,.0f} tables/s with {DEFAULT_CONCURRENCY} loads at once "
            f"({TABLES / baseline:,.0f}/s sequential); {expected} drifted found by both",
        }
    ]
