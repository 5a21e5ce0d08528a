"""`icespec plan`, `icespec apply` and `icespec write`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from icespec.cli import UsageError
from icespec.cli.common import load_tables
from icespec.core.modes import WRITE_MODES


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser(
        "plan",
        help="compare every template with the live catalog; exit 0 no changes, 2 changes, 1 error",
        description="Show what `icespec apply` would change, per table. Exit codes follow "
        "`terraform plan -detailed-exitcode`: 0 nothing to do, 2 changes pending, 1 error.",
    )
    plan.add_argument("tables", nargs="*", help="only these tables (name or namespace.name)")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.set_defaults(handler=run_plan)

    apply = subparsers.add_parser(
        "apply",
        help="create and evolve tables to match the templates (one transaction per table)",
        description="Apply the plan table by table, each table's changes in one Iceberg transaction. "
        "Breaking changes are refused unless --allow-breaking.",
    )
    apply.add_argument("tables", nargs="*", help="only these tables (name or namespace.name)")
    apply.add_argument("--allow-breaking", action="store_true", help="also apply BREAKING changes")
    apply.add_argument(
        "--rewrite-incompatible",
        action="store_true",
        help="carry out an incompatible type change on a table holding rows by converting every value "
        "(safe casts) and rewriting the data files in the same transaction; refused, with the count, "
        "if any value does not convert",
    )
    apply.add_argument("--json", action="store_true", help="print one JSON object")
    apply.set_defaults(handler=run_apply)

    write = subparsers.add_parser(
        "write",
        help="write a Parquet/CSV/JSON-lines file into a table (typed and checked by its template)",
        description="Write one file into a table in one snapshot. CSV and JSON lines are parsed with "
        "the template's types. A 0-row overwrite is refused unless --allow-empty.",
    )
    write.add_argument("table", help="table name or namespace.name")
    write.add_argument("file", help="a .parquet, .csv or .jsonl/.ndjson file (.json: JSON lines too)")
    write.add_argument(
        "--mode",
        choices=WRITE_MODES,
        default="append",
        help="append (default): add the rows; overwrite: replace every row (or, with --where, the rows "
        "matching it); overwrite_partitions: replace the partitions the file writes to; upsert: "
        "insert or replace rows by the template's identifier_fields",
    )
    write.add_argument(
        "--where",
        metavar="EXPR",
        help="with --mode overwrite: replace exactly the rows matching EXPR (pyiceberg's row-filter "
        "syntax, e.g. \"day = '2024-05-01'\"); every row of the file must match it",
    )
    write.add_argument(
        "--allow-empty",
        action="store_true",
        help="let an overwrite with a 0-row file empty the table (or the --where range)",
    )
    write.set_defaults(handler=run_write)


def _lakehouse(read_only: bool = False):
    """The configured backend (pyiceberg catalog or BigQuery), settings errors as usage errors."""
    from icespec.catalogs import SettingsError
    from icespec.tables.backend import open_lakehouse

    try:
        return open_lakehouse(read_only=read_only)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def _marker(change: Any) -> str:
    if change.breaking:
        return "!"
    return "+" if change.kind in ("create_table", "add_column", "add_partition_field") else "~"


def _where(spec: Any, change: Any) -> str:
    return (
        f"  [{Path(spec.source_path).name}:{change.yaml_line}]"
        if spec.source_path and change.yaml_line
        else ""
    )


def print_plans(plans: list) -> None:
    for plan in plans:
        if not plan.has_changes and not plan.notes:
            continue
        print(f"{plan.spec.full_name}  ({plan.spec.source_path})")
        for change in plan.changes:
            print(f"  {_marker(change)} {change.message}{_where(plan.spec, change)}")
            if change.data_impact:
                print(f"      data: {change.data_impact}")
        for note in plan.notes:
            print(f"  note: {note}")
        print()
    created = sum(1 for p in plans if not p.exists)
    changed = sum(1 for p in plans if p.exists and p.has_changes)
    breaking = sum(1 for p in plans if p.has_breaking)
    unchanged = len(plans) - created - changed
    if not created and not changed:
        print(f"No changes: {len(plans)} table(s) match their templates.")
        return
    print(
        f"Plan: {created} to create, {changed} to change ({breaking} with BREAKING changes), {unchanged} unchanged."
    )
    if breaking:
        retypes_with_rows = any(
            c.kind == "incompatible_type" and c.data_impact for p in plans for c in p.changes
        )
        print(
            "BREAKING changes are refused by `icespec apply` unless --allow-breaking"
            + (
                "; a type change on a table holding rows needs --rewrite-incompatible (see its data: line)."
                if retypes_with_rows
                else "."
            )
        )


def _governance_errors() -> tuple[type[Exception], ...]:
    """Lake Formation refusing or missing a tag is the user's to fix: a message, not a traceback."""
    from icespec.governance.lakeformation import GovernanceError

    return (GovernanceError,)


def run_plan(args: argparse.Namespace) -> int:
    specs = load_tables(args.templates, args.tables, "plan")
    lakehouse = _lakehouse(read_only=True)
    try:
        plans = [lakehouse.plan(spec, data_impact=True) for spec in specs]
    except _governance_errors() as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        json.dump({"tables": [p.to_dict() for p in plans]}, sys.stdout, indent=2, default=str)
        print()
    else:
        print_plans(plans)
    return 2 if any(p.has_changes for p in plans) else 0


def run_apply(args: argparse.Namespace) -> int:
    from icespec.tables.apply import ApplyError

    specs = load_tables(args.templates, args.tables, "apply")
    lakehouse = _lakehouse()
    try:
        results = lakehouse.apply(
            specs, allow_breaking=args.allow_breaking, rewrite_incompatible=args.rewrite_incompatible
        )
    except (ApplyError, *_governance_errors()) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        json.dump({"tables": [r.to_dict() for r in results]}, sys.stdout, indent=2, default=str)
        print()
        return 0
    for result in results:
        print(f"{result.spec.full_name}: {result.action}")
        for change in (*result.changes, *result.governance_changes):
            print(f"  {_marker(change)} {change.message}")
        for note in result.notes:
            print(f"  note: {note}")
    counts = {a: sum(1 for r in results if r.action == a) for a in ("created", "updated", "unchanged")}
    print(
        f"Apply complete: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged."
    )
    return 0


def run_write(args: argparse.Namespace) -> int:
    from icespec.schema import arrow_schema
    from icespec.tables.files import InputFileError, read_batch_file
    from icespec.tables.writers import WriteError

    if args.where is not None and args.mode != "overwrite":
        raise UsageError(f"--where replaces rows, so it needs --mode overwrite (not --mode {args.mode})")
    specs = load_tables(args.templates, [args.table], "write")
    spec = specs[0]
    lakehouse = _lakehouse()
    try:
        data = read_batch_file(Path(args.file), arrow_schema(spec))
        result = lakehouse.write(spec, data, args.mode, where=args.where, allow_empty=args.allow_empty)
    except (InputFileError, WriteError) as exc:
        raise UsageError(str(exc)) from None
    print(result.describe())
    return 0
