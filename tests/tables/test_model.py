"""The write path against a reference model of the rows (hypothesis stateful testing).

A pure-Python model keeps the rows a table must hold. Random sequences of append, overwrite,
replace-where, overwrite_partitions (day+hour, and bucket on a nested key) and upsert run against a
real table, with random batches holding nulls, nested keys and repeated keys, the table evolving in between (a column
renamed and one added; a partition field added), and some batches the writer must refuse (a null in a required column, a repeated upsert key, a row outside the
replace-where filter, an empty overwrite). After every step the table read back must equal the
model as a multiset, each write must add exactly one snapshot (none when it had nothing to do or
was refused) and report the counts the model predicts. After every example DuckDB's Iceberg
extension reads the table and must see the model's rows too.

The model owes nothing to icespec or pyiceberg: partition values follow the Iceberg spec's
transforms (day/hour since the epoch; bucket = murmur3_x86_32 of the value's bytes, & MAX_INT, mod N),
and replace-where filters are plain Python predicates written next to their pyiceberg text.

Example counts: ICESPEC_MODEL_EXAMPLES (default 12 local, 3 on moto Glue), steps per example 10.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import uuid
from collections import Counter
from decimal import Decimal

import mmh3
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from icespec.catalogs import Settings, open_catalog
from icespec.schema import arrow_schema
from icespec.spec import parse_spec
from icespec.tables.apply import apply_specs
from icespec.tables.writers import WriteError, write_table
from tests.support.independent_reader import assert_duckdb_reads_the_same, canonical

COLUMNS = """\
columns:
  - name: acct
    type: struct
    required: true
    access_level: public
    fields:
      - {name: id, type: long, required: true}
      - {name: tier, type: string}
  - {name: region, type: string, required: true, access_level: public}
  - {name: event_ts, type: timestamptz, required: true, access_level: public}
  - {name: ingested_at, type: timestamp, required: true, access_level: public}
  - {name: amount, type: "decimal(10,2)", access_level: public}
  - {name: note, type: string, access_level: public}
identifier_fields: [acct.id, region]
sort_order:
  - {column: amount, direction: desc, null_order: nulls_last}
"""
LAYOUTS = {
    "day_hour": "partition_spec:\n  - {column: event_ts, transform: day}\n  - {column: ingested_at, transform: hour}\n",
    "bucket": "partition_spec:\n  - {column: acct.id, transform: 'bucket[4]'}\n",
}
ORDER = ("acct", "region", "event_ts", "ingested_at", "amount", "note", "extra")  # the model's names
RENAMED = {"note": "remark"}  # after the schema evolution: note is called remark (same field id)
EVOLVED_COLUMNS = COLUMNS.replace(
    "  - {name: note, type: string, access_level: public}\n",
    "  - {name: remark, renamed_from: note, type: string, access_level: public}\n"
    "  - {name: extra, type: long, access_level: public}\n",
)
START = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Replace-where filters: pyiceberg's text, and the same rule in Python (a NULL never matches).
FILTERS = [
    ("region = 'eu'", lambda r: r["region"] == "eu"),
    ("event_ts >= '2024-05-02T00:00:00+00:00' and event_ts < '2024-05-03T00:00:00+00:00'",
     lambda r: START + dt.timedelta(days=1) <= r["event_ts"] < START + dt.timedelta(days=2)),
    ("acct.id < 3", lambda r: r["acct"]["id"] < 3),
    ("{note} is null", lambda r: r["note"] is None),
    # A row whose compared column is NULL never matches, even where OR could make it TRUE (pyiceberg's rule
    # for which rows a delete keeps): here a NULL amount keeps the row whatever its region.
    ("amount > 0 or region in ('us', 'ap')",
     lambda r: r["amount"] is not None and (r["amount"] > 0 or r["region"] in ("us", "ap"))),
    ("region not in ('eu') and {note} != 'a'", lambda r: r["region"] != "eu" and r["note"] is not None and r["note"] != "a"),
    ("{note} is null or {note} = 'x'", lambda r: r["note"] is None or r["note"] == "x"),
    ("ingested_at >= '2024-05-01T06:00:00' and ingested_at < '2024-05-02T18:00:00'",
     lambda r: dt.datetime(2024, 5, 1, 6) <= r["ingested_at"] < dt.datetime(2024, 5, 2, 18)),
]  # fmt: skip


def _minutes(base: dt.datetime):
    return st.integers(0, 3 * 24 * 60 - 1).map(lambda m: base + dt.timedelta(minutes=m))


ROWS = st.fixed_dictionaries(
    {
        "acct": st.fixed_dictionaries(
            {"id": st.integers(0, 6), "tier": st.one_of(st.none(), st.sampled_from(["gold", "free"]))}
        ),
        "region": st.sampled_from(["eu", "us", "ap"]),
        "event_ts": _minutes(START),
        "ingested_at": _minutes(START.replace(tzinfo=None)),
        "amount": st.one_of(st.none(), st.integers(-99_999, 99_999).map(lambda c: Decimal(c).scaleb(-2))),
        "note": st.one_of(st.none(), st.text("abcxyz", max_size=4)),
        "extra": st.one_of(st.none(), st.integers(-5, 5)),  # sent only once the column exists
    }
)
BATCHES = st.lists(ROWS, max_size=8)


def bucket(value: int, n: int) -> int:
    """Iceberg's bucket transform of a long: murmur3_x86_32 of its 8 little-endian bytes."""
    return (mmh3.hash(struct.pack("<q", value), 0) & 0x7FFFFFFF) % n


