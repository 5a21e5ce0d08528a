"""What a planned change does to the rows already in the table, said before anything is applied.

`plan` (CLI) attaches a `data_impact` line to every change that touches existing values, and
`apply` refuses the same cases with the same numbers:
- drop a column: its values leave the current snapshot (older snapshots keep them until expired);
- an incompatible type change: refused on a table with rows unless `--rewrite-incompatible`;
  the dry run (`icespec.tables.rewrite.assess`) counts the values that convert and those that do not;
- make a column required: the existing nulls, from the data files' column statistics (a file
  without statistics is read, one file at a time);
- add a required column: every existing row lacks it, so it is refused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io.pyarrow import ArrowScan

from icespec.core.changes import Change, TablePlan
from icespec.schema import iceberg_schema
from icespec.spec import TableSpec
from icespec.tables.conform import column_at

if TYPE_CHECKING:
    from pyiceberg.table import Table

COLLECTION_PARTS = ("element", "key", "value")


def row_count(table: Table) -> int:
    """Rows in the current snapshot: its summary's total, else the data files' record counts."""
    snapshot = table.current_snapshot()
    if snapshot is None:
        return 0
    total = snapshot.summary.get("total-records") if snapshot.summary is not None else None
    if total is not None:
        return int(total)
    return sum(task.file.record_count for task in table.scan().plan_files())


def referenced_by_layout(table: Table, live_path: str, spec: TableSpec | None = None) -> str | None:
    """What reads the column besides its values: a partition field of any of the table's partition
    specs (older ones stay in the metadata and are checked against every new schema), the sort order
    or the identifier fields, live or in the template."""
    field = table.schema().find_field(live_path)
    for partition_spec in table.specs().values():
        for partition_field in partition_spec.fields:
            if partition_field.source_id == field.field_id:
                current = "" if partition_spec.spec_id == table.spec().spec_id else "an older spec's "
                return f"the source of {current}partition field {partition_field.name} ({partition_field.transform})"
    name = live_path
    if any(sort_field.source_id == field.field_id for sort_field in table.sort_order().fields) or (
        spec is not None and any(s.column == name for s in spec.sort_order)
    ):
        return "in the sort order"
    if field.field_id in table.schema().identifier_field_ids or (
        spec is not None and name in spec.identifier_fields
    ):
        return "an identifier field"
    return None


def null_count(table: Table, live_path: str) -> int:
    """Nulls of a column in the current snapshot: column statistics where files have them."""
    if table.current_snapshot() is None:
        return 0
    field = table.schema().find_field(live_path)
    total = 0
    for task in table.scan().plan_files():
        counts = task.file.null_value_counts or {}
        if field.field_id in counts and not task.delete_files:
            total += counts[field.field_id]
            continue
        column = ArrowScan(table.metadata, table.io, table.schema().select(live_path), AlwaysTrue()).to_table(
            [task]
        )
        total += column_at(column, live_path).null_count
    return total


def live_paths(plan: TablePlan) -> dict[str, str]:
    """Template path -> the column's path in the live table (they differ for renamed columns)."""
    return {c.path: c.before for c in plan.changes if c.kind == "rename_column"}


def incompatible_refusal(change: Change) -> str | None:
    """Why an incompatible type change can never be rewritten here (None: it can, with the flag)."""
    if change.path.rsplit(".", 1)[-1] in COLLECTION_PARTS:
        return f"the type of '{change.path}' cannot be changed in place; add a new column instead"
    if "." in change.path:
        return f"'{change.path}' is nested: it cannot be rewritten in place; add a new column instead"
    return None


def _impact(change: Change, plan: TablePlan, table: Table, rows: int) -> str | None:
    path = live_paths(plan).get(change.path, change.path)
    if change.kind == "drop_column":
        return (
            f"the values of '{path}' in {rows} rows leave the current snapshot "
            "(older snapshots keep them until they expire)"
        )
    if change.kind == "add_column" and change.breaking:
        return f"{rows} existing rows have no value for it: apply refuses (add it optional, backfill, then require it)"
    if change.kind == "make_required":
        if "." in change.path:
            return "apply refuses to require a nested field of a table holding rows"
        nulls = null_count(table, path)
        return (
            f"{nulls} of {rows} existing rows are null: apply refuses until they are filled"
            if nulls
            else f"none of the {rows} existing rows is null"
        )
    if change.kind == "incompatible_type":
        refusal = incompatible_refusal(change)
        if refusal:
            return f"{refusal} (the table holds {rows} rows)"
        used = referenced_by_layout(table, path, plan.spec)
        if used:
            return f"apply refuses it: '{change.path}' is {used}; add a new column instead (the table holds {rows} rows)"
        from icespec.tables.rewrite import assess, not_rewritable

        target = iceberg_schema(plan.spec).find_field(change.path).field_type
        reason = not_rewritable(change, table, path, target)
        if reason:
            return f"apply refuses it: {reason} (the table holds {rows} rows)"
        conversion = assess(table, change, target, path)
        return (
            "apply refuses this without --rewrite-incompatible (the values would be lost); "
            + conversion.describe()
        )
    return None


def with_data_impact(plan: TablePlan, table: Table | None) -> TablePlan:
    """The plan with `data_impact` on each change that touches existing rows (and on a retype that
    apply refuses even on an empty table)."""
    if table is None or not plan.changes:
        return plan
    rows = row_count(table)
    if not rows:
        live = live_paths(plan)
        checked: list[Change] = []
        for change in plan.changes:
            used = (
                referenced_by_layout(table, live.get(change.path, change.path), plan.spec)
                if change.kind == "incompatible_type" and "." not in change.path
                else None
            )
            note = f"apply refuses it: '{change.path}' is {used}; add a new column instead" if used else None
            checked.append(replace(change, data_impact=note or change.data_impact))
        return replace(plan, changes=tuple(checked))
    changes = tuple(
        replace(c, data_impact=_impact(c, plan, table, rows) or c.data_impact) for c in plan.changes
    )
    return replace(plan, changes=changes)
