"""Rules across files, type strings, property aliases, and the validate/inspect commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyiceberg.transforms import parse_transform

from icespec.spec import load_specs, parse_spec, read_template, validate_paths
from icespec.spec.properties import PROPERTY_ALIASES, resolve_property
from icespec.spec.types import (
    PRIMITIVES,
    PrimitiveType,
    TypeSyntaxError,
    canonical_type,
    parse_type,
    to_pyiceberg_primitive,
)

REPO = Path(__file__).resolve().parents[2]
MINIMAL = "name: {name}\nnamespace: {namespace}\ncolumns:\n  - {{name: id, type: long}}\n"


def icespec(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "icespec", *args], capture_output=True, text=True, cwd=cwd)


def test_two_templates_with_the_same_namespace_and_name_are_rejected(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "orders.yaml").write_text(MINIMAL.format(name="orders", namespace="sales"))
    (tmp_path / "b" / "orders.yaml").write_text(MINIMAL.format(name="orders", namespace="sales"))
    specs, problems = validate_paths([tmp_path / "a", tmp_path / "b"])
    assert len(specs) == 1
    (problem,) = problems
    assert "table 'sales.orders' is also defined in" in problem.message and problem.line == 1


def test_files_starting_with_underscore_or_dot_are_not_templates(tmp_path: Path):
    (tmp_path / "_draft.yaml").write_text("not: a template")
    (tmp_path / "t.yaml").write_text(MINIMAL.format(name="t", namespace="n"))
    assert [s.name for s in load_specs([tmp_path])] == ["t"]


def test_missing_path_is_reported_not_raised(tmp_path: Path):
    _, problems = validate_paths([tmp_path / "nope"])
    assert "no such file or folder" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "decimal(18, 2)",
        "map< string , list<double> >",
        "struct<a: int, b: struct<c: fixed[4]>>",
        "list<list<uuid>>",
    ],
)
def test_canonical_type_is_the_parsed_tree_spelt_without_spaces(text: str):
    assert str(parse_type(text)) == canonical_type(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strng", "did you mean 'string'"),
        ("Integer", "did you mean 'int'"),
        ("decimal(18)", "expected ','"),
        ("decimal(018,2)", "leading zero"),
        ("list<>", "expected a type name"),
        ("struct<>", "expected a field name"),
        ("map<string, int> extra", "unexpected 'extra'"),
        ("list<string>>", "unexpected '>'"),
        ("string?", "unexpected character '?'"),
    ],
)
def test_type_syntax_errors_explain_themselves(text: str, message: str):
    with pytest.raises(TypeSyntaxError, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_type(text)


@pytest.mark.parametrize(
    "transform", ["identity", "year", "month", "day", "hour", "bucket[4]", "truncate[2]", "void"]
)
@pytest.mark.parametrize("primitive", (*PRIMITIVES, "decimal(9,2)", "fixed[8]"))
def test_partition_validation_follows_pyiceberg_transform_rules(transform: str, primitive: str):
    template = (
        f"name: t\nnamespace: n\ncolumns:\n  - {{name: c, type: '{primitive}'}}\n"
        f"partition_spec:\n  - {{column: c, transform: '{transform}'}}\n"
        "properties: {format-version: 3}\n"  # nanosecond timestamps need v3
    )
    parsed = parse_type(primitive)
    assert isinstance(parsed, PrimitiveType)

    fits = parse_transform(transform).can_transform(to_pyiceberg_primitive(parsed))
    spec, problems = read_template("t.yaml", template)
    assert (spec is not None) == fits, [str(p) for p in problems]


def test_every_alias_resolves_and_dotted_custom_keys_pass_through():
    for alias, name in PROPERTY_ALIASES.items():
        assert resolve_property(alias) == (name, None)
    assert resolve_property("team.cost-center") == ("team.cost-center", None)
    assert resolve_property("write.metadata.metrics.column.email")[0] == "write.metadata.metrics.column.email"


def test_terraform_property_alias_file_matches_python():
    data = json.loads((REPO / "terraform/modules/table_spec/property_aliases.json").read_text())
    assert data["aliases"] == PROPERTY_ALIASES


def test_yaml_merge_keys_work_and_explicit_keys_win():
    spec = parse_spec(
        "name: t\nnamespace: n\ncolumns:\n  - &base {name: a, type: long, required: true}\n"
        "  - {<<: *base, name: b}\n",
        "t.yaml",
    )
    assert [(c.name, c.type, c.required) for c in spec.columns] == [("a", "long", True), ("b", "long", True)]


def test_validate_reports_every_problem_in_every_file_and_exits_1(tmp_path: Path):
    (tmp_path / "one.yaml").write_text("name: one\nnamespace: n\ncolums: []\n")
    (tmp_path / "two.yaml").write_text("name: two\nnamespace: n\ncolumns:\n  - {name: a, type: strng}\n")
    result = icespec("validate", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path}/one.yaml:3:1: error: unknown key 'colums' — did you mean 'columns'?" in result.stderr
    assert (
        f"{tmp_path}/two.yaml:4:21: error: column 'a': unknown type 'strng' — did you mean 'string'?"
        in result.stderr
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_validate_default_folder_passes():
    result = icespec("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok: 4 template(s) valid"


@pytest.mark.parametrize("content", ["", "[1, 2]", "name: [unclosed", "\xff\xfe"])
def test_broken_files_never_print_a_traceback(tmp_path: Path, content: str):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content.encode("latin-1"))
    result = icespec("validate", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:") and "Traceback" not in result.stderr


def test_inspect_of_a_broken_template_exits_1_with_the_location(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nnamespace: n\ncolumns:\n  - {name: a, type: long}\nsort_order: [{column: b}]\n"
    )
    result = icespec("inspect", str(path), "--json")
    assert result.returncode == 1 and result.stdout == ""
    assert f"{path}:5:23: error: sort column 'b' does not exist" in result.stderr


def test_property_lines_are_found_by_iceberg_name_whatever_alias_was_written():
    spec = parse_spec(
        "name: t\nnamespace: n\ncolumns:\n  - {name: a, type: long}\nproperties:\n"
        "  commit_retry_num_retries: 3\n  write.format.default: parquet\n",
        "t.yaml",
    )
    assert spec.line_of("properties", "commit.retry.num-retries") == 6
    assert spec.line_of("properties", "write.format.default") == 7
