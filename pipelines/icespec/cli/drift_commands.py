"""`icespec drift`: live tables against their templates; exit 0 none, 2 drift, 1 error."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from icespec.cli import UsageError
from icespec.cli.common import load_tables
from icespec.spec import TableSpec


def register(subparsers: argparse._SubParsersAction) -> None:
    drift = subparsers.add_parser(
        "drift",
        help="compare live tables with their templates; exit 0 no drift, 2 drift, 1 error",
        description="Report every difference `icespec plan` would show between the live tables and the "
        "templates, per table, with the template line to edit. Exit 0: no drift; 2: drift; 1: a table could "
        "not be checked (the others still are) or an alert could not be delivered.",
    )
    drift.add_argument("tables", nargs="*", help="only these tables (name or namespace.name)")
    drift.add_argument("--json", action="store_true", help="print one JSON object")
    drift.add_argument(
        "--notify",
        action="store_true",
        help="also alert Slack/SNS (ICESPEC_SLACK_WEBHOOK_URL or ICESPEC_SLACK_BOT_TOKEN + "
        "ICESPEC_SLACK_CHANNEL, ICESPEC_SNS_TOPIC_ARN)",
    )
    drift.add_argument(
        "--state",
        metavar="FILE",
        help="with --notify: remember what was announced in FILE, so a run alerts only new, changed or "
        "resolved drift (what the Dagster sensor keeps in its cursor)",
    )
    drift.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="tables loaded at once (default: ICESPEC_DRIFT_CONCURRENCY or 8)",
    )
    drift.set_defaults(handler=run_drift)


def _concurrency(value: int | None) -> int:
    from icespec.drift.detect import concurrency_from_env

    if value is not None:
        if value < 1:
            raise UsageError(f"--concurrency must be at least 1, got {value}")
        return value
    try:
        return concurrency_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _detect(specs: list[TableSpec], concurrency: int):
    from icespec.catalogs import Settings, SettingsError
    from icespec.drift import detect_drift
    from icespec.tables.backend import open_lakehouse

    try:
        settings = Settings.from_env()
        lakehouse = open_lakehouse(settings, read_only=True)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    return settings, detect_drift(specs, planner=lakehouse.plan, concurrency=concurrency)


def _table_document(drift: Any) -> dict[str, Any]:
    from icespec.drift import fix_text, severity

    document = drift.to_dict()
    if drift.has_drift:
        document["severity"] = severity(drift)
        document["fix"] = fix_text(drift)
    return document


def _print_report(report: Any) -> None:
    from icespec.drift import fix_text, severity
    from icespec.drift.render import drift_message, location

    for drift in report.tables:
        if drift.error is not None:
            print(f"{drift.table}  ERROR  could not be checked: {drift.error}")
            print()
        elif drift.has_drift:
            print(f"{drift.table}  {drift.status.upper()} ({severity(drift)})  {drift.spec.source_path}")
            for change in drift.changes:
                mark = "!" if change.breaking else "~"
                where = location(drift.spec, change)
                print(f"  {mark} {drift_message(change)}" + (f"  [{Path(where).name}]" if where else ""))
            print(f"  fix: {fix_text(drift)}")
            print()
        for note in drift.notes:
            print(f"{drift.table}  note: {note}")
    in_sync = len(report.tables) - len(report.drifted) - len(report.errors)
    print(
        f"Drift: {len(report.drifted)} table(s) drifted, {len(report.errors)} could not be checked, "
        f"{in_sync} in sync."
    )


def _notify(report: Any, settings: Any, state_path: str | None, every_table: bool) -> tuple[int, int]:
    from icespec.alerts import AlertConfigError, sinks_from_env
    from icespec.drift import DriftCursor, notify

    try:
        sinks = [s for s in sinks_from_env(os.environ) if s.name != "log"]  # stdout is the log here
    except AlertConfigError as exc:
        raise UsageError(str(exc)) from None
    if not sinks:
        raise UsageError(
            "--notify needs a sink: set ICESPEC_SLACK_WEBHOOK_URL, ICESPEC_SLACK_BOT_TOKEN with "
            "ICESPEC_SLACK_CHANNEL, or ICESPEC_SNS_TOPIC_ARN"
        )
    cursor = DriftCursor()
    path = Path(state_path) if state_path else None
    if path is not None and path.exists():
        try:
            cursor = DriftCursor.parse(path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"--state {path}: {exc} (delete the file to start afresh)") from None
    # Tables left out of this run (not named) keep what each sink was told: only a run over every
    # template may say a table lost its template.
    result = notify(report, cursor, sinks, context={"backend": settings.backend}, resolve_missing=every_table)
    if path is not None:
        temporary = path.with_name(f".{path.name}.tmp")  # replace atomically: never a half-written state
        temporary.write_text(result.cursor.serialize())
        os.replace(temporary, path)
    for failure in result.failed:
        print(
            f"icespec: alert for {failure.alert.table} not delivered to {failure.sink}: {failure.error}",
            file=sys.stderr,
        )
    return len(result.sent), len(result.failed)


def run_drift(args: argparse.Namespace) -> int:
    if args.state and not args.notify:
        raise UsageError("--state only makes sense with --notify")
    specs = load_tables(args.templates, args.tables, "drift")
    settings, report = _detect(specs, _concurrency(args.concurrency))
    sent = failed = 0
    if args.notify:
        sent, failed = _notify(report, settings, args.state, every_table=not args.tables)
    if args.json:
        document = report.to_dict()
        document["tables"] = [_table_document(t) for t in report.tables]
        if args.notify:
            document["alerts_sent"], document["alerts_failed"] = sent, failed
        json.dump(document, sys.stdout, indent=2, default=str)
        print()
    else:
        _print_report(report)
        if args.notify:
            print(f"Alerts: {sent} sent, {failed} failed.")
    return 1 if failed else report.exit_code
