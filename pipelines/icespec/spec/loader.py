"""Validate templates and normalize them into `TableSpec`s — the one place YAML is read.

Two passes per file: the JSON Schema (structure, shared with editors) and the rules a JSON
Schema cannot express (types, references between keys, Iceberg's transform and identifier
rules). Every problem in every file is collected before anything is returned.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from icespec.spec.checks import COLUMN_CHECKS, schema_fragment
from icespec.spec.errors import Diagnostic, SpecError
from icespec.spec.model import (
    DEFAULT_ACCESS_LEVEL,
    MAINTENANCE_ENGINES,
    Column,
    Freshness,
    Maintenance,
    PartitionField,
    SortField,
    TableSpec,
    resolve_path,
)
from icespec.spec.properties import property_value, resolve_property
from icespec.spec.source import PathKey, SourceDocument, read_document
from icespec.spec.types import (
    IcebergType,
    PrimitiveType,
    StructType,
    TypeSyntaxError,
    canonical_type,
    parse_type,
    to_pyiceberg_primitive,
)

SCHEMA_FILE = Path(__file__).with_name("template_schema.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml")
TIME_TRANSFORMS = ("year", "month", "day", "hour")
TEMPORAL_TYPES = ("date", "timestamp", "timestamptz", "timestamp_ns", "timestamptz_ns")
_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400}
MAX_FIELDS_DEPTH = 4  # levels of `fields:` (a column and 4 struct levels): what Terraform's table_spec reads
# Read by `icespec maintain` and by AWS Glue's table optimizers: a typo must fail validation, not maintenance.
WHOLE_NUMBER_PROPERTIES = (
    "history.expire.max-snapshot-age-ms",
    "history.expire.min-snapshots-to-keep",
    "history.expire.max-ref-age-ms",
    "write.target-file-size-bytes",
)
MIN_ORPHAN_AGE_SECONDS = 3600  # an orphan younger than this may belong to a commit in flight
# A cron expression as Dagster takes it: five fields, or one of its @ shortcuts.
_CRON = re.compile(r"^(@(hourly|daily|weekly|monthly)|([0-9A-Za-z*/,?\-]+\s+){4}[0-9A-Za-z*/,?\-]+)$")
MAX_DURATION_DAYS = 36_500  # freshness durations up to 100 years
MAX_TRANSFORM_WIDTH = 2**31 - 1  # bucket[N] and truncate[W] are 32-bit ints in Iceberg


@cache
def template_schema() -> dict[str, Any]:
    """The templates' JSON Schema: the packaged file, with one property per column check kind."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema["$defs"]["column_checks"] = schema_fragment()
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(template_schema())


def is_template(path: Path) -> bool:
    return path.suffix in TEMPLATE_SUFFIXES and not path.name.startswith(("_", "."))


def _hidden(relative: Path) -> bool:
    """A folder (or file) whose name starts with `_` or `.` is not read (drafts, .git, ...)."""
    return any(part.startswith(("_", ".")) for part in relative.parts)


