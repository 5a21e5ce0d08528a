"""What a plan is made of, named once for every backend: the kinds of change, a change, a table's plan.

A `ChangeKind` carries what the rest of icespec needs to know about a kind: the template section to
edit, whether it changes the table's schema, whether it is always breaking, whether it is an access
governance change (applied after the commit, never breaking), and how drift words it ("what is
live against what the template says"). The diff engines (`icespec.tables.diff` for the Iceberg
catalogs, `icespec.gcp.backend` for BigQuery) emit these kinds; `Change` refuses any other.

`ChangeKind` is a `StrEnum`: a kind compares equal to its name and serializes as it (JSON, Dagster
metadata, alerts), so `change.kind == "add_column"` and `--json` output keep their form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from icespec.spec import TableSpec


def _field(value: object) -> str:
    if isinstance(value, dict) and "transform" in value:
        return f"{value['transform']}({value['column']})"
    if isinstance(value, dict) and "type" in value:
        return str(value["type"])
    return str(value)


def _order(fields: object) -> str:
    if not fields or not isinstance(fields, list | tuple):
        return "unsorted"
    return ", ".join(f"{f['column']} {f['direction']} {f['null_order']}" for f in fields)


def _tags(tags: object) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items()) if isinstance(tags, dict) and tags else "none"


def _list(values: object) -> str:
    return ", ".join(map(str, values)) if isinstance(values, list | tuple) and values else "none"


_RENDERERS: dict[str, Callable[[object], str]] = {"plain": str, "repr": repr, "field": _field, "order": _order,
                                                   "tags": _tags, "list": _list}  # fmt: skip


class ChangeKind(StrEnum):
    """A kind of difference between a template and a live table."""

    section: str
    drift: str
    render: str
    schema: bool
    always_breaking: bool
    governance: bool

    def __new__(
        cls, value: str, section: str, drift: str, render: str = "plain", flags: str = ""
    ) -> ChangeKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.section = section  # the template key to edit when a change has no line of its own
        member.drift = drift  # str.format template over path, what, before, after
        member.render = render  # how `before` and `after` are shown in `drift` (a key of _RENDERERS)
        unknown = set(flags.split()) - {"schema", "always_breaking", "governance"}
        if unknown:
            raise ValueError(f"{value}: unknown flags {sorted(unknown)}")
        member.schema = "schema" in flags.split()
        member.always_breaking = "always_breaking" in flags.split()
        member.governance = "governance" in flags.split()
        return member

    CREATE_TABLE = ("create_table", "name", "the table is in the templates but not in the catalog")
    ADD_COLUMN = (
        "add_column",
        "columns",
        "column '{path}' {after} is in the template but not in the live table",
        "field",
        "schema",
    )
    RENAME_COLUMN = (
        "rename_column",
        "columns",
        "column '{before}' is live; the template renames it to '{after}'",
        "plain",
        "schema",
    )
    PROMOTE_TYPE = (
        "promote_type",
        "columns",
        "type of '{path}' is {before} live, {after} in the template",
        "plain",
        "schema",
    )
    MAKE_OPTIONAL = (
        "make_optional",
        "columns",
        "'{path}' is required live, optional in the template",
        "plain",
        "schema",
    )
    UPDATE_DOC = (
        "update_doc",
        "columns",
        "description of {what} is {before} live, {after} in the template",
        "repr",
        "schema",
    )
    SET_IDENTIFIER_FIELDS = (
        "set_identifier_fields",
        "identifier_fields",
        "identifier fields are {before} live, {after} in the template",
        "plain",
        "schema",
    )
    ADD_PARTITION_FIELD = (
        "add_partition_field",
        "partition_spec",
        "partition field '{path}' {after} is in the template, not live",
        "field",
    )
    RENAME_PARTITION_FIELD = (
        "rename_partition_field",
        "partition_spec",
        "partition field '{before}' is live; the template names it '{after}'",
    )
    REMOVE_PARTITION_FIELD = (
        "remove_partition_field",
        "partition_spec",
        "live partition field '{path}' {before} is not in the template",
        "field",
    )
    ADD_SORT_FIELD = (
        "add_sort_field",
        "sort_order",
        "sort order is {before} live, {after} in the template",
        "order",
    )
    REPLACE_SORT_ORDER = (
        "replace_sort_order",
        "sort_order",
        "sort order is {before} live, {after} in the template",
        "order",
    )
    SET_PROPERTY = (
        "set_property",
        "properties",
        "property {path} is {before} live, {after} in the template",
        "repr",
    )
    REMOVE_PROPERTY = (
        "remove_property",
        "properties",
        "property {path} = {before} is live but no longer in the template",
        "repr",
    )
    DROP_COLUMN = (
        "drop_column",
        "columns",
        "live column '{path}' {before} is not in the template",
        "plain",
        "schema always_breaking",
    )
    INCOMPATIBLE_TYPE = (
        "incompatible_type",
        "columns",
        "type of '{path}' is {before} live, {after} in the template",
        "plain",
        "schema always_breaking",
    )
    MAKE_REQUIRED = (
        "make_required",
        "columns",
        "'{path}' is optional live, required in the template",
        "plain",
        "schema always_breaking",
    )
    # Access governance: column Lake Formation tags (aws-glue) and BigQuery policy tags.
    SET_COLUMN_TAGS = (
        "set_column_tags",
        "columns",
        "Lake Formation tags of column '{path}' are {before} live, {after} in the template",
        "tags",
        "governance",
    )
    REMOVE_COLUMN_TAGS = (
        "remove_column_tags",
        "columns",
        "column '{path}' carries Lake Formation tags {before} but no template describes it",
        "tags",
        "governance",
    )
    SET_POLICY_TAG = (
        "set_policy_tag",
        "columns",
        "policy tags of column '{path}' are {before} live, {after} in the template",
        "list",
        "governance",
    )
    # Only BigQuery's tables have these.
    SET_CLUSTERING = (
        "set_clustering",
        "partition_spec",
        "clustering is {before} live, {after} in the template",
        "list",
    )
    INCOMPATIBLE_TABLE_FORMAT = ("incompatible_table_format", "name",
                                 "the live table is a {before}, the template describes a {after}", "plain",
                                 "always_breaking")  # fmt: skip

    @classmethod
    def of(cls, name: str) -> ChangeKind:
        """The kind called `name` (a ValueError naming it when there is none)."""
        found = cls._value2member_map_.get(str(name))
        if not isinstance(found, ChangeKind):
            raise ValueError(f"{name!r} is not a ChangeKind")
        return found

    def describe_drift(self, change: Change) -> str:
        """The difference as drift reads it: what is live against what the template says."""
        show = _RENDERERS[self.render]
        what = f"'{change.path}'" if change.path else "the table"
        try:
            return self.drift.format(
                path=change.path, what=what, before=show(change.before), after=show(change.after)
            )
        except (
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
        ):  # an unexpected value shape: the engine's words
            return change.message


SCHEMA_KINDS = frozenset(k for k in ChangeKind if k.schema)
GOVERNANCE_KINDS = tuple(k for k in ChangeKind if k.governance)


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str  # column path ("address.city"), property key, or "" for table-level
    before: Any  # JSON-able
    after: Any  # JSON-able
    breaking: bool
    message: str  # what `apply` would do
    yaml_line: int | None = None
    data_impact: str | None = None  # what happens to the rows already in the table (plan, CLI)

    def __post_init__(self) -> None:
        kind = ChangeKind.of(self.kind)  # a kind no backend knows is a bug: ValueError here
        object.__setattr__(self, "kind", kind)
        if kind.always_breaking and not self.breaking:
            raise ValueError(f"a {kind} change is always breaking ({self.path or 'the table'})")

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["kind"] = str(self.kind)
        return document


@dataclass(frozen=True)
class TablePlan:
    spec: TableSpec
    exists: bool
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()  # e.g. why the governance comparison was skipped

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def has_breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    @property
    def breaking_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.spec.full_name,
            "namespace": self.spec.namespace,
            "name": self.spec.name,
            "template": self.spec.source_path,
            "exists": self.exists,
            "has_changes": self.has_changes,
            "has_breaking": self.has_breaking,
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }
