"""The table spec: one YAML file per table, validated and normalized once.

Pure: no catalog, no network. Everything else in icespec takes a `TableSpec` from here.
"""

from icespec.spec.errors import Diagnostic, SpecError
from icespec.spec.loader import (
    discover_templates,
    load_spec,
    load_specs,
    parse_spec,
    read_template,
    template_schema,
    validate_paths,
)
from icespec.spec.model import (
    ACCESS_LEVELS,
    Column,
    Freshness,
    Maintenance,
    PartitionField,
    SortField,
    TableSpec,
    day_partition_column,
)
from icespec.spec.types import IcebergType, TypeSyntaxError, parse_type

__all__ = [
    "ACCESS_LEVELS",
    "Column",
    "Diagnostic",
    "Freshness",
    "IcebergType",
    "Maintenance",
    "PartitionField",
    "SortField",
    "SpecError",
    "TableSpec",
    "TypeSyntaxError",
    "day_partition_column",
    "discover_templates",
    "load_spec",
    "load_specs",
    "parse_spec",
    "parse_type",
    "read_template",
    "template_schema",
    "validate_paths",
]
