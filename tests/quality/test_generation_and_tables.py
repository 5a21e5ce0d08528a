"""Generated SodaCL for the example templates, DuckDB type names checked against DuckDB itself, and
scans of real Iceberg tables (local SQLite catalog) written by icespec's own writers."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest
import yaml

from icespec.catalogs import Settings, open_catalog
from icespec.quality import build_suite, generate_checks, scan_table
from icespec.quality.dialects import DUCKDB
from icespec.schema import arrow_schema
from icespec.spec import parse_spec
from icespec.tables.apply import create_table
from icespec.tables.writers import write_table
from icespec_examples.samples import sample_batch

ALL_TYPES = [
    "boolean",
    "int",
    "long",
    "float",
    "double",
    "decimal(10,3)",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "timestamp_ns",
    "timestamptz_ns",
    "string",
    "uuid",
    "fixed[4]",
    "binary",
    "list<string>",
    "map<string,list<int>>",
    "struct<a: int, b: list<string>>",
]


def _duckdb_types(data: pa.Table) -> dict[str, str]:
    connection = duckdb.connect()
    connection.register("t", data)
    rows = connection.execute(
        "SELECT column_name, lower(data_type) FROM information_schema.columns WHERE table_name = 't'"
    )
    return dict(rows.fetchall())


def test_duckdb_type_names_are_what_duckdb_reports_for_every_type(example_specs):
    columns = "\n".join(f'  - {{name: c{i}, type: "{t}"}}' for i, t in enumerate(ALL_TYPES))
    every_type = parse_spec(
        f"name: t\nnamespace: n\nproperties: {{format-version: 3}}\ncolumns:\n{columns}\n", "t.yaml"
    )
    for spec in [every_type, *example_specs]:
        expected = {c.name: DUCKDB.type_name(c.iceberg_type) for c in spec.columns}
        assert expected == _duckdb_types(arrow_schema(spec).empty_table()), spec.name


def test_generated_sodacl_for_orders(example_specs):
    orders = next(s for s in example_specs if s.name == "orders")
    document = yaml.safe_load(build_suite(orders).to_sodacl())
    checks = document["checks for orders"]
    lines = [next(iter(c)) if isinstance(c, dict) else c for c in checks]
    assert lines[:2] == ["row_count > 0", "schema"]
    assert "missing_count(order_id) = 0" in lines and "missing_count(discount) = 0" not in lines
    assert "duplicate_count(order_id) = 0" in lines
    status = next(c for c in checks if c.get("invalid_count(status) = 0"))["invalid_count(status) = 0"]
    assert status["valid values"] == ["placed", "paid", "shipped", "delivered", "cancelled"]
    assert checks[-1] == {"freshness(updated_at)": {"name": "updated_at is fresh", "fail": "when > 7d"}}


def test_composite_keys_and_nested_fields(example_specs):
    features = next(s for s in example_specs if s.name == "feature_table")
    kinds = {(c.kind, c.column): c.entry for c in generate_checks(features)}
    assert ("duplicate", "user_id,feature_date") in kinds
    assert "duplicate_count(user_id, feature_date) = 0" in kinds[("duplicate", "user_id,feature_date")]
    scd = next(s for s in example_specs if s.name == "scd_type2")
    nested = {(c.kind, c.column): c.entry for c in generate_checks(scd)}
    assert nested[("missing", "address.country")]["failed rows"]["fail condition"] == (
        "address IS NOT NULL AND address.country IS NULL"
    )
    assert ("max_length", "address.country") in nested
    assert not any(kind == "missing" and column == "address.city" for kind, column in nested)


def test_a_nested_identifier_field_gets_a_duplicate_query():
    spec = parse_spec(
        "name: nest\nnamespace: qa\ncolumns:\n  - name: k\n    required: true\n    fields:\n"
        "      - {name: a, type: long, required: true}\n      - {name: b, type: string, required: true}\n"
        "identifier_fields: [k.a, k.b]\n",
        "nest.yaml",
    )
    from icespec.quality import scan_arrow

    rows = [{"k": {"a": 1, "b": "x"}}, {"k": {"a": 1, "b": "x"}}, {"k": {"a": 2, "b": "x"}}]
    result = scan_arrow(spec, pa.Table.from_pylist(rows, schema=arrow_schema(spec)))
    duplicate = result.check("duplicate_k_a_k_b")
    assert duplicate.outcome == "fail" and duplicate.metrics["value"] == 1
    assert result.check("missing_k_a").passed


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory, example_specs):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path_factory.mktemp("lakehouse"))})
    catalog = open_catalog(settings)
    tables = {}
    for spec in example_specs:
        table = create_table(catalog, spec)
        write_table(table, spec, sample_batch(spec, rows=50), mode="append")
        tables[spec.name] = catalog.load_table(spec.identifier)
    return settings, catalog, tables


def _now_for(spec, table) -> dt.datetime:
    """A clock one hour after the newest value of the freshness column, so freshness passes."""
    if spec.freshness is None:
        return dt.datetime.now(dt.UTC)
    newest = max(v for v in table.scan().to_arrow()[spec.freshness.column].to_pylist() if v is not None)
    return newest + dt.timedelta(hours=1)


def test_every_example_table_written_by_icespec_passes_its_checks(lakehouse, example_specs):
    settings, catalog, tables = lakehouse
    for spec in example_specs:
        result = scan_table(spec, settings, catalog=catalog, now=_now_for(spec, tables[spec.name]))
        problems = [(c.key, c.outcome, c.message) for c in result.checks if not c.passed]
        assert not problems, (spec.name, problems)
        assert result.exit_code == 0
        assert result.check("row_count").metrics["value"] == 50


def test_a_bad_write_fails_the_current_snapshot_but_not_the_previous(lakehouse, example_specs):
    settings, catalog, _ = lakehouse
    spec = next(s for s in example_specs if s.name == "event_stream")
    table = catalog.load_table(spec.identifier)
    good_snapshot = table.metadata.current_snapshot_id
    now = _now_for(spec, table)
    bad = sample_batch(spec, rows=3)
    bad = bad.set_column(
        bad.schema.get_field_index("event_type"),
        bad.schema.field("event_type"),
        pa.array(["oops"] * 3, bad.schema.field("event_type").type),
    )
    bad = bad.set_column(
        bad.schema.get_field_index("event_id"),
        bad.schema.field("event_id"),
        pa.array(["bad-1", "bad-2", "bad-3"], bad.schema.field("event_id").type),
    )
    write_table(table, spec, bad, mode="append")
    current = scan_table(spec, settings, catalog=catalog, now=now)
    assert {c.key for c in current.checks if c.outcome == "fail"} == {"accepted_values_event_type"}
    assert current.check("accepted_values_event_type").metrics["value"] == 3
    before = scan_table(spec, settings, catalog=catalog, snapshot_id=good_snapshot, now=now)
    assert before.exit_code == 0


def test_a_missing_table_is_a_scan_error(lakehouse):
    settings, catalog, _ = lakehouse
    ghost = parse_spec("name: ghost\nnamespace: qa\ncolumns:\n  - {name: id, type: long}\n", "ghost.yaml")
    result = scan_table(ghost, settings, catalog=catalog)
    assert result.exit_code == 3
    assert all(c.outcome == "error" for c in result.checks)
    assert "icespec apply" in result.errors[0]
