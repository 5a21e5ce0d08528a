"""Four processes mix upserts and appends on one table: no lost update, no duplicate key.

Two processes upsert the same keys, and at every step both insert the same NEW key: each plans
"insert", one commits first, and the other's plan is stale (the stale-plan race). Two processes
append rows with keys of their own. Every process records the snapshot each write committed and the
rows it wrote. Afterwards the writes are replayed in commit order (the snapshots' sequence numbers)
on a plain-Python model: the table must hold exactly the model's rows. A lost update or a duplicated
key would make the two differ.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pyarrow as pa
import pytest

from icespec.catalogs import open_catalog
from icespec.tables.apply import apply_specs
from icespec.tables.writers import write_table

BODY = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: label, type: string, access_level: public}
identifier_fields: [id]
partition_spec:
  - {column: id, transform: 'bucket[4]'}
properties: {commit.retry.num-retries: 100, commit.retry.max-wait-ms: 1000}
"""
STEPS = 12


def _rows(ids: list[int], label: str) -> list[dict]:
    return [{"id": i, "label": f"{label}:{i}"} for i in ids]


def _writer(settings, spec, role: str, index: int, results, barrier) -> None:
    try:
        table = open_catalog(settings).load_table(spec.identifier)
        log = []
        for step in range(STEPS):
            if role == "upsert":  # shared keys 0..5 (updates) and the same new key for both upserters
                barrier.wait(timeout=120)  # both plan at the same moment: one of the plans goes stale
                ids = sorted({(step * 3 + index) % 6, (step * 3 + index + 2) % 6, 100 + step})
                mode = "upsert"
            else:
                ids = [10_000 * (index + 1) + step]
                mode = "append"
            rows = _rows(ids, f"w{index}s{step}")
            result = write_table(table, spec, pa.Table.from_pylist(rows), mode)
            log.append((result.snapshot_id, mode, rows, result.replans))
        results.put((index, log, None))
    except BaseException as exc:  # reported by the test
        results.put((index, [], repr(exc)))


@pytest.mark.slow
def test_four_processes_mixing_upserts_and_appends_lose_no_update_and_duplicate_no_key(
    local_settings, make_spec
):
    spec = make_spec(BODY)
    apply_specs([spec], open_catalog(local_settings))
    roles = ["upsert", "upsert", "append", "append"]
    context = multiprocessing.get_context("fork")
    results, barrier = context.Queue(), context.Barrier(roles.count("upsert"))
    processes = [
        context.Process(target=_writer, args=(local_settings, spec, role, i, results, barrier))
        for i, role in enumerate(roles)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    assert [error for *_, error in outcomes if error] == []

    table = open_catalog(local_settings).load_table(spec.identifier)
    sequence = {s.snapshot_id: s.sequence_number for s in table.snapshots()}
    writes = sorted((entry for _, log, _ in outcomes for entry in log), key=lambda e: sequence[e[0]])
    assert len(writes) == len(roles) * STEPS and len({w[0] for w in writes}) == len(
        writes
    )  # one snapshot each
    model: dict[int, list[str]] = {}
    for _, mode, rows, _ in writes:  # replay in commit order
        for row in rows:
            if mode == "upsert":
                model[row["id"]] = [row["label"]]
            else:
                model.setdefault(row["id"], []).append(row["label"])
    expected = Counter((key, label) for key, labels in model.items() for label in labels)
    data = table.scan().to_arrow().to_pylist()
    assert Counter((r["id"], r["label"]) for r in data) == expected
    keys = [r["id"] for r in data]
    assert len(keys) == len(set(keys)), "a key was duplicated"
    assert sum(replans for _, log, _ in outcomes for *_, replans in log) > 0  # the stale-plan race happened
