"""Every ICESPEC_* variable is a field of a settings model, read nowhere else, and the README's table
is generated from the models."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from icespec.cli.config_commands import markdown_table, settings_models, variable_rows

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "pipelines" / "icespec"
NAME = re.compile(r"^ICESPEC_[A-Z0-9_]+$")
MENTION = re.compile(r"\bICESPEC_[A-Z0-9_]*[A-Z0-9]\b")
READERS = ("get", "getenv", "pop", "setdefault")


def _mentions(path: Path) -> list[tuple[str, int]]:
    """Every ICESPEC_* name in the module's strings (messages, keys, docstrings), with its line."""
    return [
        (name, node.lineno)
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for name in MENTION.findall(node.value)
    ]


def test_every_variable_named_in_the_package_is_a_settings_field():
    """A message or a key naming ICESPEC_FOO when no model reads it is stale (or a typo)."""
    known = {row.variable.name for row in variable_rows()}
    assert len(known) >= 30, known  # the models were found
    named = {
        name: f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name, line in _mentions(path)
    }
    assert len(named) >= 20, named  # the scan found the package's variables
    unknown = {name: where for name, where in named.items() if name not in known}
    assert not unknown, f"no settings model reads these: {unknown}"


def test_no_module_reads_a_variable_by_name():
    """`env.get("ICESPEC_X")`, `os.environ["ICESPEC_X"]` or `os.getenv(...)` outside the models would be
    a second reader that the README, validation and the Dagster resources do not know."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            key = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                if node.func.attr in READERS and isinstance(node.args[0], ast.Constant):
                    key = node.args[0].value
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.slice, ast.Constant)
            ):
                key = node.slice.value
            if isinstance(key, str) and NAME.match(key):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} reads {key}")
    assert not offenders, "\n".join(offenders)


def test_a_variable_means_one_thing_in_every_model():
    seen: dict[str, tuple[str, str]] = {}
    for scope, model in settings_models():
        for variable in model.variables():
            field_and_aliases = (variable.field, ",".join(variable.aliases))
            assert seen.setdefault(variable.name, field_and_aliases) == field_and_aliases, (scope, variable)


def test_the_readme_table_is_generated_from_the_models():
    readme = (REPO / "README.md").read_text()
    start, end = "<!-- env-table:start -->\n", "<!-- env-table:end -->"
    current = readme[readme.index(start) + len(start) : readme.index(end)]
    assert current == markdown_table(), (
        "README.md's environment table is stale: replace it with the output of "
        "`.venv/bin/icespec config variables --markdown`"
    )
