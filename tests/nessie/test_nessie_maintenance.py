"""`icespec maintain` on Nessie compacts only: expiry and file deletion belong to Nessie GC, which
sees every branch (https://projectnessie.org/guides/management/: "you must rely on Nessie to clean up
old data. Users should run Nessie GC regularly")."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from icespec.catalogs import open_catalog
from icespec.spec import parse_spec
from icespec.tables.backend import open_lakehouse
from tests.support.independent_reader import rows_multiset

BODY = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
properties:
  history.expire.max-snapshot-age-ms: 1
"""


def test_nessie_maintain_compacts_and_leaves_expiry_to_nessie_gc(nessie_settings, namespace):
    spec = parse_spec(f"name: gc\nnamespace: {namespace}\n{BODY}", "gc.yaml")
    lakehouse = open_lakehouse(nessie_settings)
    lakehouse.apply([spec])
    for start in range(0, 24, 4):
        lakehouse.write(spec, pa.table({"id": pa.array(range(start, start + 4), pa.int64())}), "append")

    result = lakehouse.maintain(spec)

    assert result.error is None, result.to_dict()
    assert result.step("compact").status == "done" and result.step("compact").counts["files_compacted"] == 6
    for step in ("expire", "unreferenced", "orphans"):
        assert result.step(step).status == "skipped" and "nessie-gc" in result.step(step).note
    table = open_catalog(nessie_settings).load_table(spec.identifier)
    assert len(table.metadata.snapshots) == 7  # nothing expired: the 6 appends and the compaction
    assert len(table.inspect.files()) == 1
    assert rows_multiset(table.scan().to_arrow()) == Counter((i,) for i in range(24))
