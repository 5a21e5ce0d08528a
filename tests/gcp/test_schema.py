"""The BigQuery rendering of templates: policy tags on every restricted/pii leaf, types, clustering."""

from __future__ import annotations

from pathlib import Path

import pytest

from icespec.catalogs.settings import SettingsError
from icespec.gcp.schema import (
    UnsupportedOnBigQuery,
    bigquery_schema,
    clustering_fields,
    policy_tag_assignments,
    resolve_policy_tags,
    walk_fields,
)
from icespec.gcp.settings import GcpSettings
from icespec.spec import Column, load_spec, parse_spec

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO_ROOT / "table-templates").glob("*.yaml")) + sorted(
    p for p in (REPO_ROOT / "tests" / "corpus" / "valid").glob("*.y*ml") if not p.name.startswith("_")
)
TEMPLATES = [p for p in TEMPLATES if not p.name.startswith(("_", "."))]


def expected_tags(
    columns: tuple[Column, ...], prefix: str = "", pii_above: bool = False
) -> dict[str, str | None]:
    """Oracle from the spec model alone: template node path → the tag its leaves must carry."""
    wanted: dict[str, str | None] = {}
    for column in columns:
        path, pii = prefix + column.name, column.pii or pii_above
        if column.fields is not None:
            wanted.update(expected_tags(column.fields, path + ".", pii))
        else:
            wanted[path] = "pii" if pii else ("restricted" if column.access_level == "restricted" else None)
    return wanted


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_every_restricted_or_pii_leaf_carries_its_policy_tag(path: Path) -> None:
    spec = load_spec(path)
    fields = dict(walk_fields(bigquery_schema(spec)))
    wanted = expected_tags(spec.columns)
    for node, tag in wanted.items():
        leaves = [
            f for p, f in fields.items() if (p == node or p.startswith(node + ".")) and f["type"] != "RECORD"
        ]
        assert leaves, f"{path.name}: no BigQuery field for {node}"
        for leaf in leaves:
            assert leaf.get("policyTags", {}).get("names") == ([tag] if tag else None), (
                path.name,
                node,
                leaf,
            )
    # RECORDs never carry a tag: BigQuery enforces column-level security on leaf fields.
    assert not [p for p, f in fields.items() if f["type"] == "RECORD" and "policyTags" in f]
    restricted = [c for c in spec.columns for n in c.walk() if n.access_level == "restricted" or n.pii]
    if restricted:
        assert policy_tag_assignments(spec), f"{path.name} has restricted columns but no tagged field"


def test_example_restricted_columns_are_tagged_by_name() -> None:
    """The examples' known sensitive columns, spelled out (guards the oracle itself)."""
    tags = {p.stem: policy_tag_assignments(load_spec(p)) for p in TEMPLATES}
    assert tags["event_stream"] == {"email": "pii", "ip_address": "pii"}
    assert tags["orders"] == {"payment_card_last4": "pii"}
    assert tags["scd_type2"] == {"full_name": "pii", "address.street": "pii"}
    assert tags["feature_table"] == {}


def test_policy_tag_keys_resolve_to_resource_names() -> None:
    spec = load_spec(REPO_ROOT / "table-templates" / "scd_type2.yaml")
    names = {"restricted": "projects/p/locations/us/taxonomies/1/policyTags/2", "pii": "projects/p/.../3"}
    resolved = dict(walk_fields(resolve_policy_tags(bigquery_schema(spec), names)))
    assert resolved["address.street"]["policyTags"] == {"names": ["projects/p/.../3"]}
    assert "policyTags" not in resolved["address.city"]


