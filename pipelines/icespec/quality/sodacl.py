"""SodaCL generated from a TableSpec, merged with the hand-written extras in quality/soda_checks/<table>.yaml.

Every generated check carries a unique `name:`; results are matched back to the check (and to its
kind and column) by that name. Extras keep whatever name Soda gives them and have the kind "extra".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from icespec.errors import SettingsError
from icespec.quality.dialects import DUCKDB, Dialect
from icespec.quality.extras_columns import missing_columns
from icespec.spec import Column, Diagnostic, TableSpec
from icespec.spec.checks import COLUMN_CHECKS

DEFAULT_EXTRAS_DIR = "quality/soda_checks"


def default_extras_dir(base: str | Path | None = None) -> str:
    """Where hand-written SodaCL lives unless told: $ICESPEC_SODA_CHECKS, else quality/soda_checks
    under `base` (the project root; the current folder when None)."""
    from icespec.spec.project import ProjectSettings

    configured = ProjectSettings.read().soda_checks
    if configured:
        return configured
    return str(Path(base) / DEFAULT_EXTRAS_DIR) if base is not None else DEFAULT_EXTRAS_DIR


# Every kind a generated check can have: the table's own, then the column check kinds.
CHECK_KINDS = ("row_count", "schema", "missing", "duplicate", *COLUMN_CHECKS, "freshness", "extra")


class QualityConfigError(SettingsError):
    """A hand-written extras file or a quality setting is wrong; the message names the file and what to do."""


class ExtrasFileError(QualityConfigError):
    """A hand-written extras file Soda could not use; knows its file and line."""

    def __init__(self, path: str | Path, message: str, line: int = 0):
        self.path, self.line, self.problem = str(path), line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, self.line, 1 if self.line else 0, self.problem)


@dataclass(frozen=True)
class GeneratedCheck:
    """One SodaCL check and what it is about, so a result can say which rule of the template failed."""

    name: str  # unique in the table; Soda reports results under it
    kind: str  # one of CHECK_KINDS
    column: str | None  # dotted column path, or None for table-level checks
    entry: Any  # the SodaCL list entry: a string or a one-key mapping
    source: str = "template"  # "template" or the extras file path
    line: int = 0  # where a hand-written check starts in its file
    problem: str | None = None  # why a hand-written check is left out of the scan (it names no column)

    @property
    def key(self) -> str:
        """A stable identifier, usable as a Dagster check name: [a-z0-9_], unique within the table."""
        if self.kind == "extra":
            return f"extra_{slug(self.name)}"
        return slug(f"{self.kind}_{self.column}") if self.column else self.kind


@dataclass(frozen=True)
class CheckSuite:
    """All checks of one table: generated from the spec, then the hand-written extras."""

    spec: TableSpec
    dialect: Dialect
    checks: tuple[GeneratedCheck, ...]
    extras_path: str | None = None
    dataset: str = field(default="")

    def by_name(self, name: str) -> GeneratedCheck | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_sodacl(self) -> str:
        return render(self)


def slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_") or "check"


def _duration(text: str) -> str:
    return text  # the template's 30m / 6h / 1d are SodaCL durations as they are


def _walk_paths(
    columns: tuple[Column, ...], parents: tuple[Column, ...] = ()
) -> Iterator[tuple[str, Column, tuple]]:
    """(dotted path, column, its enclosing struct columns) for every column and struct field."""
    for column in columns:
        path = ".".join([*(p.name for p in parents), column.name])
        yield path, column, parents
        if column.fields:
            yield from _walk_paths(column.fields, (*parents, column))


def _failed_rows(name: str, condition: str) -> dict[str, Any]:
    return {"failed rows": {"name": name, "fail condition": condition}}


def _value_checks(
    path: str, column: Column, nested: tuple[Column, ...], dialect: Dialect
) -> list[GeneratedCheck]:
    """One check per column check kind the column declares (`icespec.spec.checks`): invalid_count on
    top-level columns (Soda's validity machinery, with failed-row samples); a failed-rows condition
    on struct fields, which Soda cannot name."""
    result: list[GeneratedCheck] = []
    for key, kind in COLUMN_CHECKS.items():
        if key not in column.checks:
            continue
        value = column.checks[key]
        name = f"{path} {kind.rule(value)}"
        if not nested:
            validity, setting = kind.soda_validity(value)
            entry: dict[str, Any] = {f"invalid_count({path}) = 0": {"name": name, validity: setting}}
        else:
            entry = _failed_rows(name, f"{path} IS NOT NULL AND {kind.violated(path, value, dialect)}")
        result.append(GeneratedCheck(name, key, path, entry))
    return result


def generate_checks(spec: TableSpec, dialect: Dialect = DUCKDB) -> list[GeneratedCheck]:
    """The checks the template implies, in a stable order."""
    checks: list[GeneratedCheck] = []
    if not spec.allow_empty:
        checks.append(
            GeneratedCheck("table has rows", "row_count", None, {"row_count > 0": {"name": "table has rows"}})
        )
    expected = {c.name: dialect.type_name(c.iceberg_type) for c in spec.columns}
    checks.append(
        GeneratedCheck(
            "schema matches the template",
            "schema",
            None,
            {
                "schema": {
                    "name": "schema matches the template",
                    "fail": {"when mismatching columns": expected},
                }
            },
        )
    )
    for path, column, parents in _walk_paths(spec.columns):
        if column.required:
            name = f"{path} is never null"
            if not parents:
                entry: Any = {f"missing_count({path}) = 0": {"name": name}}
            else:
                # A required struct field may be null only when a struct around it is null.
                present = " AND ".join(
                    f"{'.'.join(p.name for p in parents[: i + 1])} IS NOT NULL" for i in range(len(parents))
                )
                entry = _failed_rows(name, f"{present} AND {path} IS NULL")
            checks.append(GeneratedCheck(name, "missing", path, entry))
        checks.extend(_value_checks(path, column, parents, dialect))
    if spec.identifier_fields:
        keys = list(spec.identifier_fields)
        name = f"({', '.join(keys)}) is unique" if len(keys) > 1 else f"{keys[0]} is unique"
        if all("." not in k for k in keys):
            entry = {f"duplicate_count({', '.join(keys)}) = 0": {"name": name}}
        else:
            # Soda's duplicate_count takes column names only; struct fields need a query of our own.
            aliases = ", ".join(f"{k} AS {slug(k)}" for k in keys)
            entry = {
                "failed rows": {
                    "name": name,
                    "fail query": f"SELECT {aliases}, COUNT(*) AS copies FROM {spec.name} "
                    f"GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1",
                }
            }
        checks.append(GeneratedCheck(name, "duplicate", ",".join(keys), entry))
    if spec.freshness:
        fresh = spec.freshness
        name = f"{fresh.column} is fresh"
        config: dict[str, Any] = {"name": name}
        if fresh.warn_after:
            config["warn"] = f"when > {_duration(fresh.warn_after)}"
        config["fail"] = f"when > {_duration(fresh.fail_after)}"
        checks.append(GeneratedCheck(name, "freshness", fresh.column, {f"freshness({fresh.column})": config}))
    return checks


def extras_path(spec: TableSpec, extras_dir: str | Path | None) -> Path | None:
    if extras_dir is None:
        return None
    for suffix in (".yaml", ".yml"):
        candidate = Path(extras_dir) / f"{spec.name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _entry_name(entry: Any) -> str:
    """The name Soda reports for a check: its `name:` or else its first line."""
    if isinstance(entry, dict):
        (line, config), *_ = entry.items()
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
        if line == "schema":
            return "Schema Check"
        return str(line)
    return str(entry)


def load_extras(spec: TableSpec, path: Path) -> list[GeneratedCheck]:
    """Read hand-written SodaCL for `spec`: only `checks for <table>` sections, each a list of checks."""
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        lines = _entry_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ExtrasFileError(
            path,
            f"not valid YAML ({getattr(exc, 'problem', exc)}): fix the syntax",
            mark.line + 1 if mark else 0,
        ) from exc
    except UnicodeDecodeError as exc:
        raise ExtrasFileError(path, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    except OSError as exc:
        raise ExtrasFileError(path, f"cannot read the file: {exc.strerror}") from exc
    if document is None:
        return []
    header = f"checks for {spec.name}"
    if not isinstance(document, dict):
        raise ExtrasFileError(
            path, f"expected a mapping with the key '{header}:', found {type(document).__name__}"
        )
    extras: list[GeneratedCheck] = []
    for key, entries in document.items():
        if key != header:
            raise ExtrasFileError(
                path,
                f"unexpected section '{key}': this file holds extra checks for table '{spec.name}' only; "
                f"put them under '{header}:'",
            )
        if not isinstance(entries, list):
            raise ExtrasFileError(path, f"'{header}' must be a list of SodaCL checks")
        for index, entry in enumerate(entries, start=1):
            line = lines[index - 1] if index <= len(lines) else 0
            valid = isinstance(entry, str) or (isinstance(entry, dict) and len(entry) == 1)
            if not valid:
                raise ExtrasFileError(
                    path,
                    f"check {index} under '{header}' must be a SodaCL check line or a one-key mapping",
                    line,
                )
            extras.append(
                GeneratedCheck(_entry_name(entry), "extra", None, entry, source=str(path), line=line)
            )
    problems = missing_columns(spec, [check.entry for check in extras])
    return [
        replace(check, problem=problem) if problem else check
        for check, problem in zip(extras, problems, strict=True)
    ]


def _entry_lines(text: str) -> list[int]:
    """The 1-based line of each entry of the document's first section (the only one allowed)."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return []
    entries = root.value[0][1]
    if not isinstance(entries, yaml.SequenceNode):
        return []
    return [node.start_mark.line + 1 for node in entries.value]


def extras_problems(suite: CheckSuite) -> list[Diagnostic]:
    """Every hand-written check left out of the scan, as `PATH:LINE:COL: error:`."""
    return [Diagnostic(c.source, c.line, 1 if c.line else 0, c.problem) for c in suite.checks if c.problem]


def build_suite(
    spec: TableSpec, dialect: Dialect = DUCKDB, extras_dir: str | Path | None = None
) -> CheckSuite:
    """Generated checks plus extras; a name used twice is an error (results are matched by name)."""
    checks = generate_checks(spec, dialect)
    path = extras_path(spec, extras_dir)
    if path is not None:
        checks.extend(load_extras(spec, path))
    seen: dict[str, GeneratedCheck] = {}
    keys: dict[str, GeneratedCheck] = {}
    for check in checks:
        if check.name in seen or check.key in keys:
            other = seen.get(check.name) or keys[check.key]
            raise ExtrasFileError(
                check.source,
                f"check name '{check.name}' is already used by a check from {other.source}: "
                "give the hand-written check a different 'name:'",
                check.line,
            )
        seen[check.name] = check
        keys[check.key] = check
    return CheckSuite(spec, dialect, tuple(checks), str(path) if path else None, dataset=spec.name)


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def render(suite: CheckSuite) -> str:
    """The SodaCL document Soda runs: one `checks for <table>` section."""
    generated = [c.entry for c in suite.checks if c.source == "template"]
    extras = [c.entry for c in suite.checks if c.source != "template" and not c.problem]
    left_out = [c for c in suite.checks if c.problem]
    header = f"checks for {suite.dataset}"
    text = (
        f"# Generated by icespec from {suite.spec.source_path or suite.spec.name} ({suite.dialect.name}); "
        "do not edit — change the template\n"
    )
    text += yaml.dump({header: generated}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    if extras:
        # The extras continue the same list (PyYAML writes block sequences unindented under a key).
        text += f"# Hand-written extras from {suite.extras_path}\n"
        text += yaml.dump(extras, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    for check in left_out:  # one bad column reference would fail Soda's shared query for every check
        text += f"# Left out: {check.source}:{check.line}: '{check.name}': {check.problem}\n"
    return text
