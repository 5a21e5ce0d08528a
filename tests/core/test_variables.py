"""Every ICESPEC_* variable the package reads is documented once, and the README's table is current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from icespec.alerts.registry import SINK_TYPES
from icespec.backends import BACKENDS
from icespec.core.variables import VARIABLES, markdown_table

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "pipelines" / "icespec"
NAME = re.compile(r"^ICESPEC_[A-Z0-9_]+$")


def variables_in_code() -> dict[str, str]:
    """Each ICESPEC_* string constant of the package (outside the list itself), with one place using it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "core" / "variables.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
                found.setdefault(node.value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_variable_the_code_reads_is_documented_and_every_documented_one_is_read():
    documented = {v.name for v in VARIABLES}
    in_code = variables_in_code()
    assert len(in_code) >= 30, in_code  # the scan found the package's variables
    undocumented = {name: where for name, where in in_code.items() if name not in documented}
    assert not undocumented, f"add these to icespec/core/variables.py: {undocumented}"
    assert not documented - set(in_code), f"documented but read nowhere: {documented - set(in_code)}"
    assert len(documented) == len(VARIABLES), "a variable is listed twice"


def test_the_registries_variables_are_in_the_list_with_their_scope():
    documented = {v.name: v for v in VARIABLES}
    for backend in BACKENDS.values():
        for _, variable in backend.variables:
            assert variable in documented, (backend.name, variable)
    for sink in SINK_TYPES.values():
        for option, variable in sink.variables:
            if option.startswith("aws_"):
                continue  # shared with the AWS backends
            assert documented[variable].scope == f"alerts: {sink.name}", variable


def test_the_readme_table_is_generated_from_the_list():
    readme = (REPO / "README.md").read_text()
    start, end = "<!-- env-table:start -->\n", "<!-- env-table:end -->"
    current = readme[readme.index(start) + len(start) : readme.index(end)]
    assert current == markdown_table(), (
        "README.md's environment table is stale: replace it with the output of "
        "`.venv/bin/python -m icespec.core.variables`"
    )
