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
from icespec.drift.detect import TableDrift
from icespec.spec import TableSpec
from icespec.tables.diff import Change

# Where to edit when the engine gives no line for a change: the template section it belongs to.
SECTION_OF_KIND = {
    "set_property": "properties",
    "remove_property": "properties",
    "add_partition_field": "partition_spec",
    "rename_partition_field": "partition_spec",
    "remove_partition_field": "partition_spec",
    "add_sort_field": "sort_order",
    "replace_sort_order": "sort_order",
    "set_identifier_fields": "identifier_fields",
}


def location(spec: TableSpec, change: Change) -> str | None:
    """`template:line` to edit for this change (the file alone when no line is known)."""
    if not spec.source_path:
        return None
    line = change.yaml_line or spec.line_of(SECTION_OF_KIND.get(change.kind, "columns"))
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


def _field(value: object) -> str:
    if isinstance(value, dict) and "transform" in value:
        return f"{value['transform']}({value['column']})"
    if isinstance(value, dict) and "type" in value:
        return str(value["type"])
    return str(value)


def _order(fields: object) -> str:
    if not fields:
        return "unsorted"
    return ", ".join(f"{f['column']} {f['direction']} {f['null_order']}" for f in fields)  # type: ignore[union-attr]


def _tags(tags: object) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items()) if tags else "none"  # type: ignore[union-attr]


def drift_message(change: Change) -> str:
    """The difference as drift reads: what is live against what the template says.

    (The engine's own message says what `apply` would do; the alert's fix says that part.)
    """
    path, before, after = change.path, change.before, change.after
    what = f"'{path}'" if path else "the table"
    messages = {
        "create_table": lambda: "the table is in the templates but not in the catalog",
        "add_column": lambda: f"column '{path}' {_field(after)} is in the template but not in the live table",
        "drop_column": lambda: f"live column '{path}' {before} is not in the template",
        "rename_column": lambda: f"column '{before}' is live; the template renames it to '{after}'",
        "promote_type": lambda: f"type of '{path}' is {before} live, {after} in the template",
        "incompatible_type": lambda: f"type of '{path}' is {before} live, {after} in the template",
        "make_optional": lambda: f"'{path}' is required live, optional in the template",
        "make_required": lambda: f"'{path}' is optional live, required in the template",
        "update_doc": lambda: f"description of {what} is {before!r} live, {after!r} in the template",
        "set_identifier_fields": lambda: f"identifier fields are {before} live, {after} in the template",
        "add_partition_field": lambda: (
            f"partition field '{path}' {_field(after)} is in the template, not live"
        ),
        "remove_partition_field": lambda: (
            f"live partition field '{path}' {_field(before)} is not in the template"
        ),
        "rename_partition_field": lambda: (
            f"partition field '{before}' is live; the template names it '{after}'"
        ),
        "add_sort_field": lambda: f"sort order is {_order(before)} live, {_order(after)} in the template",
        "replace_sort_order": lambda: f"sort order is {_order(before)} live, {_order(after)} in the template",
        "set_property": lambda: f"property {path} is {before!r} live, {after!r} in the template",
        "remove_property": lambda: f"property {path} = {before!r} is live but no longer in the template",
        "set_column_tags": lambda: (
            f"Lake Formation tags of column '{path}' are {_tags(before)} live, {_tags(after)} in the template"
        ),
        "remove_column_tags": lambda: (
            f"column '{path}' carries Lake Formation tags {_tags(before)} but no template describes it"
        ),
    }
    try:
        return messages[change.kind]()
    except (KeyError, TypeError, AttributeError):  # a kind added later: the engine's words
        return change.message


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
