"""Architecture: lower layers never import higher ones, and only the Dagster layer imports dagster."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipelines" / "icespec"

# Lowest first. Packages on one level may use each other; never one above them.
LAYERS = [
    ("errors", "environment"),
    ("spec",),
    ("schema",),
    ("backends", "core"),
    ("catalogs",),
    ("tables", "governance", "gcp"),
    ("quality", "drift", "alerts"),
    ("orchestration", "definitions", "cli", "__main__"),
]
DAGSTER_LAYER = ("orchestration", "definitions")
SPEC_MAY_NOT_IMPORT = ("boto3", "pyarrow", "dagster", "sqlalchemy", "duckdb", "soda", "google", "slack_sdk")


def level_of(top: str) -> int | None:
    return next((i for i, names in enumerate(LAYERS) if top in names), None)


def modules() -> list[tuple[str, Path]]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("").parts
        if relative == ("__init__",):
            continue
        result.append((relative[0], path))
    return result


def imported_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_every_module_belongs_to_a_layer():
    tops = {top for top, _ in modules()}
    assert {"spec", "tables", "cli", "orchestration"} <= tops, f"the package was not found under {PACKAGE}"
    unknown = sorted({top for top in tops if level_of(top) is None})
    assert not unknown, f"add these packages to LAYERS in {__file__}: {unknown}"


def test_no_module_imports_a_higher_layer():
    violations = []
    for top, path in modules():
        own = level_of(top)
        for name in imported_names(path):
            parts = name.split(".")
            if parts[0] != "icespec" or len(parts) < 2:
                continue
            other = level_of(parts[1])
            if other is not None and own is not None and other > own:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not violations, "\n".join(violations)


def test_only_the_dagster_layer_imports_dagster():
    offenders = [
        str(path.relative_to(PACKAGE))
        for top, path in modules()
        if top not in DAGSTER_LAYER
        and any(n.split(".")[0].startswith("dagster") for n in imported_names(path))
    ]
    assert not offenders, offenders


def test_the_spec_layer_stays_pure():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for top, path in modules()
        if top == "spec"
        for name in imported_names(path)
        if name.split(".")[0] in SPEC_MAY_NOT_IMPORT or name.startswith(("pyiceberg.catalog", "pyiceberg.io"))
    ]
    assert not offenders, offenders


REGISTRY = PACKAGE / "backends" / "registry.py"


def _backend_names_in(node: ast.AST, names: set[str]) -> list[str]:
    """String constants naming a backend inside an expression (a literal, or a tuple/list/set of them)."""
    if isinstance(node, ast.Constant) and node.value in names:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [name for element in node.elts for name in _backend_names_in(element, names)]
    return []


def test_only_the_registry_branches_on_a_backend_name():
    """No comparison (`== "gcp"`, `in ("local", ...)`), dict keyed by backend name or `case "aws-glue":`
    outside icespec.backends.registry: everything else asks the backend's entry what it can do."""
    from icespec.backends import BACKENDS

    names = set(BACKENDS)
    assert {"local", "aws-glue", "aws-nessie", "gcp"} <= names
    offenders = []
    for _, path in modules():
        if path == REGISTRY:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            found: list[str] = []
            if isinstance(node, ast.Compare):
                for operand in (node.left, *node.comparators):
                    found += _backend_names_in(operand, names)
            elif isinstance(node, ast.Dict):
                for key in node.keys:
                    if key is not None:
                        found += _backend_names_in(key, names)
            elif isinstance(node, ast.MatchValue):
                found += _backend_names_in(node.value, names)
            if found:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {', '.join(found)}")
    assert not offenders, "ask the backend's registry entry instead:\n" + "\n".join(offenders)
