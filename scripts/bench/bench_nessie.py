"""plan + apply + re-plan of 20 tables through the aws-nessie path (pyiceberg's REST client, HTTP, a
Nessie-like Iceberg REST server over SQLite) against the same work on the local SQLite catalog directly.

The ratio is the REST protocol's overhead (HTTP round trips, JSON metadata both ways, staged
create + commit); the detail counts the requests icespec makes per table, so a change that adds calls
per table shows up here even when the timing noise hides it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the test server lives in tests/support

from tests.support.iceberg_rest import IcebergRestServer  # noqa: E402

from icespec.catalogs import Settings, open_catalog  # noqa: E402
from icespec.spec import parse_spec  # noqa: E402
from icespec.tables.apply import apply_specs  # noqa: E402
from icespec.tables.plan import plan_tables  # noqa: E402

TABLES = 20


def _specs(namespace: str) -> list:
    return [
        parse_spec(
            f"name: t{i:02d}\nnamespace: {namespace}\ncolumns:\n"
            "  - {name: id, type: long, required: true, access_level: public}\n"
            "  - {name: ts, type: timestamptz, required: true, access_level: public}\n"
            "  - {name: amount, type: 'decimal(18,2)', access_level: internal}\n"
            "identifier_fields: [id]\npartition_spec:\n  - {column: ts, transform: day}\n"
            "sort_order:\n  - {column: ts}\n",
            filename=f"t{i:02d}.yaml",
        )
        for i in range(TABLES)
    ]


def _cycle(catalog, specs) -> float:
    started = time.perf_counter()
    assert all(p.has_changes for p in plan_tables(specs, catalog))
    apply_specs(specs, catalog)
    assert not any(p.has_changes for p in plan_tables(specs, catalog))
    return time.perf_counter() - started


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        local = open_catalog(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": f"{tmp}/local"}))
        baseline = _cycle(local, _specs("bench_local"))
        with IcebergRestServer(Path(tmp) / "nessie") as server:
            env = {"ICESPEC_BACKEND": "aws-nessie", "ICESPEC_NESSIE_URI": server.iceberg_url,
                   "ICESPEC_WAREHOUSE": server.warehouse_name}  # fmt: skip
            rest = open_catalog(Settings.from_env(env))
            start = len(server.requests)
            measured = _cycle(rest, _specs("bench_rest"))
            requests = len(server.requests) - start
    return [
        {
            "name": f"nessie REST plan+apply+plan {TABLES} tables vs SQLite",
            "ratio": measured / baseline,
            "detail": f"REST {measured:.2f}s, SQLite {baseline:.2f}s, {requests / TABLES:.1f} requests/table",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
