"""plan/apply for every change kind, on SQLite and on moto Glue+S3, against tables holding data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from pyiceberg.exceptions import NoSuchTableError

from icespec.schema import iceberg_schema, partition_spec, sort_order
from icespec.tables.apply import ApplyError, BreakingChangesRefused, apply_specs
from icespec.tables.plan import plan_tables
from icespec.tables.writers import write_table

BASE = """\
description: test table
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: name, type: string, access_level: public}
  - {name: qty, type: int, access_level: public}
  - {name: price, type: "decimal(10,2)", access_level: public}
  - {name: ts, type: timestamptz, required: true, access_level: public}
  - name: address
    type: struct
    access_level: public
    fields:
      - {name: city, type: string}
  - {name: tags, type: "list<string>", access_level: public}
identifier_fields: [id]
partition_spec:
  - {column: ts, transform: day}
sort_order:
  - {column: id}
properties: {write_format: parquet}
"""

# (case, edit of the template, expected change kinds, breaking)
CASES = [
    ("add_column", lambda b: b.replace("identifier_fields", "  - {name: note, type: string}\nidentifier_fields"),
     {"add_column"}, False),
    ("add_nested", lambda b: b.replace("      - {name: city, type: string}",
                                       "      - {name: city, type: string}\n      - {name: zip, type: string}"),
     {"add_column"}, False),
    ("promote", lambda b: b.replace("type: int,", "type: long,").replace("decimal(10,2)", "decimal(12,2)"),
     {"promote_type"}, False),
    ("make_optional", lambda b: b.replace("type: timestamptz, required: true", "type: timestamptz"),
     {"make_optional"}, False),
    ("doc", lambda b: b.replace("{name: name, type: string,", "{name: name, type: string, description: Full name,"),
     {"update_doc"}, False),
    ("identifier", lambda b: b.replace("identifier_fields: [id]", "identifier_fields: [id, ts]"),
     {"set_identifier_fields"}, False),
    ("add_partition", lambda b: b.replace("  - {column: ts, transform: day}",
                                          "  - {column: ts, transform: day}\n  - {column: id, transform: 'bucket[4]'}"),
     {"add_partition_field"}, False),
    ("add_sort", lambda b: b.replace("  - {column: id}", "  - {column: id}\n  - {column: ts, direction: desc}"),
     {"add_sort_field"}, False),
    ("set_property", lambda b: b.replace("{write_format: parquet}", "{write_format: parquet, commit_retry_num_retries: 7}"),
     {"set_property"}, False),
    ("remove_property", lambda b: b.replace("properties: {write_format: parquet}", "properties: {}"),
     {"remove_property"}, False),
    ("table_doc", lambda b: b.replace("description: test table", "description: better words"), {"update_doc"}, False),
    ("rename", lambda b: b.replace("{name: name, type: string,", "{name: full_name, renamed_from: name, type: string,"),
     {"rename_column"}, False),
    ("drop_column", lambda b: b.replace("  - {name: qty, type: int, access_level: public}\n", ""), {"drop_column"}, True),
    ("incompatible", lambda b: b.replace("{name: qty, type: int,", "{name: qty, type: string,"),
     {"incompatible_type"}, True),
    ("make_required", lambda b: b.replace("{name: name, type: string,", "{name: name, type: string, required: true,"),
     {"make_required"}, True),
    ("remove_partition", lambda b: b.replace("partition_spec:\n  - {column: ts, transform: day}\n", ""),
     {"remove_partition_field"}, True),
    ("remove_sort", lambda b: b.replace("sort_order:\n  - {column: id}\n", ""), {"replace_sort_order"}, True),
]  # fmt: skip


def rows(n: int = 20, start: int = 0) -> pa.Table:
    day = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    return pa.table(
        {
            "id": list(range(start, start + n)),
            "name": [f"n{i}" for i in range(start, start + n)],
            "qty": [i for i in range(n)],
            "price": [Decimal("1.25")] * n,
            "ts": [day + dt.timedelta(hours=i) for i in range(n)],
            "address": [{"city": "Oslo"}] * n,
            "tags": [["a", "b"]] * n,
        }
    )


@pytest.mark.parametrize(("case", "edit", "kinds", "breaking"), CASES, ids=[c[0] for c in CASES])
def test_change_kind_plan_then_apply_then_empty_plan(backend, make_spec, case, edit, kinds, breaking):
    settings, catalog = backend
    base = make_spec(BASE)
    apply_specs([base], catalog, settings=settings)
    table = catalog.load_table(base.identifier)
    write_table(table, base, rows(), "append")
    snapshot_before = table.refresh().current_snapshot().snapshot_id
    ids_before = {f.name: f.field_id for f in table.schema().fields}

    edited = make_spec(edit(BASE))
    (plan,) = plan_tables([edited], catalog)
    assert {c.kind for c in plan.changes} == kinds, [c.message for c in plan.changes]
    assert plan.has_breaking is breaking
    edited_lines = [
        "name: items",
        f"namespace: {base.namespace}",
        *edit(BASE).splitlines(),
    ]  # as make_spec parses it
    for change in plan.changes:  # every change points at the template line that causes it...
        assert change.message
        if change.yaml_line is None:  # ...unless the edit deleted that section: no line to point at
            assert case in ("remove_partition", "remove_sort"), change
        else:
            assert 1 <= change.yaml_line <= len(edited_lines), change
    if breaking:
        location = catalog.load_table(base.identifier).metadata_location
        with pytest.raises(BreakingChangesRefused, match=r"BREAKING|refused"):
            apply_specs([edited], catalog, settings=settings)
        assert catalog.load_table(base.identifier).metadata_location == location
    rewrite = case == "incompatible"  # a type change on a table with rows converts the stored values
    apply_specs([edited], catalog, allow_breaking=breaking, rewrite_incompatible=rewrite, settings=settings)

    assert not plan_tables([edited], catalog)[0].has_changes
    table = catalog.load_table(base.identifier)
    if not rewrite:
        assert table.current_snapshot().snapshot_id == snapshot_before  # same data, never recreated
    data = table.scan().to_arrow()
    assert data.num_rows == 20
    if case == "rename":
        assert table.schema().find_field("full_name").field_id == ids_before["name"]
        assert data.column("full_name").to_pylist()[:2] == ["n0", "n1"]
    if case == "promote":
        assert data.column("qty").type == pa.int64()
    if case == "incompatible":
        assert sorted(data.column("qty").to_pylist(), key=int) == [str(i) for i in range(20)]
    if case == "drop_column":
        assert "qty" not in data.column_names


def test_create_matches_schema_builders_on_examples(backend, example_specs, namespace):
    settings, catalog = backend
    specs = [s.__class__(**{**s.__dict__, "namespace": f"{namespace}_{s.namespace}"}) for s in example_specs]
    results = apply_specs(specs, catalog, settings=settings)
    assert [r.action for r in results] == ["created"] * len(specs)
    if settings.backend == "aws-glue":  # Lake Formation column tags assigned after each commit
        orders = next(r for r in results if r.spec.name == "orders")
        assert any(c.column == "payment_card_last4" for c in orders.governance)
    for spec in specs:
        table = catalog.load_table(spec.identifier)
        assert table.schema() == iceberg_schema(spec)
        assert table.spec().fields == partition_spec(spec).fields
        assert table.sort_order().fields == sort_order(spec).fields
    assert not any(p.has_changes for p in plan_tables(specs, catalog))
    assert [r.action for r in apply_specs(specs, catalog, settings=settings)] == ["unchanged"] * len(specs)


def test_failing_change_leaves_table_untouched(backend, make_spec):
    settings, catalog = backend
    base = make_spec(BASE)
    apply_specs([base], catalog, settings=settings)
    table = catalog.load_table(base.identifier)
    batch = rows()
    batch = batch.set_column(1, "name", pa.array([None] + [f"n{i}" for i in range(1, 20)], pa.string()))
    write_table(table, base, batch, "append")
    location = table.refresh().metadata_location
    # A doc change (fine) plus `required` on a column holding a null (refused): all or nothing.
    edited = make_spec(
        BASE.replace("{name: name, type: string,", "{name: name, type: string, required: true,").replace(
            "{name: qty, type: int,", "{name: qty, type: int, description: quantity,"
        )
    )
    with pytest.raises(ApplyError, match="1 existing rows are null"):
        apply_specs([edited], catalog, allow_breaking=True, settings=settings)
    assert catalog.load_table(base.identifier).metadata_location == location
    assert {c.kind for c in plan_tables([edited], catalog)[0].changes} == {"make_required", "update_doc"}


def test_required_column_is_not_added_to_a_table_holding_data(sqlite_catalog, make_spec):
    base = make_spec(BASE)
    apply_specs([base], sqlite_catalog)
    table = sqlite_catalog.load_table(base.identifier)
    write_table(table, base, rows(), "append")
    edited = make_spec(
        BASE.replace("identifier_fields", "  - {name: must, type: long, required: true}\nidentifier_fields")
    )
    with pytest.raises(ApplyError, match="cannot add required column 'must'"):
        apply_specs([edited], sqlite_catalog, allow_breaking=True)
    assert "must" not in sqlite_catalog.load_table(base.identifier).schema().column_names


def test_missing_table_plans_create(sqlite_catalog, make_spec):
    spec = make_spec(BASE)
    (plan,) = plan_tables([spec], sqlite_catalog)
    assert not plan.exists and [c.kind for c in plan.changes] == ["create_table"]
    assert plan.to_dict()["changes"][0]["kind"] == "create_table"
    with pytest.raises(NoSuchTableError):
        sqlite_catalog.load_table(spec.identifier)
