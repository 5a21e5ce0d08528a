"""The shipped example templates: they load, and the builders produce the tables they describe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.types import DecimalType, ListType, MapType, StructType

from icespec.schema import arrow_schema, iceberg_schema, partition_spec, sort_order
from icespec.spec import load_spec, load_specs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "table-templates").glob("*.yaml"))


def test_the_four_examples_are_shipped_and_valid():
    specs = load_specs([REPO / "table-templates"])
    assert {s.name for s in specs} == {"event_stream", "scd_type2", "feature_table", "orders"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_inspect_json_prints_spec_schema_partition_sort_and_arrow(path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "icespec",
            "--templates",
            str(REPO / "table-templates"),
            "inspect",
            path.stem,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(result.stdout)
    assert {"spec", "schema", "partition_spec", "sort_order", "arrow_schema"} <= set(document)
    spec = load_spec(path)
    assert document["spec"] == spec.to_dict()
    assert [f["name"] for f in document["schema"]["fields"]] == [c.name for c in spec.columns]
    assert document["schema"]["identifier-field-ids"] == list(iceberg_schema(spec).identifier_field_ids)
    assert len(document["partition_spec"]["fields"]) == len(spec.partition_spec)
    assert document["arrow_schema"].startswith(spec.columns[0].name + ":")


def test_event_stream_partitions_by_day_and_hour_with_pii_restricted():
    spec = load_spec(REPO / "table-templates/event_stream.yaml")
    schema = iceberg_schema(spec)
    fields = partition_spec(spec, schema).fields
    assert [(schema.find_column_name(f.source_id), str(f.transform)) for f in fields] == [
        ("event_timestamp", "day"),
        ("ingested_at", "hour"),
    ]
    pii = [c for c in spec.columns if c.pii]
    assert pii and all(c.access_level == "restricted" for c in pii)


def test_scd_type2_is_keyed_and_sorted_newest_version_first():
    spec = load_spec(REPO / "table-templates/scd_type2.yaml")
    schema = iceberg_schema(spec)
    assert [schema.find_column_name(i) for i in schema.identifier_field_ids] == ["customer_key"]
    assert {"valid_from", "valid_to", "is_current"} <= {c.name for c in spec.columns}
    order = sort_order(spec, schema)
    assert [(schema.find_column_name(f.source_id), f.direction.value) for f in order.fields] == [
        ("customer_id", "asc"),
        ("valid_from", "desc"),
    ]
    # nested fields declared with `fields:` keep their own required flag and inherit access level
    address = spec.column("address")
    assert [f.required for f in address.fields] == [True, False, False]
    assert address.fields[2].access_level == "restricted" and address.effective_pii


def test_feature_table_nested_types_reach_iceberg_and_arrow():
    spec = load_spec(REPO / "table-templates/feature_table.yaml")
    schema = iceberg_schema(spec)
    assert isinstance(schema.find_type("embedding"), ListType)
    assert isinstance(schema.find_type("counters"), MapType)
    assert isinstance(schema.find_type("stats"), StructType)
    arrow = arrow_schema(spec)
    assert pa.types.is_list(arrow.field("embedding").type) or pa.types.is_large_list(
        arrow.field("embedding").type
    )
    assert pa.types.is_map(arrow.field("counters").type)


def test_orders_amount_is_decimal_18_2_bucketed_by_customer_with_a_restricted_column():
    spec = load_spec(REPO / "table-templates/orders.yaml")
    schema = iceberg_schema(spec)
    assert schema.find_type("amount") == DecimalType(18, 2)
    (bucket,) = partition_spec(spec, schema).fields
    assert (
        str(bucket.transform) == "bucket[16]" and schema.find_column_name(bucket.source_id) == "customer_id"
    )
    assert any(c.access_level == "restricted" for c in spec.columns)