def partition_of(layout: str, row: dict, by_region: bool) -> tuple:
    if layout == "bucket":
        values: tuple = (bucket(row["acct"]["id"], 4),)
    else:
        day = (row["event_ts"] - EPOCH) // dt.timedelta(days=1)
        hour = (row["ingested_at"] - EPOCH.replace(tzinfo=None)) // dt.timedelta(hours=1)
        values = (day, hour)
    return (*values, row["region"]) if by_region else values


def key_of(row: dict) -> tuple:
    return (row["acct"]["id"], row["region"])


def as_multiset(rows: list[dict]) -> Counter:
    return Counter(tuple(canonical(r[c]) for c in ORDER) for r in rows)


class WriteModel(RuleBasedStateMachine):
    """One table and the rows it must hold."""

    catalog = None  # set by the test that runs it
    layout = "day_hour"
    s3: dict | None = None

    def __init__(self):
        super().__init__()
        self.namespace = f"model_{uuid.uuid4().hex[:10]}"
        self.renamed = self.by_region = False
        self.evolve()
        self.table = self.catalog.load_table(self.spec.identifier)
        self.rows: list[dict] = []

    def evolve(self) -> None:
        """Apply the template as it stands now (a create, then a column rename+add or a new partition field)."""
        layout = LAYOUTS[self.layout] + ("  - {column: region}\n" if self.by_region else "")
        columns = EVOLVED_COLUMNS if self.renamed else COLUMNS
        self.spec = parse_spec(f"name: events\nnamespace: {self.namespace}\n{columns}{layout}", "events.yaml")
        apply_specs([self.spec], self.catalog)
        self.schema = arrow_schema(self.spec)

    def prepare(self, rows: list[dict]) -> list[dict]:
        """Model rows as the table knows them now: before the evolution there is no `extra`."""
        return [r if self.renamed else {**r, "extra": None} for r in rows]

    def batch(self, rows: list[dict]) -> pa.Table:
        names = {c: RENAMED.get(c, c) for c in ORDER} if self.renamed else {c: c for c in ORDER[:-1]}
        return pa.Table.from_pylist([{names[c]: r[c] for c in names} for r in rows], schema=self.schema)

    def where(self, text: str) -> str:
        return text.format(note="remark" if self.renamed else "note")

    def snapshots(self) -> int:
        return len(self.table.refresh().snapshots())

    def write(self, rows, mode, expected_rows, *, where=None, allow_empty=False, refused=False, **counts):
        """Write, then check what the model says: refusal (nothing changed) or exactly one snapshot."""
        before = self.snapshots()
        if refused:
            with pytest.raises(WriteError):
                write_table(
                    self.table, self.spec, self.batch(rows), mode, where=where, allow_empty=allow_empty
                )
            assert self.snapshots() == before, f"a refused {mode} changed the table"
            return
        result = write_table(
            self.table, self.spec, self.batch(rows), mode, where=where, allow_empty=allow_empty
        )
        if result.snapshot_id is None:
            assert self.snapshots() == before, f"{mode} reported no commit but made a snapshot"
        else:
            assert self.snapshots() == before + 1, f"{mode} made {self.snapshots() - before} snapshots"
            assert self.table.current_snapshot().snapshot_id == result.snapshot_id
        for name, value in counts.items():
            assert getattr(result, name) == value, f"{mode}: {name} {getattr(result, name)} != model {value}"
        self.rows = expected_rows

    @initialize()
    def start_empty(self):
        assert self.table.current_snapshot() is None

    @precondition(lambda self: not self.renamed)
    @rule()
    def rename_a_column_and_add_one(self):
        self.renamed = True
        self.evolve()

    @precondition(lambda self: not self.by_region)
    @rule()
    def add_a_partition_field(self):
        self.by_region = True
        self.evolve()

    @rule(rows=BATCHES)
    def append(self, rows):
        rows = self.prepare(rows)
        self.write(rows, "append", self.rows + rows)

    @rule(rows=BATCHES, allow_empty=st.booleans())
    def overwrite(self, rows, allow_empty):
        rows = self.prepare(rows)
        refused = not rows and not allow_empty
        self.write(rows, "overwrite", list(rows), allow_empty=allow_empty, refused=refused,
                   **({} if refused else {"rows_deleted": len(self.rows)}))  # fmt: skip

    @rule(
        rows=BATCHES,
        which=st.sampled_from(range(len(FILTERS))),
        stray=st.booleans(),
        allow_empty=st.booleans(),
    )
    def replace_where(self, rows, which, stray, allow_empty):
        rows = self.prepare(rows)
        text, matches = FILTERS[which]
        text = self.where(text)
        inside = [r for r in rows if matches(r)]
        batch = rows if stray else inside
        kept = [r for r in self.rows if not matches(r)]
        refused = (stray and len(inside) < len(rows)) or (not batch and not allow_empty)
        removed = len(self.rows) - len(kept)
        self.write(batch, "overwrite", kept + batch, where=text, allow_empty=allow_empty, refused=refused,
                   **({} if refused or (not batch and not removed) else {"rows_deleted": removed}))  # fmt: skip

    @rule(rows=BATCHES)
    def overwrite_partitions(self, rows):
        rows = self.prepare(rows)
        # Iceberg facts, not icespec's: a live file under an older partition spec has no tuple of the
        # current spec, so the mode refuses (rather than guess) until those files are rewritten.
        current = self.table.refresh().spec().spec_id
        older = any(t.file.spec_id != current for t in self.table.scan().plan_files()) if self.rows else False
        if rows and older:
            self.write(rows, "overwrite_partitions", self.rows, refused=True)
            return
        replaced = {partition_of(self.layout, r, self.by_region) for r in rows}
        kept = [r for r in self.rows if partition_of(self.layout, r, self.by_region) not in replaced]
        self.write(rows, "overwrite_partitions", kept + rows,
                   **({"rows_deleted": len(self.rows) - len(kept)} if rows else {}))  # fmt: skip

    @rule(rows=BATCHES)
    def upsert(self, rows):
        rows = self.prepare(rows)
        keys = [key_of(r) for r in rows]
        if len(set(keys)) < len(keys):
            self.write(rows, "upsert", self.rows, refused=True)
            return
        existing = {key_of(r) for r in self.rows}
        kept = [r for r in self.rows if key_of(r) not in set(keys)]
        counts = {
            "rows_updated": sum(1 for k in keys if k in existing),
            "rows_deleted": len(self.rows) - len(kept),
        }
        self.write(rows, "upsert", kept + rows, **(counts if rows else {}))

    @rule(
        rows=BATCHES.filter(bool),
        mode=st.sampled_from(["append", "overwrite", "overwrite_partitions", "upsert"]),
    )
    def a_null_in_a_required_field_is_refused(self, rows, mode):
        broken = [dict(r) for r in self.prepare(rows)]
        broken[0] = {**broken[0], "acct": {"id": None, "tier": "gold"}}
        self.write(broken, mode, self.rows, refused=True)

    def read_as_model(self, data: pa.Table) -> Counter:
        """The table's rows in the model's names (`extra` is no value before it exists)."""
        names = [RENAMED.get(c, c) if self.renamed else c for c in ORDER]
        assert data.column_names == (names if self.renamed else names[:-1])
        return Counter(tuple(canonical(row.get(name)) for name in names) for row in data.to_pylist())

    @invariant()
    def the_table_holds_the_model_rows(self):
        read = self.read_as_model(self.table.refresh().scan().to_arrow())
        expected = as_multiset(self.rows)
        assert read == expected, (
            f"only in the table: {list((read - expected).elements())[:3]}; "
            f"only in the model: {list((expected - read).elements())[:3]}"
        )

    def teardown(self):
        if self.table.current_snapshot() is not None:
            read = assert_duckdb_reads_the_same(self.table, self.s3)  # DuckDB == pyiceberg, row for row
            assert self.read_as_model(read) == as_multiset(self.rows), "DuckDB's read differs from the model"


def _examples(default: int) -> int:
    return int(os.environ.get("ICESPEC_MODEL_EXAMPLES", default))


def _run(catalog, layout: str, examples: int, s3: dict | None = None) -> None:
    machine = type(f"WriteModel_{layout}", (WriteModel,), {"catalog": catalog, "layout": layout, "s3": s3})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=10,
            deadline=None,
            derandomize=os.environ.get("ICESPEC_MODEL_RANDOM") is None,  # CI replays the same examples
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_write_mode_matches_the_reference_model_on_sqlite(tmp_path, layout):
    catalog = open_catalog(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")}))
    _run(catalog, layout, _examples(12))


@pytest.mark.moto
@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_write_mode_matches_the_reference_model_on_glue(glue_settings, moto_endpoint, layout):
    s3 = {"endpoint": moto_endpoint.removeprefix("http://"), "key_id": "test", "secret": "test",
          "region": "us-east-1"}  # fmt: skip
    _run(open_catalog(glue_settings), layout, max(1, _examples(12) // 4), s3)