def discover_templates(paths: Iterable[str | Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Expand files and folders (subfolders included: one per namespace is common) into template
    files, as absolute paths in a stable order; a missing path is a diagnostic."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw).absolute()
        if path.is_dir():
            nested = (p for p in path.rglob("*") if p.is_file() and is_template(p))
            found.extend(sorted(p for p in nested if not _hidden(p.relative_to(path))))
        elif path.is_file():
            found.append(path)
        else:
            problems.append(
                Diagnostic(str(path), 0, 0, "no such file or folder: check the path (or --templates)")
            )
    return found, problems


def _duration_seconds(text: str) -> int:
    return int(text[:-1]) * _DURATION_UNITS[text[-1]]


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


_JSON_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _describe_value(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}" if not isinstance(value, str) else f"the string {value!r}"


class _TemplateReader:
    """Validates one parsed document and builds its TableSpec when it is valid."""

    def __init__(self, doc: SourceDocument):
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.problems: list[Diagnostic] = []

    # -- reporting -------------------------------------------------------------------------
    def error(self, path: PathKey, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.diagnostic(path, message, key=key))

    def where(self, path: PathKey) -> str:
        """A human name for a place: `column 'address.city'`, `partition_spec item 2`, ..."""
        node: Any = self.data
        names: list[str] = []
        label = ""
        for index, part in enumerate(path):
            parent_key = path[index - 1] if index else None
            node = _child(node, part)
            if isinstance(part, int):
                if (
                    parent_key in ("columns", "fields")
                    and isinstance(node, dict)
                    and isinstance(node.get("name"), str)
                ):
                    names.append(node["name"])
                    label = f"column '{'.'.join(names)}'"
                elif parent_key in ("partition_spec", "sort_order", "identifier_fields"):
                    label = f"{parent_key} item {part + 1}"
                else:
                    label = f"{label} item {part + 1}".strip()
            elif (
                part not in ("columns", "fields", "partition_spec", "sort_order", "identifier_fields")
                or index == len(path) - 1
            ):
                label = f"{label} {part}".strip()
        return label or "the template"

    def schema_error(self, error: jsonschema.ValidationError) -> None:
        path = tuple(error.absolute_path)
        kind = error.validator
        here = self.where(path)
        if kind == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for extra in [k for k in error.instance if k not in allowed]:
                self.error(
                    (*path, extra),
                    f"unknown key '{extra}'{_did_you_mean(extra, allowed)} (allowed here: {', '.join(allowed)})",
                    key=True,
                )
        elif kind == "required" and isinstance(error.instance, dict):
            for missing in [k for k in error.validator_value if k not in error.instance]:
                self.error(path, f"{here} is missing the required key '{missing}'")
        elif kind == "type":
            expected = (
                error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            )
            wanted = " or ".join(_JSON_TYPE_NAMES.get(str(t), str(t)) for t in expected)
            self.error(path, f"{here} must be {wanted}, not {_describe_value(error.instance)}")
        elif kind == "enum":
            options = [str(o) for o in error.validator_value]
            self.error(
                path,
                f"{here}: '{error.instance}' is not one of {', '.join(options)}"
                f"{_did_you_mean(str(error.instance), options)}",
            )
        elif kind == "pattern":
            hint = error.schema.get("x-hint", f"match {error.validator_value}")
            self.error(path, f"{here}: '{error.instance}' is not valid: {hint}")
        elif kind in ("minItems", "minLength"):
            self.error(path, f"{here} must not be empty")
        elif kind == "maxLength":
            self.error(path, f"{here} is longer than {error.validator_value} characters: shorten it")
        elif kind == "minimum":
            self.error(path, f"{here} must be at least {error.validator_value}")
        else:  # pragma: no cover - kept for schema keywords added later
            self.error(path, f"{here}: {error.message}")

    # -- the whole template ------------------------------------------------------------------
    def read(self) -> TableSpec | None:
        for error in _validator().iter_errors(self.data):
            self.schema_error(error)
        structurally_valid = not self.problems
        data = self.data
        name, namespace = data.get("name"), data.get("namespace")
        stem = self.doc.path.stem
        if isinstance(name, str) and name != stem:
            self.error(
                ("name",),
                f"name '{name}' does not match the file name '{self.doc.path.name}': "
                f"rename the file to '{name}{self.doc.path.suffix}' or set name: {stem}",
            )
        raw_columns = data.get("columns")
        columns = self.columns(raw_columns, ("columns",), None) if isinstance(raw_columns, list) else None
        if columns is None:
            return None
        identifier_fields = self.identifier_fields(columns)
        partition_spec = self.partition_spec(columns)
        sort_order = self.sort_order(columns)
        properties = self.properties()
        self.nanosecond_types_need_v3(columns, properties.get("format-version", "2"))
        freshness = self.freshness(columns)
        maintenance = self.maintenance()
        if (
            self.problems
            or not structurally_valid
            or not isinstance(name, str)
            or not isinstance(namespace, str)
        ):
            return None
        return TableSpec(
            name=name,
            namespace=namespace,
            columns=tuple(columns),
            description=data.get("description", ""),
            owner=data.get("owner"),
            identifier_fields=tuple(identifier_fields),
            partition_spec=tuple(partition_spec),
            sort_order=tuple(sort_order),
            properties=MappingProxyType(properties),
            tags=MappingProxyType({str(k): property_value(v) for k, v in (data.get("tags") or {}).items()}),
            allow_empty=data.get("allow_empty", False),
            freshness=freshness,
            maintenance=maintenance,
            source_path=str(self.doc.path),
            lines=MappingProxyType(self.line_index()),
        )

    def line_index(self) -> dict[str, int]:
        """Line of every key path; properties also under their Iceberg name, whatever alias the YAML used."""
        lines = {".".join(str(p) for p in path): line for path, (line, _) in self.doc.value_positions.items()}
        for key in self.data.get("properties") or {}:
            name, _ = resolve_property(key)
            if name and name != key:
                lines.setdefault(f"properties.{name}", lines[f"properties.{key}"])
        return lines

    # -- columns -------------------------------------------------------------------------------
    def columns(self, raw: list[Any], path: PathKey, parent_access: str | None) -> list[Column] | None:
        built: list[Column] = []
        seen: dict[str, int] = {}
        ok = True
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                ok = False
                continue
            name = item.get("name")
            if isinstance(name, str):
                if name.lower() in seen:
                    first = raw[seen[name.lower()]]["name"]
                    line = self.doc.position((*path, seen[name.lower()]))[0]
                    same = "" if first == name else f" '{first}' (names are compared ignoring case)"
                    self.error(
                        (*path, index, "name"),
                        f"duplicate column name '{name}': the same name{same} is already used at line {line}; "
                        "rename one of them",
                    )
                else:
                    seen[name.lower()] = index
            column = self.column(item, (*path, index), parent_access)
            if column is None:
                ok = False
            else:
                built.append(column)
        renames = {c.renamed_from: c for c in built if c.renamed_from}
        for index, column in enumerate(built):
            if column.renamed_from is None:
                continue
            where = (*path, index, "renamed_from")
            if column.renamed_from.lower() == column.name.lower():
                self.error(where, f"column '{column.name}' is renamed from itself: remove 'renamed_from'")
                ok = False
            elif column.renamed_from.lower() in seen:
                self.error(
                    where,
                    f"column '{column.name}' says renamed_from '{column.renamed_from}', but a column of that name "
                    "still exists: remove 'renamed_from' or rename that column too",
                )
                ok = False
            elif renames.get(column.renamed_from) is not column:
                self.error(where, f"two columns are renamed from '{column.renamed_from}': keep one")
                ok = False
        return built if ok else None

    def column(self, raw: dict[str, Any], path: PathKey, parent_access: str | None) -> Column | None:
        name = raw.get("name")
        if not isinstance(name, str):
            return None
        type_text = raw.get("type")
        raw_fields = raw.get("fields")
        access = raw.get("access_level", parent_access or DEFAULT_ACCESS_LEVEL)
        fields: tuple[Column, ...] | None = None
        iceberg_type: IcebergType | None = None
        if raw_fields is not None:
            if type_text not in (None, "struct"):
                self.error(
                    (*path, "type"),
                    f"column '{name}' lists 'fields', so its type is 'struct': set type: struct or remove 'type'",
                )
                return None
            if not isinstance(raw_fields, list):
                return None
            depth = sum(1 for part in path if part == "fields") + 1
            if depth > MAX_FIELDS_DEPTH:
                self.error(
                    (*path, "fields"),
                    f"column '{name}' nests 'fields' {depth} levels deep; templates allow {MAX_FIELDS_DEPTH} "
                    "(what Terraform's table_spec module reads): flatten it or use a struct<...> type",
                )
                return None
            children = self.columns(raw_fields, (*path, "fields"), access)
            if children is None:
                return None
            fields = tuple(children)
            canonical = "struct"
        elif type_text is None:
            self.error(path, f"column '{name}' needs a 'type' (e.g. type: string) or a list of 'fields'")
            return None
        elif not isinstance(type_text, str):
            return None  # the schema pass reported it
        elif canonical_type(type_text) == "struct":
            self.error(
                (*path, "type"),
                f"column '{name}' is a struct without fields: write struct<name: type, ...> or list its 'fields'",
            )
            return None
        else:
            try:
                iceberg_type = parse_type(type_text)
            except TypeSyntaxError as exc:
                self.error((*path, "type"), f"column '{name}': {exc}")
                return None
            canonical = canonical_type(type_text)
        pii = raw.get("pii", False)
        if pii is True and access == "public":
            self.error(
                (*path, "access_level") if "access_level" in raw else (*path, "pii"),
                f"column '{name}' is pii but its access_level is public: "
                "set access_level: internal or restricted (or pii: false if it holds no personal data)",
            )
        checks = raw.get("checks") or {}
        if isinstance(checks, dict) and iceberg_type is not None:
            self.column_checks(name, iceberg_type, checks, (*path, "checks"))
        if not all(isinstance(raw.get(k, False), bool) for k in ("required", "pii")):
            return None
        if not isinstance(access, str) or not isinstance(checks, dict):
            return None
        renamed_from = raw.get("renamed_from")
        return Column(
            name=name,
            type=canonical,
            required=raw.get("required", False),
            description=raw.get("description", "") if isinstance(raw.get("description", ""), str) else "",
            pii=pii,
            access_level=access,
            renamed_from=renamed_from if isinstance(renamed_from, str) else None,
            checks=MappingProxyType(dict(checks)),
            fields=fields,
            line=self.doc.position(path)[0],
        )

    def column_checks(
        self, name: str, iceberg_type: IcebergType, checks: dict[str, Any], path: PathKey
    ) -> None:
        """Each check kind's own rules (`icespec.spec.checks`). Unknown keys and values of the wrong
        shape are the template schema's errors, already reported: a kind sees only values its schema allows."""
        for key, value in checks.items():
            kind = COLUMN_CHECKS.get(key)
            if kind is None or not kind.accepts(value):
                continue
            if not kind.applies_to(iceberg_type):
                self.error(
                    (*path, key), f"column '{name}': '{key}' needs {kind.columns_text}, not {iceberg_type}"
                )
            for problem in kind.value_problems(value, checks):
                self.error((*path, key), f"column '{name}': {problem}")

    # -- references to columns -----------------------------------------------------------------
    def column_paths(self, columns: list[Column]) -> list[str]:
        paths: list[str] = []

        def visit(prefix: str, t: IcebergType) -> None:
            if isinstance(t, StructType):
                for f in t.fields:
                    paths.append(f"{prefix}.{f.name}")
                    visit(f"{prefix}.{f.name}", f.type)

        for c in columns:
            paths.append(c.name)
            visit(c.name, c.iceberg_type)
        return paths

    def reference(self, columns: list[Column], dotted: str, path: PathKey, role: str) -> PrimitiveType | None:
        resolved = resolve_path(columns, dotted)
        status, t = resolved.status, resolved.type
        if status == "missing":
            self.error(
                path,
                f"{role} column '{dotted}' does not exist{_did_you_mean(dotted, self.column_paths(columns))}",
            )
            return None
        if status == "in_collection":
            self.error(
                path, f"{role} column '{dotted}' is inside a list or map: use a column or a struct field"
            )
            return None
        if not isinstance(t, PrimitiveType):
            self.error(path, f"{role} column '{dotted}' is a {t}: use a primitive column or struct field")
            return None
        return t

    def identifier_fields(self, columns: list[Column]) -> list[str]:
        raw = self.data.get("identifier_fields") or []
        result: list[str] = []
        for index, dotted in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(dotted, str):
                continue
            path = ("identifier_fields", index)
            if dotted in result:
                self.error(path, f"identifier field '{dotted}' is listed twice: keep one")
                continue
            t = self.reference(columns, dotted, path, "identifier")
            if t is None:
                continue
            if not all(resolve_path(columns, dotted).required):
                self.error(
                    path,
                    f"identifier field '{dotted}' must be required (with every struct around it): "
                    "set required: true on it",
                )
            if t.name in ("float", "double"):
                self.error(
                    path,
                    f"identifier field '{dotted}' is a {t.name}: Iceberg does not allow float or double keys",
                )
            result.append(dotted)
        return result

    def transform_width_ok(self, transform: str, path: PathKey) -> bool:
        """bucket[N] / truncate[W]: N and W are 32-bit ints in Iceberg (and 0 buckets mean nothing)."""
        width = re.fullmatch(r"(bucket|truncate)\[(\d+)\]", transform)
        if width and not 1 <= int(width.group(2)) <= MAX_TRANSFORM_WIDTH:
            self.error(
                (*path, "transform"),
                f"transform '{transform}': {width.group(1)} takes 1 to {MAX_TRANSFORM_WIDTH}, not {width.group(2)}",
            )
            return False
        return True

    def transform_fits(self, transform: str, t: PrimitiveType) -> bool:
        """Iceberg's own rules (pyiceberg's can_transform); malformed transforms were reported already."""
        from pyiceberg.transforms import parse_transform

        if not re.match(template_schema()["$defs"]["transform"]["pattern"], transform):
            return True
        return parse_transform(transform).can_transform(to_pyiceberg_primitive(t))

    def partition_spec(self, columns: list[Column]) -> list[PartitionField]:
        raw = self.data.get("partition_spec") or []
        result: list[PartitionField] = []
        time_transform_of: dict[str, str] = {}
        top_names = {c.name for c in columns}
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("column"), str):
                continue
            path = ("partition_spec", index)
            dotted, transform = item["column"], item.get("transform", "identity")
            if not isinstance(transform, str):
                continue
            t = self.reference(columns, dotted, (*path, "column"), "partition")
            if t is None or not self.transform_width_ok(transform, path):
                continue
            if not self.transform_fits(transform, t):
                self.error(
                    (*path, "transform"),
                    f"transform '{transform}' cannot partition '{dotted}' of type {t}: "
                    f"{_transform_advice(transform)}",
                )
                continue
            base = transform.split("[")[0]
            if base in TIME_TRANSFORMS:
                if dotted in time_transform_of:
                    self.error(
                        (*path, "transform"),
                        f"'{dotted}' is already partitioned by {time_transform_of[dotted]}: a second time "
                        f"transform ({transform}) is redundant in Iceberg — keep the finer one",
                    )
                    continue
                time_transform_of[dotted] = transform
            default = _default_partition_name(dotted, transform)
            name = item.get("name", default)
            if any(p.column == dotted and p.transform == transform for p in result):
                self.error(path, f"partition field {transform}({dotted}) is listed twice: keep one")
                continue
            if any(p.name == name for p in result):
                self.error((*path, "name"), f"partition field name '{name}' is used twice: give one a 'name'")
                continue
            if name in top_names and not (transform == "identity" and name == dotted):
                self.error(
                    (*path, "name") if "name" in item else path,
                    f"partition field name '{name}' is also a column name: set another 'name' for it",
                )
                continue
            result.append(PartitionField(column=dotted, transform=transform, name=name))
        return result

    def sort_order(self, columns: list[Column]) -> list[SortField]:
        raw = self.data.get("sort_order") or []
        result: list[SortField] = []
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("column"), str):
                continue
            path = ("sort_order", index)
            dotted = item["column"]
            transform = item.get("transform", "identity")
            direction = item.get("direction", "asc")
            if not all(isinstance(v, str) for v in (transform, direction)):
                continue
            null_order = item.get("null_order", "nulls_first" if direction == "asc" else "nulls_last")
            t = self.reference(columns, dotted, (*path, "column"), "sort")
            if t is None or not self.transform_width_ok(transform, path):
                continue
            if not self.transform_fits(transform, t):
                self.error(
                    (*path, "transform"),
                    f"transform '{transform}' cannot sort '{dotted}' of type {t}: {_transform_advice(transform)}",
                )
                continue
            if any(s.column == dotted and s.transform == transform for s in result):
                self.error(path, f"sort field '{dotted}' is listed twice: keep one")
                continue
            result.append(
                SortField(column=dotted, transform=transform, direction=direction, null_order=null_order)
            )
        return result

    def properties(self) -> dict[str, str]:
        raw = self.data.get("properties") or {}
        result: dict[str, str] = {}
        origin: dict[str, str] = {}
        for key, value in (raw if isinstance(raw, dict) else {}).items():
            path = ("properties", key)
            name, problem = resolve_property(key)
            if problem or name is None:
                self.error(path, problem or f"unknown property '{key}'", key=True)
                continue
            if name in result:
                self.error(path, f"'{key}' and '{origin[name]}' both set {name}: keep one", key=True)
                continue
            text = property_value(value)
            if name == "format-version" and text not in ("1", "2", "3"):
                self.error(path, f"format-version {text} does not exist: use 1, 2 or 3")
            if name in WHOLE_NUMBER_PROPERTIES and not (text.isdigit() and int(text) >= 1):
                self.error(path, f"{name} '{text}' must be a whole number, 1 or more (maintenance reads it)")
            if name == "write.format.default" and text.lower() != "parquet":
                self.error(path, f"icespec writes Parquet files; '{text}' is not supported: use parquet")
            result[name] = text
            origin[name] = key
        return result

    def nanosecond_types_need_v3(self, columns: list[Column], format_version: str) -> None:
        """Iceberg added timestamp_ns/timestamptz_ns in format version 3 (pyiceberg enforces it at create)."""
        if format_version == "3":
            return
        for index, column in enumerate(columns):
            for path, nested in _walk_with_paths(column, ("columns", index)):
                if nested.fields is None and re.search(r"\btimestamp(tz)?_ns\b", nested.type):
                    self.error(
                        (*path, "type"),
                        f"column '{nested.name}' uses a nanosecond timestamp, which needs Iceberg format "
                        "version 3: set properties: {format-version: 3} (or use timestamp/timestamptz)",
                    )

    def freshness(self, columns: list[Column]) -> Freshness | None:
        raw = self.data.get("freshness")
        if not isinstance(raw, dict) or not isinstance(raw.get("column"), str):
            return None
        dotted = raw["column"]
        t = self.reference(columns, dotted, ("freshness", "column"), "freshness")
        if t is not None and t.name not in TEMPORAL_TYPES:
            self.error(
                ("freshness", "column"),
                f"freshness column '{dotted}' is a {t}: use a date or timestamp column",
            )
        warn, fail = raw.get("warn_after"), raw.get("fail_after")
        valid = re.compile(r"^[1-9][0-9]*[mhd]$")
        durations_valid = (
            isinstance(warn, str) and isinstance(fail, str) and valid.match(warn) and valid.match(fail)
        )
        for key, value in (("warn_after", warn), ("fail_after", fail)):
            if (
                isinstance(value, str)
                and valid.match(value)
                and _duration_seconds(value) > MAX_DURATION_DAYS * 86400
            ):
                self.error(
                    ("freshness", key), f"freshness {key} {value} is longer than {MAX_DURATION_DAYS} days"
                )
                durations_valid = False
        if (
            durations_valid
            and isinstance(warn, str)
            and isinstance(fail, str)
            and _duration_seconds(warn) >= _duration_seconds(fail)
        ):
            self.error(
                ("freshness", "warn_after"),
                f"freshness warn_after {warn} must be shorter than fail_after {fail}",
            )
        if not isinstance(fail, str):
            return None
        return Freshness(column=dotted, fail_after=fail, warn_after=warn if isinstance(warn, str) else None)

    def maintenance(self) -> Maintenance:
        """The `maintenance:` section with Iceberg's and icespec's defaults for what it leaves out.

        The JSON Schema checks types and the engine; this checks what a pattern cannot."""
        raw = self.data.get("maintenance")
        if not isinstance(raw, dict):
            return Maintenance()
        defaults = Maintenance()
        schedule = raw.get("schedule", defaults.schedule)
        if isinstance(schedule, str) and not _CRON.match(schedule.strip()):
            self.error(
                ("maintenance", "schedule"),
                f"maintenance schedule '{schedule}' is not a cron expression: write five fields "
                "(minute hour day-of-month month day-of-week, e.g. '0 3 * * *') or @hourly, @daily, @weekly, @monthly",
            )
        older = raw.get("orphan_older_than", defaults.orphan_older_than)
        if isinstance(older, str) and re.match(r"^[1-9][0-9]*[mhd]$", older):
            seconds = _duration_seconds(older)
            if seconds < MIN_ORPHAN_AGE_SECONDS:
                self.error(
                    ("maintenance", "orphan_older_than"),
                    f"maintenance orphan_older_than {older} is shorter than 1h: a write still in flight "
                    "has files no metadata references yet, and removing them breaks its commit; use 1h "
                    "or more (default 3d)",
                )
            elif seconds > MAX_DURATION_DAYS * 86400:
                self.error(
                    ("maintenance", "orphan_older_than"),
                    f"maintenance orphan_older_than {older} is longer than {MAX_DURATION_DAYS} days",
                )
        return Maintenance(
            schedule=schedule.strip() if isinstance(schedule, str) else defaults.schedule,
            compact=raw.get("compact", defaults.compact) is True,
            orphan_older_than=older if isinstance(older, str) else defaults.orphan_older_than,
            engine=engine if (engine := raw.get("engine")) in MAINTENANCE_ENGINES else defaults.engine,
        )


