"""A table's drift as an alert: the field-level diff, the severity and the fix."""

from __future__ import annotations

from collections.abc import Mapping

from icespec.alerts import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    DRIFT_CHANGED,
    DRIFT_DETECTED,
    DRIFT_RESOLVED,
    Alert,
    AlertChange,
)
from icespec.core.changes import Change
from icespec.drift.detect import TableDrift
from icespec.spec import TableSpec


def location(spec: TableSpec, change: Change) -> str | None:
    """`template:line` to edit for this change (the file alone when no line is known)."""
    if not spec.source_path:
        return None
    line = change.yaml_line or spec.line_of(change.kind.section)
    return f"{spec.source_path}:{line}" if line else spec.source_path


def severity(drift: TableDrift) -> str:
    """critical: the table is missing, or `apply` cannot undo a difference; warning: `apply` can."""
    if drift.status == "missing" or any(c.breaking for c in drift.changes):
        return "critical"
    return "warning"


def fix_text(drift: TableDrift) -> str:
    template = drift.spec.source_path or "the table's template"
    if drift.status == "missing":
        return (
            f"Run `icespec apply` to create the table from `{template}` "
            "(or delete the template if the table was retired on purpose)."
        )
    breaking = [c for c in drift.changes if c.breaking]
    if not breaking:
        return (
            f"Run `icespec apply` to bring the table back to `{template}`; if the live change is wanted, "
            "edit the template at the lines shown instead."
        )
    lines = sorted({c.yaml_line for c in breaking if c.yaml_line})
    where = f" at line {', '.join(map(str, lines))}" if lines else ""
    return (
        f"`icespec apply` would have to undo {len(breaking)} breaking difference(s): edit `{template}`{where} "
        "to describe the live table (e.g. add the hand-added column), or revert the manual change on the "
        f"table; then `icespec plan` shows what remains."
    )


def drift_message(change: Change) -> str:
    """The difference as drift reads: what is live against what the template says (worded by its
    `ChangeKind`; the engine's own message says what `apply` would do, the alert's fix says that part)."""
    return change.kind.describe_drift(change)


def alert_changes(drift: TableDrift) -> tuple[AlertChange, ...]:
    return tuple(
        AlertChange(c.kind, c.path, c.before, c.after, drift_message(c), c.breaking, location(drift.spec, c))
        for c in drift.changes
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def drift_alert(
    event: str,
    drift: TableDrift,
    *,
    new_changes: int | None = None,
    gone_changes: int | None = None,
    context: Mapping[str, str] | None = None,
) -> Alert:
    """The alert for `event` about `drift` (DRIFT_DETECTED, DRIFT_CHANGED, CHECK_FAILED, CHECK_RECOVERED)."""
    base = {"table": drift.table, "template": drift.spec.source_path, "context": dict(context or {})}
    if event == CHECK_FAILED:
        return Alert(
            event=event,
            severity="error",
            summary=f"Could not compare the live table with its template: {drift.error}",
            fix="Check that the catalog is reachable and the table's metadata is readable; "
            "the other tables were still checked.",
            **base,
        )
    if event == CHECK_RECOVERED:
        return Alert(
            event=event, severity="info", summary="The table can be checked for drift again.", **base
        )
    if event not in (DRIFT_DETECTED, DRIFT_CHANGED):
        raise ValueError(f"drift_alert does not render {event!r}")
    total = len(drift.changes)
    if drift.status == "missing":
        summary = "The table is in the templates but not in the catalog."
    else:
        summary = f"The live table differs from its template: {_count(total, 'difference')}"
        breaking = sum(c.breaking for c in drift.changes)
        summary += f", {breaking} breaking." if breaking else "."
    if event == DRIFT_CHANGED:
        summary = (
            f"The drift changed ({_count(new_changes or 0, 'new difference')}, "
            f"{gone_changes or 0} no longer present). {summary}"
        )
    return Alert(
        event=event,
        severity=severity(drift),
        summary=summary,
        fix=fix_text(drift),
        changes=alert_changes(drift),
        fingerprint=drift.fingerprint,
        **base,
    )


def resolved_alert(
    table: str, template: str | None, *, reason: str, context: Mapping[str, str] | None = None
) -> Alert:
    return Alert(
        event=DRIFT_RESOLVED,
        table=table,
        severity="info",
        summary=reason,
        template=template,
        context=dict(context or {}),
    )
