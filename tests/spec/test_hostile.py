"""Hostile templates (a fuzzer found these): each fails with `PATH:LINE:COL: error:` and the limit it
broke, in bounded time and memory, and `icespec validate` exits 1 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from icespec.spec import read_template
from icespec.spec.loader import MAX_FIELDS_DEPTH
from icespec.spec.source import MAX_DEPTH, MAX_VALUES
from icespec.spec.types import MAX_TYPE_DEPTH


def _alias_bomb() -> str:
    """About 1 KB that a plain YAML loader expands to 9^9 (387 million) values."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(8):
        previous, name = chr(97 + level), chr(98 + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\nname: t\nnamespace: ns\ncolumns:\n  - {name: id, type: long}\n"


def _nested_fields(levels: int) -> str:
    text, indent = "name: t\nnamespace: ns\ncolumns:\n", "  "
    for level in range(levels):
        text += f"{indent}- name: f{level}\n{indent}  fields:\n"
        indent += "    "
    return text + f"{indent}- {{name: leaf, type: string}}\n"


BASE = "name: t\nnamespace: ns\n"
CASES = {
    "alias_bomb": (_alias_bomb(), 1, f"expands to more than {MAX_VALUES:,} values"),
    "deep_type": (BASE + "columns:\n  - {name: id, type: '" + "list<" * 1000 + "long" + ">" * 1000 + "'}\n", 4,
                  f"nests more than {MAX_TYPE_DEPTH} levels"),
    "deep_yaml": (_nested_fields(200), 66, f"nests values more than {MAX_DEPTH} levels deep"),
    "fields_too_deep": (_nested_fields(MAX_FIELDS_DEPTH + 1), 2 * MAX_FIELDS_DEPTH + 6, f"templates allow {MAX_FIELDS_DEPTH}"),
    "float_tag": (BASE + "description: !!float x\ncolumns:\n  - {name: id, type: long}\n", 3, "YAML tag '!!float'"),
    "int_tag": (BASE + "description: !!int abc\ncolumns:\n  - {name: id, type: long}\n", 3, "YAML tag '!!int'"),
    "bool_tag": (BASE + "description: !!bool maybe\ncolumns:\n  - {name: id, type: long}\n", 3, "YAML tag '!!bool'"),
    "timestamp_tag": (BASE + "description: !!timestamp notadate\ncolumns:\n  - {name: id, type: long}\n", 3,
                      "YAML tag '!!timestamp'"),
    "custom_tag": (BASE + "columns:\n  - !python/object:os.system {name: id}\n", 4, "YAML tag"),
    "huge_bucket": (BASE + "columns:\n  - {name: id, type: long}\npartition_spec:\n"
                    "  - {column: id, transform: 'bucket[99999999999999999999999]'}\n", 6, "bucket takes 1 to 2147483647"),
    "zero_truncate": (BASE + "columns:\n  - {name: s, type: string}\nsort_order:\n"
                      "  - {column: s, transform: 'truncate[0]'}\n", 6, "truncate takes 1 to 2147483647"),
    "huge_fixed": (BASE + "columns:\n  - {name: id, type: 'fixed[99999999999999999999]'}\n", 4, "fixed length 99999999999999999999 is too large"),
    "huge_duration": (BASE + "columns:\n  - {name: ts, type: timestamptz}\n"
                      "freshness: {column: ts, fail_after: 99999999999999999999d}\n", 5, "longer than 36500 days"),
    "nan_min": (BASE + "columns:\n  - {name: x, type: double, checks: {min: .nan}}\n", 4, "min must be a finite number"),
    "inf_max": (BASE + "columns:\n  - {name: x, type: double, checks: {max: .inf}}\n", 4, "max must be a finite number"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_template_fails_with_file_line_and_the_limit(tmp_path: Path, case: str):
    text, line, message = CASES[case]
    path = tmp_path / "t.yaml"
    path.write_text(text)
    spec, problems = read_template(path)
    assert spec is None
    assert [p for p in problems if message in p.message and p.line == line], [str(p) for p in problems]
    assert all(str(p).startswith(f"{path}:{p.line}:{p.column}: error: ") for p in problems)


def test_validate_on_an_alias_bomb_ends_in_bounded_time_with_exit_1(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(_alias_bomb())
    done = subprocess.run(
        [sys.executable, "-m", "icespec", "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    assert f"{path}:1:" in done.stdout + done.stderr


def test_the_deepest_allowed_fields_still_load(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(_nested_fields(MAX_FIELDS_DEPTH))
    spec, problems = read_template(path)
    assert problems == [] and spec is not None
