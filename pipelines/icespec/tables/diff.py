"""The one diff engine: a template against a live Iceberg table → classified changes.

`plan`, `apply` and drift detection all use `diff_table`. Column identity is the field id: a live
field matches the template column of the same name, or the column that declares it in
`renamed_from`, or the field whose id an earlier schema of the table gave the template's name (a
rename made outside the template); a drop plus an add is never guessed to be a rename. Type changes are classified
with pyiceberg's promotion rules (`pyiceberg.schema.promote`), plus the Iceberg spec's rule that a
decimal promotion keeps its scale (pyiceberg 0.11 does not check the scale).

Paths: every change path uses the template's (new) names; a `rename_column` change carries the
live path in `before`. `apply` runs the renames first, so all other paths resolve after them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyiceberg.exceptions import ResolveError
from pyiceberg.schema import Schema, promote
from pyiceberg.table.sorting import NullOrder, SortDirection
from pyiceberg.transforms import VoidTransform
from pyiceberg.types import (
    DecimalType,
    IcebergType,
    ListType,
    MapType,
    NestedField,
    PrimitiveType,
    StructType,
)

from icespec.core.changes import GOVERNANCE_KINDS, SCHEMA_KINDS, Change, ChangeKind, TablePlan
from icespec.schema import iceberg_schema, table_properties
from icespec.spec import Column, TableSpec

if TYPE_CHECKING:
    from pyiceberg.table import Table

# Property where apply records which properties the template manages, so that a key removed from
# the template is removed from the table while keys set by others (engines, Terraform) are left alone.
MANAGED_PROPERTIES_KEY = "icespec.managed-properties"
COMMENT_PROPERTY = "comment"  # the table description, as Hive/Glue/Spark read it
FORMAT_VERSION = "format-version"  # lives in table metadata, not in properties

CHANGE_KINDS = tuple(k for k in ChangeKind if not k.governance)
__all__ = ["GOVERNANCE_KINDS", "SCHEMA_KINDS", "Change", "ChangeKind", "TablePlan", "diff_table"]


def type_text(t: IcebergType) -> str:
    return str(t).replace(", ", ",")


def _null_order_text(order: NullOrder) -> str:
    return "nulls_first" if order == NullOrder.NULLS_FIRST else "nulls_last"


def _promotable(live: PrimitiveType, expected: PrimitiveType) -> bool:
    if isinstance(live, DecimalType) and isinstance(expected, DecimalType) and live.scale != expected.scale:
        return False
    try:
        promote(live, expected)
    except ResolveError:
        return False
    return True


class _Differ:
    def __init__(self, spec: TableSpec, table: Table):
        self.spec = spec
        self.table = table
        self.live_schema: Schema = table.schema()
        self.expected_schema = iceberg_schema(spec)
        self.changes: list[Change] = []
        self.columns_by_path: dict[str, Column] = {}
        for column in spec.columns:
            self._index_columns(column, column.name)
        self.new_path_of_id: dict[int, str] = {}  # live field id -> path in template names

    def _index_columns(self, column: Column, path: str) -> None:
        self.columns_by_path[path] = column
        for child in column.fields or ():
            self._index_columns(child, f"{path}.{child.name}")

    def line_for(self, path: str) -> int | None:
        parts = path.split(".")
        while parts:  # nearest declared column (type-string structs have no line of their own)
            column = self.columns_by_path.get(".".join(parts))
            if column is not None and column.line:
                return column.line
            parts.pop()
        return self.spec.line_of("columns") or None

    def add(
        self,
        kind: ChangeKind,
        path: str,
        before: Any,
        after: Any,
        breaking: bool,
        message: str,
        line: int | None,
    ) -> None:
        self.changes.append(Change(kind, path, before, after, breaking, message, line))

    # -- schema ---------------------------------------------------------------------------------
    def compare_struct(self, expected: StructType, live: StructType, prefix: str) -> None:
        live_by_name = {f.name: f for f in live.fields}
        expected_names = {f.name for f in expected.fields}
        consumed: set[str] = set()
        for field in expected.fields:
            path = f"{prefix}{field.name}"
            live_field = live_by_name.get(field.name)
            column = self.columns_by_path.get(path)
            if live_field is None and column is not None and column.renamed_from:
                old = column.renamed_from
                if old in live_by_name and old not in expected_names:
                    live_field = live_by_name[old]
                    consumed.add(old)
                    self.add(ChangeKind.RENAME_COLUMN, path, f"{prefix}{old}", path, False,
                             f"rename column '{prefix}{old}' to '{path}' (field id {live_field.field_id} kept)",
                             self.line_for(path))  # fmt: skip
            if live_field is None:
                live_field = self.renamed_outside_template(path, prefix, live, expected_names | consumed)
                if live_field is not None:
                    consumed.add(live_field.name)
                    self.add(ChangeKind.RENAME_COLUMN, path, f"{prefix}{live_field.name}", path, False,
                             f"rename column '{prefix}{live_field.name}' back to '{path}' (field id "
                             f"{live_field.field_id}; it was renamed outside the template)", self.line_for(path))  # fmt: skip
            if live_field is None:
                flag = "required" if field.required else "optional"
                message = f"add column '{path}' {type_text(field.field_type)} ({flag})"
                if field.required:
                    message += " — BREAKING: existing rows have no value for a required column"
                self.add(ChangeKind.ADD_COLUMN, path, None, {"type": type_text(field.field_type), "required": field.required},
                         field.required, message, self.line_for(path))  # fmt: skip
                continue
            consumed.add(live_field.name)
            self.compare_field(field, live_field, path)
        for live_field in live.fields:
            if live_field.name not in consumed:
                path = f"{prefix}{live_field.name}"
                self.add(ChangeKind.DROP_COLUMN, path, type_text(live_field.field_type), None, True,
                         f"drop column '{path}' {type_text(live_field.field_type)} — BREAKING: its data "
                         f"becomes unreadable (declare renamed_from: {live_field.name} if this is a rename)",
                         self.line_for(prefix.rstrip(".")) if prefix else self.spec.line_of("columns") or None)  # fmt: skip

    def renamed_outside_template(
        self, path: str, prefix: str, live: StructType, taken: set[str]
    ) -> NestedField | None:
        """The live field that an earlier schema of this table knew as `path`, now under another name.

        Field ids are the identity: if the id `path` had before is still in the table under a name the
        template does not use, someone renamed the column (a drop plus an add would have a new id).
        """
        for schema in sorted(self.table.schemas().values(), key=lambda s: s.schema_id, reverse=True):
            if schema.schema_id == self.live_schema.schema_id:
                continue
            try:
                field_id = schema.find_field(path, case_sensitive=True).field_id
            except ValueError:
                continue
            candidate = next((f for f in live.fields if f.field_id == field_id), None)
            if candidate is not None and candidate.name not in taken:
                return candidate
            return None
        return None

    def compare_field(self, expected: NestedField, live: NestedField, path: str) -> None:
        self.new_path_of_id[live.field_id] = path
        self.compare_type(expected.field_type, live.field_type, path)
        self.compare_required(expected.required, live.required, path)
        if (expected.doc or "") != (live.doc or ""):
            self.add(ChangeKind.UPDATE_DOC, path, live.doc or "", expected.doc or "", False,
                     f"update doc of '{path}': {live.doc or ''!r} -> {expected.doc or ''!r}", self.line_for(path))  # fmt: skip

    def compare_required(self, expected: bool, live: bool, path: str) -> None:
        if live and not expected:
            self.add(
                ChangeKind.MAKE_OPTIONAL,
                path,
                True,
                False,
                False,
                f"make '{path}' optional",
                self.line_for(path),
            )
        elif expected and not live:
            self.add(ChangeKind.MAKE_REQUIRED, path, False, True, True,
                     f"make '{path}' required — BREAKING: existing nulls would violate it", self.line_for(path))  # fmt: skip

    def compare_type(self, expected: IcebergType, live: IcebergType, path: str) -> None:
        if isinstance(expected, StructType) and isinstance(live, StructType):
            self.compare_struct(expected, live, f"{path}.")
        elif isinstance(expected, ListType) and isinstance(live, ListType):
            self.compare_required(expected.element_required, live.element_required, f"{path}.element")
            self.compare_type(expected.element_type, live.element_type, f"{path}.element")
        elif isinstance(expected, MapType) and isinstance(live, MapType):
            self.compare_type(expected.key_type, live.key_type, f"{path}.key")
            self.compare_required(expected.value_required, live.value_required, f"{path}.value")
            self.compare_type(expected.value_type, live.value_type, f"{path}.value")
        elif isinstance(expected, PrimitiveType) and isinstance(live, PrimitiveType):
            if expected == live:
                return
            before, after = type_text(live), type_text(expected)
            if _promotable(live, expected):
                self.add(ChangeKind.PROMOTE_TYPE, path, before, after, False, f"promote '{path}' {before} -> {after}",
                         self.line_for(path))  # fmt: skip
            else:
                self.add(ChangeKind.INCOMPATIBLE_TYPE, path, before, after, True,
                         f"change type of '{path}' {before} -> {after} — BREAKING: not an Iceberg type promotion",
                         self.line_for(path))  # fmt: skip
        else:
            before, after = type_text(live), type_text(expected)
            self.add(ChangeKind.INCOMPATIBLE_TYPE, path, before, after, True,
                     f"change type of '{path}' {before} -> {after} — BREAKING: not an Iceberg type promotion",
                     self.line_for(path))  # fmt: skip

    def compare_identifier_fields(self) -> None:
        live_ids = self.live_schema.identifier_field_ids
        before = sorted(
            self.new_path_of_id.get(i, self.live_schema.find_column_name(i) or str(i)) for i in live_ids
        )
        after = sorted(self.spec.identifier_fields)
        if before != after:
            self.add(ChangeKind.SET_IDENTIFIER_FIELDS, "", before, after, False,
                     f"set identifier fields {before or '[]'} -> {after or '[]'}",
                     self.spec.line_of("identifier_fields") or None)  # fmt: skip

    # -- partitioning and sorting ---------------------------------------------------------------
    def source_path(self, source_id: int) -> str:
        return (
            self.new_path_of_id.get(source_id)
            or self.live_schema.find_column_name(source_id)
            or str(source_id)
        )

    def compare_partition_spec(self) -> None:
        live = [
            (self.source_path(f.source_id), str(f.transform), f.name)
            for f in self.table.spec().fields
            if not isinstance(f.transform, VoidTransform)  # a removed field in a v1 table
        ]
        live_by_key = {(column, transform): name for column, transform, name in live}
        expected_keys = set()
        for index, p in enumerate(self.spec.partition_spec):
            key = (p.column, p.transform)
            expected_keys.add(key)
            line = self.spec.line_of("partition_spec", index) or None
            if key not in live_by_key:
                self.add(ChangeKind.ADD_PARTITION_FIELD, p.name, None, p.to_dict(), False,
                         f"add partition field {p.transform}({p.column}) as '{p.name}' (new data only)", line)  # fmt: skip
            elif live_by_key[key] != p.name:
                self.add(ChangeKind.RENAME_PARTITION_FIELD, p.name, live_by_key[key], p.name, False,
                         f"rename partition field '{live_by_key[key]}' to '{p.name}'", line)  # fmt: skip
        for column, transform, name in live:
            if (column, transform) not in expected_keys:
                self.add(ChangeKind.REMOVE_PARTITION_FIELD, name, {"column": column, "transform": transform, "name": name},
                         None, True, f"remove partition field {transform}({column}) '{name}' — BREAKING",
                         self.spec.line_of("partition_spec") or None)  # fmt: skip

    def compare_sort_order(self) -> None:
        live = [
            {
                "column": self.source_path(f.source_id),
                "transform": str(f.transform),
                "direction": "asc" if f.direction == SortDirection.ASC else "desc",
                "null_order": _null_order_text(f.null_order),
            }
            for f in self.table.sort_order().fields
        ]
        expected = [s.to_dict() for s in self.spec.sort_order]
        if live == expected:
            return
        line = self.spec.line_of("sort_order") or None
        text = ", ".join(f"{s['column']} {s['direction']}" for s in expected) or "unsorted"
        if expected[: len(live)] == live:
            self.add(
                ChangeKind.ADD_SORT_FIELD, "", live, expected, False, f"extend sort order to: {text}", line
            )
        else:
            missing = [s["column"] for s in live if s not in expected]
            breaking = bool(missing)
            suffix = f" — BREAKING: removes sort fields {missing}" if breaking else ""
            self.add(
                ChangeKind.REPLACE_SORT_ORDER,
                "",
                live,
                expected,
                breaking,
                f"replace sort order with: {text}{suffix}",
                line,
            )

    # -- properties -----------------------------------------------------------------------------
    def compare_properties(self) -> None:
        live = dict(self.table.properties)
        expected = table_properties(self.spec)
        if self.spec.description or COMMENT_PROPERTY in live:
            expected_comment = self.spec.description
            if live.get(COMMENT_PROPERTY, "") != expected_comment:
                self.add(ChangeKind.UPDATE_DOC, "", live.get(COMMENT_PROPERTY), expected_comment, False,
                         f"update table description -> {expected_comment!r}",
                         self.spec.line_of("description") or None)  # fmt: skip
        wanted_version = expected.pop(FORMAT_VERSION, None)
        current_version = str(self.table.format_version)
        if wanted_version is not None and wanted_version != current_version:
            downgrade = int(wanted_version) < int(current_version)
            self.add(ChangeKind.SET_PROPERTY, FORMAT_VERSION, current_version, wanted_version, downgrade,
                     f"{'downgrade' if downgrade else 'upgrade'} format-version {current_version} -> {wanted_version}"
                     + (" — BREAKING: Iceberg cannot downgrade a table" if downgrade else ""),
                     self.spec.line_of("properties", FORMAT_VERSION) or None)  # fmt: skip
        for key, value in sorted(expected.items()):
            if live.get(key) != value:
                self.add(ChangeKind.SET_PROPERTY, key, live.get(key), value, False,
                         f"set property {key} = {value!r}" + (f" (was {live[key]!r})" if key in live else ""),
                         self.spec.line_of("properties", key) or None)  # fmt: skip
        managed = [k for k in live.get(MANAGED_PROPERTIES_KEY, "").split(",") if k]
        for key in sorted(set(managed) - set(expected) - {FORMAT_VERSION}):
            if key in live:
                self.add(ChangeKind.REMOVE_PROPERTY, key, live[key], None, False,
                         f"remove property {key} (no longer in the template)",
                         self.spec.line_of("properties") or None)  # fmt: skip

    def run(self) -> list[Change]:
        self.compare_struct(self.expected_schema.as_struct(), self.live_schema.as_struct(), "")
        self.compare_identifier_fields()
        self.compare_partition_spec()
        self.compare_sort_order()
        self.compare_properties()
        return self.changes


def diff_table(spec: TableSpec, table: Table | None) -> TablePlan:
    """Classified changes that turn `table` into what `spec` describes (`None`: table missing)."""
    if table is None:
        change = Change(ChangeKind.CREATE_TABLE, "", None, spec.full_name, False,
                        f"create table {spec.full_name} ({len(spec.columns)} columns)",
                        spec.line_of("name") or None)  # fmt: skip
        return TablePlan(spec, False, (change,))
    return TablePlan(spec, True, tuple(_Differ(spec, table).run()))