def test_type_mapping() -> None:
    spec = load_spec(REPO_ROOT / "tests" / "corpus" / "valid" / "all_primitive_types.yaml")
    types = {
        f["name"]: (f["type"], f["mode"], f.get("precision"), f.get("scale")) for f in bigquery_schema(spec)
    }
    assert types["c_int"] == ("INTEGER", "REQUIRED", None, None)
    assert types["c_decimal"] == ("BIGNUMERIC", "NULLABLE", "38", "10")  # scale 10 > NUMERIC's 9
    assert types["c_timestamp"][0] == "DATETIME" and types["c_timestamptz"][0] == "TIMESTAMP"
    assert types["c_uuid"][0] == "STRING" and types["c_fixed"][0] == "BYTES"
    orders = {f["name"]: f for f in bigquery_schema(load_spec(REPO_ROOT / "table-templates" / "orders.yaml"))}
    assert (orders["amount"]["type"], orders["amount"]["precision"], orders["amount"]["scale"]) == (
        "NUMERIC",
        "18",
        "2",
    )
    features = {
        f["name"]: f for f in bigquery_schema(load_spec(REPO_ROOT / "table-templates" / "feature_table.yaml"))
    }
    assert features["embedding"]["mode"] == "REPEATED" and features["embedding"]["type"] == "FLOAT"
    counters = features["counters"]
    assert counters["mode"] == "REPEATED" and [f["name"] for f in counters["fields"]] == ["key", "value"]


def test_list_of_lists_is_refused_with_file_and_line(tmp_path: Path) -> None:
    template = tmp_path / "nested_lists.yaml"
    template.write_text(
        "name: nested_lists\nnamespace: ns\ncolumns:\n  - {name: id, type: long}\n"
        "  - {name: grid, type: 'list<list<int>>'}\n"
    )
    with pytest.raises(
        UnsupportedOnBigQuery, match=r"nested_lists.yaml:5:1: error: column 'grid'.*list of lists"
    ):
        bigquery_schema(load_spec(template))


def test_clustering_stands_in_for_partitions_and_sort_order() -> None:
    specs = {p.stem: load_spec(p) for p in TEMPLATES}
    assert clustering_fields(specs["event_stream"]) == ["event_timestamp", "ingested_at"]
    assert clustering_fields(specs["orders"]) == ["customer_id", "order_date", "order_id"]
    # nested partition sources cannot cluster a BigQuery table
    assert clustering_fields(specs["deeply_nested"]) == []
    spec = parse_spec(
        "name: t\nnamespace: n\ncolumns:\n  - {name: a, type: double}\n  - {name: b, type: long}\n"
        "partition_spec:\n  - {column: a}\n  - {column: b}\n",
        "t.yaml",
    )
    assert clustering_fields(spec) == ["b"]  # FLOAT64 is not clusterable


def test_settings_fail_closed_without_policy_tags() -> None:
    with pytest.raises(SettingsError) as error:
        GcpSettings.from_env({"ICESPEC_GCP_PROJECT": "p", "ICESPEC_GCP_STORAGE_URI": "gs://b/iceberg"})
    message = str(error.value)
    for variable in (
        "ICESPEC_GCP_POLICY_TAG_RESTRICTED",
        "ICESPEC_GCP_POLICY_TAG_PII",
        "ICESPEC_GCP_BIGLAKE_CONNECTION",
    ):
        assert variable in message
    assert "ICESPEC_GCP_STORAGE_URI" not in message
    settings = GcpSettings.from_env(
        {
            "ICESPEC_GCP_PROJECT": "p",
            "ICESPEC_GCP_STORAGE_URI": "gs://b/iceberg/",
            "ICESPEC_GCP_BIGLAKE_CONNECTION": "p.us.icespec",
            "ICESPEC_GCP_POLICY_TAG_RESTRICTED": "projects/p/locations/us/taxonomies/1/policyTags/2",
            "ICESPEC_GCP_POLICY_TAG_PII": "projects/p/locations/us/taxonomies/1/policyTags/3",
        }
    )
    assert settings.policy_tags == {
        "restricted": "projects/p/locations/us/taxonomies/1/policyTags/2",
        "pii": "projects/p/locations/us/taxonomies/1/policyTags/3",
    }
    assert settings.gcp_storage_uri == "gs://b/iceberg"
