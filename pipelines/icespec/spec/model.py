"""The normalized, immutable table spec every other part of icespec takes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from icespec.spec.types import IcebergType, ListType, MapType, StructField, StructType, parse_type

ACCESS_LEVELS = ("public", "internal", "restricted")  # least to most restrictive
DEFAULT_ACCESS_LEVEL = "restricted"  # fail-closed: nobody classified it, so readers don't see it


def most_restrictive(levels: list[str]) -> str:
    return max(levels, key=ACCESS_LEVELS.index)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # canonical type string; "struct" when `fields` is given
    required: bool = False
    description: str = ""
    pii: bool = False
    access_level: str = DEFAULT_ACCESS_LEVEL
    renamed_from: str | None = None
    checks: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    fields: tuple[Column, ...] | None = None
    line: int = 0  # where the column starts in its template (0 when built in code)

    @property
    def iceberg_type(self) -> IcebergType:
        """The column's type as a tree; `fields:` become a struct with their own required/doc."""
        if self.fields is not None:
            return StructType(
                tuple(StructField(f.name, f.iceberg_type, f.required, f.description) for f in self.fields)
            )
        return parse_type(self.type)

    @property
    def effective_access_level(self) -> str:
        """Most restrictive level of the column and everything nested in it (engines grant per column)."""
        return most_restrictive([c.access_level for c in self.walk()])

    @property
    def effective_pii(self) -> bool:
        return any(c.pii for c in self.walk())

    def walk(self) -> Iterator[Column]:
        yield self
        for child in self.fields or ():
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
            "pii": self.pii,
            "access_level": self.access_level,
            "renamed_from": self.renamed_from,
            "checks": dict(self.checks),
            "fields": None if self.fields is None else [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True)
class PartitionField:
    column: str
    transform: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "transform": self.transform, "name": self.name}


@dataclass(frozen=True)
class SortField:
    column: str
    transform: str = "identity"
    direction: str = "asc"
    null_order: str = "nulls_first"

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "transform": self.transform,
            "direction": self.direction,
            "null_order": self.null_order,
        }


@dataclass(frozen=True)
class Freshness:
    column: str
    fail_after: str
    warn_after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "warn_after": self.warn_after, "fail_after": self.fail_after}


MAINTENANCE_ENGINES = ("icespec", "glue")


@dataclass(frozen=True)
class Maintenance:
    """How the table is kept small (docs/maintenance.md). The defaults suit most tables."""

    schedule: str = "0 3 * * *"  # after the daily writes (01:00 and 02:00)
    compact: bool = True
    orphan_older_than: str = "3d"  # Iceberg's default for orphan removal: in-flight writes are younger
    engine: str = "icespec"  # or "glue": AWS Glue table optimizers do it

    def to_dict(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "compact": self.compact,
            "orphan_older_than": self.orphan_older_than,
            "engine": self.engine,
        }


@dataclass(frozen=True)
class TableSpec:
    name: str
    namespace: str
    columns: tuple[Column, ...]
    description: str = ""
    owner: str | None = None
    identifier_fields: tuple[str, ...] = ()
    partition_spec: tuple[PartitionField, ...] = ()
    sort_order: tuple[SortField, ...] = ()
    properties: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    allow_empty: bool = False
    freshness: Freshness | None = None
    maintenance: Maintenance = field(default_factory=Maintenance)
    source_path: str | None = None  # the template file, for messages that point users at it
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # key path -> line

    @property
    def identifier(self) -> tuple[str, str]:
        """(namespace, name) — the catalog identifier and the Dagster asset key."""
        return (self.namespace, self.name)

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def field_type(self, dotted: str) -> IcebergType | None:
        """Type of a column or dotted struct field (`address.city`); None when the path does not resolve."""
        return resolve_path(self.columns, dotted).type

    def line_of(self, *path: str | int) -> int:
        """Line of a key path in the template (e.g. ('columns', 2)), or 0 when unknown."""
        return self.lines.get(".".join(str(p) for p in path), 0)

    def to_dict(self) -> dict[str, Any]:
        """The normalized form (docs/template-reference.md); Terraform's table_spec emits the same."""
        return {
            "name": self.name,
            "namespace": self.namespace,
            "description": self.description,
            "owner": self.owner,
            "columns": [c.to_dict() for c in self.columns],
            "identifier_fields": list(self.identifier_fields),
            "partition_spec": [p.to_dict() for p in self.partition_spec],
            "sort_order": [s.to_dict() for s in self.sort_order],
            "properties": dict(self.properties),
            "tags": dict(self.tags),
            "allow_empty": self.allow_empty,
            "freshness": self.freshness.to_dict() if self.freshness else None,
            "maintenance": self.maintenance.to_dict(),
        }


@dataclass(frozen=True)
class ResolvedPath:
    """Where a dotted column path leads: `ok`, `missing`, or `in_collection` (through a list or map)."""

    status: str
    type: IcebergType | None = None
    required: tuple[bool, ...] = ()  # required flag of each field along the path


def resolve_path(columns: Sequence[Column], dotted: str) -> ResolvedPath:
    """Follow a dotted path through structs (the one walk validation, builders and backends share)."""
    parts = dotted.split(".")
    top = next((c for c in columns if c.name == parts[0]), None)
    if top is None:
        return ResolvedPath("missing")
    current: IcebergType = top.iceberg_type
    required = [top.required]
    for part in parts[1:]:
        if isinstance(current, ListType | MapType):
            return ResolvedPath("in_collection")
        child = current.field(part) if isinstance(current, StructType) else None
        if child is None:
            return ResolvedPath("missing")
        required.append(child.required)
        current = child.type
    return ResolvedPath("ok", current, tuple(required))


def day_partition_column(spec: TableSpec) -> str | None:
    """The column a `day` partition field reads, or None when the table is not day-partitioned."""
    return next((p.column for p in spec.partition_spec if p.transform == "day"), None)