def _walk_with_paths(column: Column, path: PathKey) -> Iterator[tuple[PathKey, Column]]:
    yield path, column
    for index, child in enumerate(column.fields or ()):
        yield from _walk_with_paths(child, (*path, "fields", index))


def _child(node: Any, part: str | int) -> Any:
    """node[part] in the parsed YAML, or None when it is not there."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _default_partition_name(column: str, transform: str) -> str:
    """pyiceberg's own naming (its _PartitionNameGenerator), so Terraform and Python agree."""
    base = transform.split("[")[0]
    if base == "identity":
        return column
    if base == "bucket":
        return f"{column}_bucket_{transform[7:-1]}"
    if base == "truncate":
        return f"{column}_trunc_{transform[9:-1]}"
    if base == "void":
        return f"{column}_null"
    return f"{column}_{base}"


def _transform_advice(transform: str) -> str:
    base = transform.split("[")[0]
    return {
        "year": "year, month and day need a date or timestamp column",
        "month": "year, month and day need a date or timestamp column",
        "day": "year, month and day need a date or timestamp column",
        "hour": "hour needs a timestamp column (use day for a date)",
        "bucket": "bucket needs an int, long, decimal, date, time, timestamp, string, uuid, fixed or binary column",
        "truncate": "truncate needs an int, long, decimal, string or binary column (use day or hour for timestamps)",
    }.get(base, "pick a transform that fits the column's type")


