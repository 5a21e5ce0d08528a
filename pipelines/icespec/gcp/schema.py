"""TableSpec → BigQuery table for Apache Iceberg: schema, policy tags, clustering.

One function renders a template into the BigQuery REST schema (`TableFieldSchema` JSON); the gcp
backend creates and evolves its tables with it (`icespec apply` owns the tables: Terraform creates
the datasets, the connection and the policy tags around them).

Policy tags are written as the *key* of the tag (`restricted`, `pii`); the backend replaces the key
with the tag's resource name (ICESPEC_GCP_POLICY_TAG_* from `terraform output`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from icespec.spec import Column, SpecError, TableSpec
from icespec.spec.errors import Diagnostic
from icespec.spec.types import IcebergType, ListType, MapType, PrimitiveType, StructType

POLICY_TAG_KEYS = ("restricted", "pii")
MAX_CLUSTERING_FIELDS = 4  # BigQuery's limit
# BigQuery accepts these top-level types as clustering columns (FLOAT64, BYTES, TIME, RECORD and
# REPEATED columns are refused).
CLUSTERABLE_TYPES = frozenset(
    {"BOOLEAN", "INTEGER", "NUMERIC", "BIGNUMERIC", "STRING", "DATE", "DATETIME", "TIMESTAMP"}
)
# BigQuery NUMERIC(P, S) holds scale ≤ 9 and P - S ≤ 29 digits; wider decimals need BIGNUMERIC(P, S).
NUMERIC_MAX_SCALE = 9
NUMERIC_MAX_INTEGER_DIGITS = 29

PRIMITIVE_TO_BIGQUERY = {
    "boolean": "BOOLEAN",
    "int": "INTEGER",  # widened to INT64 (Iceberg long); read back narrowed with a checked cast
    "long": "INTEGER",
    "float": "FLOAT",  # widened to FLOAT64 (Iceberg double); float32 → float64 → float32 is exact
    "double": "FLOAT",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "DATETIME",
    "timestamptz": "TIMESTAMP",
    # BigQuery stores microseconds: the writer refuses values with a sub-microsecond part.
    "timestamp_ns": "DATETIME",
    "timestamptz_ns": "TIMESTAMP",
    "string": "STRING",
    "uuid": "STRING",  # canonical 8-4-4-4-12 text
    "binary": "BYTES",
    "fixed": "BYTES",
}


class UnsupportedOnBigQuery(SpecError):
    """The template uses something BigQuery tables for Apache Iceberg cannot store."""


def _unsupported(spec: TableSpec, column: Column, message: str) -> UnsupportedOnBigQuery:
    return UnsupportedOnBigQuery(
        [
            Diagnostic(
                path=spec.source_path or f"{spec.name}.yaml", line=column.line or 1, column=1, message=message
            )
        ]
    )


@dataclass(frozen=True)
class Protection:
    """Access of one node of the column tree; the leaf fields carry the policy tags."""

    access_level: str
    pii: bool

    @property
    def policy_tag(self) -> str | None:
        if self.pii:
            return "pii"
        if self.access_level == "restricted":
            return "restricted"
        return None


def bigquery_field_type(primitive: PrimitiveType) -> dict[str, Any]:
    if primitive.name == "decimal":
        precision, scale = primitive.precision or 38, primitive.scale or 0
        kind = (
            "NUMERIC"
            if scale <= NUMERIC_MAX_SCALE and precision - scale <= NUMERIC_MAX_INTEGER_DIGITS
            else "BIGNUMERIC"
        )
        return {"type": kind, "precision": str(precision), "scale": str(scale)}
    return {"type": PRIMITIVE_TO_BIGQUERY[primitive.name]}


def _field(
    spec: TableSpec,
    column: Column,
    name: str,
    field_type: IcebergType,
    required: bool,
    description: str,
    protection: Protection,
    repeated: bool = False,
) -> dict[str, Any]:
    """One TableFieldSchema. `column` is the template column the field comes from (for messages)."""
    mode = "REPEATED" if repeated else ("REQUIRED" if required else "NULLABLE")
    base: dict[str, Any] = {"name": name, "mode": mode}
    if description:
        base["description"] = description
    if isinstance(field_type, PrimitiveType):
        leaf = {**base, **bigquery_field_type(field_type)}
        tag = protection.policy_tag
        if tag:
            leaf["policyTags"] = {"names": [tag]}
        return leaf
    if isinstance(field_type, ListType):
        if repeated:
            raise _unsupported(
                spec,
                column,
                f"column '{column.name}': BigQuery has no list of lists (ARRAY<ARRAY<...>>); "
                "wrap the inner list in a struct, e.g. list<struct<values: list<...>>>",
            )
        return _field(spec, column, name, field_type.element, False, description, protection, repeated=True)
    if isinstance(field_type, MapType):
        # BigQuery has no MAP: the Iceberg/Parquet shape of a map is a repeated key/value record.
        entries = [
            _field(spec, column, "key", field_type.key, True, "", protection),
            _field(spec, column, "value", field_type.value, field_type.value_required, "", protection),
        ]
        return {**base, "mode": "REPEATED", "type": "RECORD", "fields": entries}
    if isinstance(field_type, StructType):
        if column.fields is not None and column.iceberg_type == field_type:
            children = [
                _field(
                    spec,
                    child,
                    child.name,
                    child.iceberg_type,
                    child.required,
                    child.description,
                    # A child of a pii struct is personal data too; access levels are already inherited.
                    Protection(child.access_level, child.pii or protection.pii),
                )
                for child in column.fields
            ]
        else:
            children = [
                _field(spec, column, f.name, f.type, f.required, f.doc, protection) for f in field_type.fields
            ]
        return {**base, "type": "RECORD", "fields": children}
    raise TypeError(f"not an icespec type: {field_type!r}")  # the spec layer never builds one


def bigquery_schema(spec: TableSpec) -> list[dict[str, Any]]:
    """The table's BigQuery schema (REST JSON), policy tags as keys (`restricted`, `pii`)."""
    return [
        _field(spec, c, c.name, c.iceberg_type, c.required, c.description, Protection(c.access_level, c.pii))
        for c in spec.columns
    ]


