"""`icespec validate`, `icespec inspect` and `icespec schema`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from icespec.cli import UsageError
from icespec.spec import Diagnostic, SpecError, TableSpec, load_spec, validate_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    validate = subparsers.add_parser(
        "validate",
        help="check templates (schema and Iceberg rules); exit 1 on any problem",
        description="Check every template, and the hand-written SodaCL of each, and report all problems as "
        "PATH:LINE:COL: error: MESSAGE.",
    )
    validate.add_argument(
        "paths", nargs="*", help="template files or folders (default: the templates folder)"
    )
    validate.add_argument(
        "--soda-checks",
        default=None,
        help="folder of hand-written SodaCL to check too (default: $ICESPEC_SODA_CHECKS, else "
        "quality/soda_checks in the project root)",
    )
    validate.set_defaults(handler=run_validate)

    inspect = subparsers.add_parser(
        "inspect",
        help="show the normalized spec and the Iceberg/Arrow schemas built from it",
    )
    inspect.add_argument("template", help="a template file, or a table name in the templates folder")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=run_inspect)

    schema = subparsers.add_parser(
        "schema",
        help="print the templates' JSON Schema (for editors: icespec schema > table-templates/_schema.json)",
    )
    schema.set_defaults(handler=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    from icespec.spec import template_schema

    json.dump(template_schema(), sys.stdout, indent=2)
    print()
    return 0


def run_validate(args: argparse.Namespace) -> int:
    specs, problems = validate_paths(args.paths or [args.templates])
    extras_dir = args.soda_checks or None
    problems += extras_diagnostics(specs, extras_dir, args.project.base)
    if problems:
        raise SpecError(problems)
    print(f"ok: {len(specs)} template(s) valid")
    return 0


def extras_diagnostics(specs: list[TableSpec], extras_dir: str | None, base: Path) -> list[Diagnostic]:
    """Problems in the hand-written SodaCL of valid templates: a file Soda could not read, or a check
    naming a column the table does not have (which would fail the scan of every check of the table)."""
    from icespec.quality import build_suite, default_extras_dir
    from icespec.quality.sodacl import ExtrasFileError, extras_path, extras_problems

    folder = extras_dir or default_extras_dir(base)
    found: list[Diagnostic] = []
    for spec in specs:
        path = extras_path(spec, folder)
        if path is None:
            continue
        try:
            suite = build_suite(spec, extras_dir=path.parent.absolute())
        except ExtrasFileError as exc:
            found.append(exc.diagnostic())
            continue
        found += extras_problems(suite)
    return found


def template_path(reference: str, templates: str) -> Path:
    """A template given as a path, or as a table name (`name` or `namespace.name`) looked up in the
    templates folder and its subfolders."""
    path = Path(reference)
    if path.is_file():
        return path.absolute()
    from icespec.spec import discover_templates

    found, _ = discover_templates([templates])
    name = reference.rsplit(".", 1)[-1]
    for candidate in found:
        if candidate.stem == name:
            return candidate
    raise UsageError(f"no template named {reference!r} in {templates} (or its subfolders): check the name")


def run_inspect(args: argparse.Namespace) -> int:
    from icespec.schema import inspect_document  # pyiceberg/pyarrow load only when needed

    spec: TableSpec = load_spec(template_path(args.template, args.templates))
    document = inspect_document(spec)
    if args.json:
        json.dump(document, sys.stdout, indent=2)
        print()
        return 0
    print(f"table {spec.full_name}  ({spec.source_path})")
    if spec.description:
        print(f"  {spec.description}")
    print("\nIceberg schema:")
    for field in document["schema"]["fields"]:
        kind = field["type"] if isinstance(field["type"], str) else field["type"]["type"]
        column = spec.column(field["name"])
        flag = "required" if field["required"] else "optional"
        print(
            f"  {field['id']:>3}  {field['name']:<24} {kind:<16} {flag:<9} {column.access_level if column else ''}"
        )
    print(
        "\nPartition spec:",
        ", ".join(f"{p.transform}({p.column})" for p in spec.partition_spec) or "unpartitioned",
    )
    print("Sort order:    ", ", ".join(f"{s.column} {s.direction}" for s in spec.sort_order) or "unsorted")
    print("Properties:    ", json.dumps(document["properties"]))
    print("\nArrow schema:\n" + "\n".join("  " + line for line in document["arrow_schema"].splitlines()))
    return 0