def read_template(path: str | Path, text: str | None = None) -> tuple[TableSpec | None, list[Diagnostic]]:
    """Validate one template (no cross-file rules). Returns (spec or None, problems)."""
    doc, problems = read_document(Path(path), text)
    if doc is None:
        return None, problems
    reader = _TemplateReader(doc)
    spec = reader.read()
    return spec, reader.problems


def validate_paths(paths: Iterable[str | Path]) -> tuple[list[TableSpec], list[Diagnostic]]:
    """Validate every template under `paths`, including rules across files."""
    files, problems = discover_templates(paths)
    specs: list[TableSpec] = []
    by_identifier: dict[tuple[str, str], TableSpec] = {}
    by_stem: dict[str, TableSpec] = {}
    for file in files:
        spec, file_problems = read_template(file)
        problems.extend(file_problems)
        if spec is None:
            continue
        other = by_identifier.get(spec.identifier)
        same_file_name = by_stem.get(file.stem)
        if other is None and same_file_name is not None:
            # A file's name is its table's name, and Terraform's table_spec keys tables by it.
            problems.append(
                Diagnostic(
                    str(file),
                    0,
                    0,
                    f"another template is also named {file.name} ({same_file_name.source_path}): "
                    "template file names are unique across subfolders; rename one (and its name:)",
                )
            )
            continue
        if other is not None:
            problems.append(
                Diagnostic(
                    str(file),
                    spec.line_of("name") or 1,
                    1,
                    f"table '{spec.full_name}' is also defined in {other.source_path}:{other.line_of('name') or 1}: "
                    "give one of them another name or namespace",
                )
            )
            continue
        by_identifier[spec.identifier] = spec
        by_stem[file.stem] = spec
        specs.append(spec)
    return specs, sorted(problems)


def load_spec(path: str | Path) -> TableSpec:
    """Load one template, raising SpecError with every problem found."""
    spec, problems = read_template(path)
    if problems or spec is None:
        raise SpecError(problems)
    return spec


def load_specs(paths: Iterable[str | Path]) -> list[TableSpec]:
    """Load every template under files/folders, raising SpecError if any is invalid."""
    specs, problems = validate_paths(paths)
    if problems:
        raise SpecError(problems)
    return specs


def parse_spec(text: str, filename: str = "template.yaml") -> TableSpec:
    """Validate YAML text as if it were the file `filename` (used by tests and tools)."""
    spec, problems = read_template(Path(filename), text)
    if problems or spec is None:
        raise SpecError(problems)
    return spec
