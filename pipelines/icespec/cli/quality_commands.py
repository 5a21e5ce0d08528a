"""`icespec checks TABLE` (print the generated SodaCL) and `icespec check [TABLE ...]` (run the scans).

`icespec check` exits with Soda's codes, the worst over all tables: 0 pass, 1 warn, 2 fail, 3 error
(a scan that could not run, or bad settings/extras — the quality run did not happen).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys

from icespec.cli import UsageError
from icespec.cli.common import load_tables
from icespec.spec import SpecError

EXIT_ERROR = 3
ENGINES = ("duckdb", "athena", "trino", "bigquery")


def register(subparsers: argparse._SubParsersAction) -> None:
    checks = subparsers.add_parser(
        "checks",
        help="print the SodaCL generated for a table (with its hand-written extras merged in)",
        description="Print the Soda checks generated from a template, plus the extras from "
        "quality/soda_checks/<table>.yaml. The engine defaults to the one of ICESPEC_BACKEND.",
    )
    checks.add_argument("table", help="a table name (or namespace.name) in the templates folder")
    checks.add_argument("--engine", choices=ENGINES, help="type names and SQL for this engine")
    checks.add_argument(
        "--config", action="store_true", help="also print the generated Soda data source configuration"
    )
    checks.add_argument(
        "--soda-checks",
        default=None,
        help="folder of extras (default: $ICESPEC_SODA_CHECKS, else quality/soda_checks in the project root)",
    )
    checks.set_defaults(handler=run_checks)

    check = subparsers.add_parser(
        "check",
        help="run the quality checks; exit 0 pass, 1 warn, 2 fail, 3 error",
        description="Scan tables with their generated and hand-written Soda checks. Exit codes are "
        "Soda's, the worst over all tables: 0 pass, 1 warn, 2 fail, 3 error (not evaluated).",
    )
    check.add_argument("tables", nargs="*", help="only these tables (name or namespace.name); default: all")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--verbose", "-v", action="store_true", help="list passing checks too")
    check.add_argument("--snapshot-id", type=int, help="scan this snapshot (local backend; one table)")
    check.add_argument("--now", help="the clock freshness is measured against (ISO 8601 with zone)")
    check.add_argument(
        "--soda-checks",
        default=None,
        help="folder of extras (default: $ICESPEC_SODA_CHECKS, else quality/soda_checks in the project root)",
    )
    check.set_defaults(handler=run_check)


def _settings():
    from icespec.catalogs import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def run_checks(args: argparse.Namespace) -> int:
    from icespec.quality import (
        DIALECTS,
        QualityConfigError,
        build_suite,
        default_extras_dir,
        dialect_for,
        engine_dialect,
        soda_data_source,
    )

    spec = load_tables(args.templates, [args.table], "checks")[0]
    settings = None if args.engine else _settings()
    dialect = DIALECTS[args.engine] if args.engine else dialect_for(settings)
    try:
        suite = build_suite(spec, dialect, args.soda_checks or default_extras_dir(args.project.base))
        print(suite.to_sodacl(), end="")
        if args.config:
            if settings is None or engine_dialect(settings) is not dialect:
                settings = _settings()
            print("\n# Soda configuration generated from the ICESPEC_* settings")
            print(soda_data_source(spec, settings).to_yaml(), end="")
    except QualityConfigError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _parse_now(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--now {text!r} is not an ISO 8601 timestamp (e.g. 2024-03-01T12:00:00+00:00)"
        ) from None
    if value.tzinfo is None:
        raise UsageError(f"--now {text!r} needs a time zone (e.g. 2024-03-01T12:00:00+00:00)")
    return value


def run_check(args: argparse.Namespace) -> int:
    """Exit 3 (not 1) for every reason the scans could not run, so 1 always means 'warnings'."""
    try:
        return _run_check(args)
    except (UsageError, SpecError) as exc:
        message = str(exc)
        if isinstance(exc, SpecError):
            message += f"\n{len(exc.diagnostics)} problem(s) found; nothing was checked."
            if exc.hint:
                message += f"\nhint: {exc.hint}"
        print(f"icespec: error: {message}", file=sys.stderr)
        return EXIT_ERROR


def _run_check(args: argparse.Namespace) -> int:
    from icespec.quality import QualityConfigError, default_extras_dir, scan_table
    from icespec.quality.report import format_result, worst_exit_code
    from icespec.quality.sodacl import ExtrasFileError

    specs = load_tables(args.templates, args.tables, "check")
    if args.snapshot_id is not None and len(specs) != 1:
        raise UsageError("--snapshot-id needs exactly one table")
    now = _parse_now(args.now)
    settings = _settings()
    extras = args.soda_checks or default_extras_dir(args.project.base)
    results = []
    for spec in specs:
        try:
            try:
                result = scan_table(spec, settings, snapshot_id=args.snapshot_id, extras_dir=extras, now=now)
            except ExtrasFileError as exc:  # the other checks still run; the file's problem is an error
                result = scan_table(spec, settings, snapshot_id=args.snapshot_id, extras_dir=None, now=now)
                result = dataclasses.replace(result, exit_code=EXIT_ERROR, errors=(str(exc), *result.errors))
        except QualityConfigError as exc:
            raise UsageError(str(exc)) from None
        results.append(result)
        if not args.json:
            print(format_result(result, verbose=args.verbose), flush=True)
    code = worst_exit_code(results)
    if args.json:
        json.dump(
            {"exit_code": code, "tables": [r.to_dict() for r in results]}, sys.stdout, indent=2, default=str
        )
        print()
    else:
        print({0: "all checks passed", 1: "warnings", 2: "failures", 3: "errors"}[code] + f" (exit {code})")
    return code
