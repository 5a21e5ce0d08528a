"""`icespec maintain`: compact, expire snapshots, delete unreferenced and orphan files, per table."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from icespec.cli import UsageError
from icespec.cli.common import load_tables


def register(subparsers: argparse._SubParsersAction) -> None:
    maintain = subparsers.add_parser(
        "maintain",
        help="compact small files, expire snapshots, delete unreferenced and orphan files",
        description="Per table, in order: compact small data files per partition (one replace snapshot, "
        "no row changed); expire snapshots by the table's history.expire.* properties (refs keep theirs); "
        "delete the files only expired snapshots referenced; remove files no metadata references that are "
        "older than the template's maintenance.orphan_older_than (default 3d). Steps a backend leaves to "
        "something else (Nessie GC, AWS Glue table optimizers, BigQuery) are reported as skipped. Exit 0 "
        "when every table is done, 1 when a step failed (the output names the table and the step).",
    )
    maintain.add_argument("tables", nargs="*", help="only these tables (name or namespace.name)")
    maintain.add_argument(
        "--dry-run", action="store_true", help="change nothing; print what each step would do"
    )
    maintain.add_argument(
        "--older-than",
        metavar="DURATION",
        help="remove orphan files older than this (e.g. 3d, 12h) instead of each template's "
        "maintenance.orphan_older_than; younger ones may belong to a write in flight",
    )
    maintain.add_argument("--json", action="store_true", help="print one JSON object")
    maintain.set_defaults(handler=run_maintain)


def size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"  # pragma: no cover


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe_step(step: Any) -> str:
    """One line of what a step did (or would do)."""
    c = step.counts
    if step.status in ("skipped", "failed"):
        return step.note
    if step.step == "compact":
        if not c.get("files_compacted"):
            return step.note or "nothing to compact"
        written = f" into {plural(c['files_written'], 'file')}" if step.status == "done" else ""
        return (f"{plural(c['files_compacted'], 'small file')} ({size(c.get('bytes_compacted', 0))}) in "
                f"{plural(c.get('partitions', 0), 'partition')}{written}")  # fmt: skip
    if step.step == "expire":
        text = (
            f"{plural(c.get('snapshots_expired', 0), 'snapshot')} expired, {c.get('snapshots_kept', 0)} kept"
        )
        if c.get("refs_removed"):
            text += f", {plural(c['refs_removed'], 'ref')} past its max age removed ({step.note.split(': ', 1)[-1]})"
        return text
    if step.step == "unreferenced":
        parts = [plural(c[key], noun) for key, noun in (
            ("data_files", "data file"), ("delete_files", "delete file"), ("manifests", "manifest"),
            ("manifest_lists", "manifest list"), ("metadata_files", "old metadata file")) if c.get(key)]  # fmt: skip
        return (
            f"{', '.join(parts)} ({size(c.get('bytes', 0))})"
            if parts
            else "no file only expired snapshots used"
        )
    if step.step == "orphans":
        return (f"{plural(c.get('files', 0), 'orphan file')} ({size(c.get('bytes', 0))}) "
                f"{step.note.removeprefix('files nothing references, ')}; "
                f"{c.get('kept_young', 0)} younger kept")  # fmt: skip
    return json.dumps(c)


def print_result(result: Any) -> None:
    mark = "FAILED" if result.error else ("dry run" if result.dry_run else "done")
    print(f"{result.table}  [{mark}]  snapshots {result.snapshots_before} → {result.snapshots_after}, "
          f"live data files {result.data_files_before} → {result.data_files_after}")  # fmt: skip
    for step in result.steps:
        status = "would" if step.status == "dry-run" else step.status
        print(f"  {step.step:<13}{status:<9}{describe_step(step)}")
    print()


def run_maintain(args: argparse.Namespace) -> int:
    from icespec.catalogs import SettingsError
    from icespec.core.results import MaintenanceResult
    from icespec.errors import NotFoundError, WriteError
    from icespec.tables.backend import open_lakehouse
    from icespec.tables.maintain import MaintenanceOptions, parse_duration

    older_than = None
    if args.older_than is not None:
        try:
            older_than = parse_duration(args.older_than)
        except ValueError as exc:
            raise UsageError(f"--older-than: {exc}") from None
    specs = load_tables(args.templates, args.tables, "maintain")
    try:
        lakehouse = open_lakehouse()
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    options = MaintenanceOptions(dry_run=args.dry_run, older_than=older_than)
    results: list[MaintenanceResult] = []
    missing: list[str] = []
    for spec in specs:
        try:
            result = lakehouse.maintain(spec, options)
        except (WriteError, NotFoundError) as exc:  # no such table yet: nothing to maintain
            if "does not exist" not in str(exc):
                raise
            missing.append(spec.full_name)
            continue
        except Exception as exc:  # the table could not be opened: the others still run
            result = MaintenanceResult(
                spec.full_name, dry_run=args.dry_run, error=f"{spec.full_name}: load failed: {exc}"
            )
        results.append(result)
        if not args.json:
            print_result(result)
    failed = [r for r in results if r.error]
    if args.json:
        json.dump({"tables": [r.to_dict() for r in results], "not_created": missing}, sys.stdout, indent=2)
        print()
    else:
        if missing:
            print(f"Not created yet (run icespec apply): {', '.join(missing)}")
        verb = "Dry run" if args.dry_run else "Maintenance"
        if failed:
            names = ", ".join(f"{r.table} ({r.failed_step or 'load'})" for r in failed)
            print(
                f"{verb}: {len(results) - len(failed)} of {plural(len(results), 'table')} done; failed: {names}"
            )
            for r in failed:
                print(f"icespec: error: {r.error}", file=sys.stderr)
        else:
            print(f"{verb} complete: {plural(len(results), 'table')}.")
    return 1 if failed else 0