def resolve_policy_tags(fields: list[dict[str, Any]], tag_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Copy of `fields` with each policy tag key replaced by its resource name from `tag_names`."""
    resolved = []
    for field in fields:
        copy = dict(field)
        if "policyTags" in field:
            copy["policyTags"] = {"names": [tag_names[key] for key in field["policyTags"]["names"]]}
        if "fields" in field:
            copy["fields"] = resolve_policy_tags(field["fields"], tag_names)
        resolved.append(copy)
    return resolved


def strip_policy_tags(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (strip_policy_tags(v) if k == "fields" else v) for k, v in f.items() if k != "policyTags"}
        for f in fields
    ]


def walk_fields(fields: list[dict[str, Any]], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(dotted path, field) for every field, depth first."""
    for field in fields:
        path = f"{prefix}{field['name']}"
        yield path, field
        yield from walk_fields(field.get("fields", []), path + ".")


def policy_tag_assignments(spec: TableSpec) -> dict[str, str]:
    """Leaf field path → policy tag key, for every tagged leaf of the table."""
    return {
        path: field["policyTags"]["names"][0]
        for path, field in walk_fields(bigquery_schema(spec))
        if "policyTags" in field
    }


def clustering_fields(spec: TableSpec) -> list[str]:
    """Partition source columns, then sort columns: top-level, clusterable, at most four.

    BigQuery tables for Apache Iceberg take no Iceberg partition spec or sort order; clustering on
    the same columns gives the pruning and co-location those would (see docs/gcp.md).
    """
    types = {f["name"]: f for f in bigquery_schema(spec)}
    chosen: list[str] = []
    for path in [p.column for p in spec.partition_spec] + [s.column for s in spec.sort_order]:
        field = types.get(path)  # dotted (nested) paths are not in `types`: never clusterable
        if (
            field
            and field["mode"] != "REPEATED"
            and field["type"] in CLUSTERABLE_TYPES
            and path not in chosen
        ):
            chosen.append(path)
    return chosen[:MAX_CLUSTERING_FIELDS]
